import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

final class CooldownLRTests: XCTestCase {
  /// The decay from the starting lr, every type, against the formula; `step()` against `step(epoch)`.
  func testDecayFromTheStartingLR() throws {
    for type in WarmupStableDecayLR.DecayType.allCases {
      var s = try CooldownLR(baseLRs: [0.08, 0.4], decaySteps: 9, decayType: type, minLRRatio: 0.2)
      let trace = try runSteps(&s, from: [0.08, 0.4], steps: 14)
      for (t, lrs) in trace.enumerated() {
        let p = Double(t) / 9
        let d = type == .linear ? 1 - p : type == .oneMinusSqrt ? 1 - sqrt(p) : 0.5 * (1 + cos(Double.pi * p))
        let f = t < 9 ? 0.2 + (1 - 0.2) * d : 0.2
        XCTAssertEqual(lrs, [0.08 * f, 0.4 * f], "\(type) t=\(t)")
        var c = try CooldownLR(baseLRs: [0.08, 0.4], decaySteps: 9, decayType: type, minLRRatio: 0.2)
        var one = [0.0, 0.0]
        try c.step(&one, epoch: .int(t))
        XCTAssertEqual(one, lrs)
      }
    }
  }

  /// The same decay function as WarmupStableDecayLR's: a cooldown started where WSD decays is WSD.
  func testEqualsWarmupStableDecayFromItsDecay() throws {
    var wsd = try WarmupStableDecayLR(
      baseLRs: [0.3], warmupSteps: 3, stableSteps: 4, decaySteps: 10, decayType: .cosine, minLRRatio: 0.1)
    let full = try runSteps(&wsd, from: [0.3], steps: 20)
    var cooldown = try CooldownLR(baseLRs: [0.3], decaySteps: 10, decayType: .cosine, minLRRatio: 0.1)
    XCTAssertEqual(try runSteps(&cooldown, from: [0.3], steps: 13), Array(full[7...]))
  }

  func testValidation() {
    assertThrows(.value, "decay_steps must be a positive integer") {
      _ = try CooldownLR(baseLRs: [0.1], decaySteps: 0)
    }
    assertThrows(.value, "min_lr_ratio") {
      _ = try CooldownLR(baseLRs: [0.1], decaySteps: 3, minLRRatio: 1.5)
    }
  }
}
