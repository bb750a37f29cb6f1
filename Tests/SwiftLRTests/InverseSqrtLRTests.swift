import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

final class InverseSqrtLRTests: XCTestCase {
  /// transformers' lambda, transcribed: `base * factor` as PyTorch's LambdaLR.
  func transformersLR(_ base: Double, _ t: Int, _ w: Int, _ timescale: Int) -> Double {
    if t < w { return base * (Double(t) / Double(max(1, w))) }
    let shift = timescale - w
    return base * (1.0 / sqrt(Double(t + shift) / Double(timescale)))
  }

  func testMatchesTransformersBitForBit() throws {
    for (w, ts) in [(4, 4), (0, 10_000), (10, 3), (1, 100)] {
      var s = try InverseSqrtLR(baseLRs: [0.3], warmupSteps: w, timescale: w == 0 ? nil : ts)
      let trace = try runSteps(&s, from: [0.3], steps: 300)
      for (t, lrs) in trace.enumerated() { XCTAssertEqual(lrs[0], transformersLR(0.3, t, w, ts), "t=\(t)") }
    }
  }

  func testDefaultTimescale() throws {
    XCTAssertEqual(try InverseSqrtLR(baseLRs: [0.1], warmupSteps: 7).timescale, 7)
    XCTAssertEqual(try InverseSqrtLR(baseLRs: [0.1], warmupSteps: 0).timescale, 10_000)
    let config = SchedulerConfig(["base_lrs": .doubles([0.1]), "warmup_steps": .int(3), "timescale": .none])
    XCTAssertEqual(try InverseSqrtLR(config: config).timescale, 3)
  }

  func testValidation() {
    assertThrows(.value, "timescale must be a positive integer") {
      _ = try InverseSqrtLR(baseLRs: [0.1], warmupSteps: 2, timescale: 0)
    }
    assertThrows(.value, "warmup_steps must be a non-negative") {
      _ = try InverseSqrtLR(baseLRs: [0.1], warmupSteps: -2)
    }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try InverseSqrtLR(baseLRs: [1], warmupSteps: 0, timescale: Int.max, lastEpoch: Int.max - 1)
    var lrs = [1.0]
    try s.step(&lrs)  // t + timescale overflows Int; not in 128 bits
    assertClose(lrs[0], 1 / 2.0.squareRoot(), relative: 1e-15)
    var w = try InverseSqrtLR(baseLRs: [1], warmupSteps: Int.max)
    try w.step(&lrs, epoch: .int(1 << 62))
    assertClose(lrs[0], 0.5, relative: 1e-15)
  }
}
