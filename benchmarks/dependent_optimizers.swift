// SGD<Float>.step() and Adam<Float>.step() timed from a package that depends
// on SwiftLR by version: `.ci/swift-dependency` builds this file as such a
// package's executable and `dependent_optimizers.py` runs it in turns with
// the Python build's twin of this loop (its `--python` mode), then prints the
// two side by side. Both sides build the same arrays (float64 values rounded
// to float32, as numpy's `astype`), a fresh parameter per optimizer and size,
// and time a step the same way (`bestStep`). Each line: optimizer, elements,
// best seconds per step; the last line names the kernels in use.

import SwiftLR

/// Seconds `body` takes.
func seconds(_ body: () throws -> Void) rethrows -> Double {
  let d = try ContinuousClock().measure(body)
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Best seconds per call of `step` over `n` elements, after one untimed call
/// (which allocates the optimizer's state): 30 samples of `calls` calls each.
func bestStep(_ n: Int, _ step: () throws -> Void) rethrows -> Double {
  try step()
  let calls = max(1, min(200, 2_000_000 / n))  // a sample lasts about a millisecond
  var best = Double.infinity
  for _ in 0..<30 {
    best = min(best, try seconds { for _ in 0..<calls { try step() } } / Double(calls))
  }
  return best
}

/// A float32 parameter of `n` elements with the Python side's values.
func parameter(_ n: Int) -> Parameter<Float> {
  Parameter<Float>(
    (0..<n).map { Float(Double($0 % 13) / 8) }, grad: (0..<n).map { Float(Double($0 % 7) / 16 - 0.2) })
}

// The sizes and hyperparameters of benchmarks/sgd_bench.py; Adam's defaults.
for n in [1_000, 100_000, 1_000_000, 10_000_000] {
  do {
    var sgd = try SGD([parameter(n)], options: SGDOptions(lr: 0.01, momentum: 0.9, weightDecay: 1e-4))
    print("sgd", n, try bestStep(n) { try sgd.step() })
  }
  do {
    var adam = try Adam([parameter(n)], options: AdamOptions(lr: 1e-3))
    print("adam", n, try bestStep(n) { try adam.step() })
  }
}
print("kernels", String(cString: swiftlr_kernels_name()))
