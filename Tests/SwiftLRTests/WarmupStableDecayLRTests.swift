import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

final class WarmupStableDecayLRTests: XCTestCase {
  func testTable() throws {
    var s = try WarmupStableDecayLR(
      baseLRs: [0.1], warmupSteps: 2, stableSteps: 2, decaySteps: 4, decayType: .linear, minLRRatio: 0.1)
    let trace = try runSteps(&s, from: [0.1], steps: 10).map { $0[0] }
    assertClose(trace, [0, 0.05, 0.1, 0.1, 0.1, 0.0775, 0.055, 0.0325, 0.01, 0.01], relative: 1e-15)
    XCTAssertEqual(trace[8], 0.1 * 0.1)  // the decay meets min_lr_ratio exactly
  }

  /// Every decay type at every step against the formula, and `step()` against `step(epoch)`.
  func testPhases() throws {
    for type in WarmupStableDecayLR.DecayType.allCases {
      var s = try WarmupStableDecayLR(
        baseLRs: [0.7], warmupSteps: 5, stableSteps: 7, decaySteps: 11, decayType: type, minLRRatio: 0.25)
      let trace = try runSteps(&s, from: [0.7], steps: 40)
      for (t, lrs) in trace.enumerated() {
        let f: Double
        if t < 5 {
          f = Double(t) / 5
        } else if t < 12 {
          f = 1
        } else if t < 23 {
          let p = Double(t - 12) / 11
          let d = type == .linear ? 1 - p : type == .oneMinusSqrt ? 1 - sqrt(p) : 0.5 * (1 + cos(Double.pi * p))
          f = 0.25 + (1 - 0.25) * d
        } else {
          f = 0.25
        }
        XCTAssertEqual(lrs[0], 0.7 * f, "\(type) t=\(t)")
        var c = try WarmupStableDecayLR(
          baseLRs: [0.7], warmupSteps: 5, stableSteps: 7, decaySteps: 11, decayType: type, minLRRatio: 0.25)
        var one = [0.0]
        try c.step(&one, epoch: .int(t))
        XCTAssertEqual(one, lrs)
      }
    }
  }

  func testValidation() {
    assertThrows(.value, "decay_steps must be a positive integer") {
      _ = try WarmupStableDecayLR(baseLRs: [0.1], warmupSteps: 1, stableSteps: 1, decaySteps: 0)
    }
    assertThrows(.value, "stable_steps must be a non-negative") {
      _ = try WarmupStableDecayLR(baseLRs: [0.1], warmupSteps: 1, stableSteps: -1, decaySteps: 1)
    }
    assertThrows(.value, "Unknown decay type: exp") {
      _ = try WarmupStableDecayLR(config: [
        "base_lrs": .doubles([0.1]), "warmup_steps": .int(1), "stable_steps": .int(1), "decay_steps": .int(1),
        "decay_type": .string("exp"),
      ])
    }
    assertThrows(.value, "min_lr_ratio must be between 0 and 1") {
      _ = try WarmupStableDecayLR(baseLRs: [0.1], warmupSteps: 1, stableSteps: 1, decaySteps: 1, minLRRatio: -0.1)
    }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try WarmupStableDecayLR(
      baseLRs: [1], warmupSteps: Int.max, stableSteps: Int.max, decaySteps: Int.max, minLRRatio: 0.5)
    var lrs = [0.0]
    try s.step(&lrs, epoch: .int(1 << 62))
    assertClose(lrs[0], Double(1 << 62) / Double(Int.max), relative: 1e-15)
    var t = try WarmupStableDecayLR(
      baseLRs: [1], warmupSteps: 0, stableSteps: Int.max - 1, decaySteps: Int.max, minLRRatio: 0.5,
      lastEpoch: Int.max - 1)
    try t.step(&lrs)  // one step into the decay
    assertClose(lrs[0], 1, relative: 1e-15)
  }
}
