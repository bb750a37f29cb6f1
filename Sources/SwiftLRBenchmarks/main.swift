// Swift-side benchmarks of the core: `swift run -c release swiftlr-benchmarks`.
//
// Times the SGD kernel (one thread, and split across cores as the extension
// runs it), the axpy bandwidth yardstick, and one scheduler step, each as the
// best of several rounds.

import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

func now() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Seconds per call: the best of `rounds` rounds of `repeat` calls.
func best(rounds: Int = 10, repeat count: Int = 1, _ body: () -> Void) -> Double {
  var result = Double.infinity
  for _ in 0..<rounds {
    let start = now()
    for _ in 0..<count { body() }
    result = min(result, (now() - start) / Double(count))
  }
  return result
}

let n = 10_000_000
var param = [Float](repeating: 0.5, count: n)
let grad = [Float](repeating: 0.25, count: n)
var buffer = [Float](repeating: 0.1, count: n)
let options = SGDOptions(lr: 0.01, momentum: 0.9, weightDecay: 1e-4)

let single = best {
  param.withUnsafeMutableBufferPointer { p in
    grad.withUnsafeBufferPointer { g in
      buffer.withUnsafeMutableBufferPointer { b in
        sgdUpdate(
          param: p.baseAddress!, grad: g.baseAddress!, buffer: b.baseAddress, count: n, freshBuffer: false,
          options: options)
      }
    }
  }
}
var a = [Float](repeating: 1, count: n)
let axpyTime = best {
  a.withUnsafeMutableBufferPointer { x in
    grad.withUnsafeBufferPointer { y in axpy(x.baseAddress!, y.baseAddress!, count: n, scale: 1e-9) }
  }
}
let gb = { (streams: Int, seconds: Double) in Double(streams * 4 * n) / seconds / 1e9 }
print("SGD kernel, 1e7 float32, one thread: \(single * 1e3) ms, \(gb(5, single)) GB/s")
print("axpy, 1e7 float32, all cores:        \(axpyTime * 1e3) ms, \(gb(3, axpyTime)) GB/s")

var scheduler = try! StepLR(baseLRs: [0.1, 0.2, 0.3, 0.4], stepSize: 30, gamma: 0.9)
var lrs = [0.1, 0.2, 0.3, 0.4]
let stepTime = best(repeat: 100_000) {
  lrs.withUnsafeMutableBufferPointer { try! scheduler.step($0) }
}
print("StepLR.step, 4 groups:               \(stepTime * 1e9) ns")
