// SGD<Float>.step() and Adam<Float>.step() timed from a package that depends
// on SwiftLR by version: `.ci/swift-dependency` builds this file as such a
// package's executable and hands its output to `dependent_optimizers.py`,
// which times the Python build at the same sizes and prints the two side by
// side. Each line: optimizer, elements, best seconds per step; the last line
// names the kernels in use.

import SwiftLR

/// Seconds `body` takes.
func seconds(_ body: () throws -> Void) rethrows -> Double {
  let d = try ContinuousClock().measure(body)
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Best seconds per call of `step` over `n` elements, after one untimed call
/// (which allocates the optimizer's state).
func bestStep(_ n: Int, _ step: () throws -> Void) rethrows -> Double {
  try step()
  let calls = max(1, min(200, 2_000_000 / n))  // a sample lasts about a millisecond
  var best = Double.infinity
  for _ in 0..<30 {
    best = min(best, try seconds { for _ in 0..<calls { try step() } } / Double(calls))
  }
  return best
}

// The sizes and hyperparameters of benchmarks/sgd_bench.py; Adam's defaults.
for n in [1_000, 100_000, 1_000_000, 10_000_000] {
  let p = Parameter<Float>((0..<n).map { Float($0 % 13) / 8 }, grad: (0..<n).map { Float($0 % 7) / 16 - 0.2 })
  var sgd = try SGD([p], options: SGDOptions(lr: 0.01, momentum: 0.9, weightDecay: 1e-4))
  print("sgd", n, try bestStep(n) { try sgd.step() })
  var adam = try Adam([p], options: AdamOptions(lr: 1e-3))
  print("adam", n, try bestStep(n) { try adam.step() })
}
print("kernels", String(cString: swiftlr_kernels_name()))
