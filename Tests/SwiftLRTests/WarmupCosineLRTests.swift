import XCTest

@testable import SwiftLR

final class WarmupCosineLRTests: XCTestCase {
  /// The docstring's table: lr 0.1, warmup 2, total 6, eta_min 0.01.
  func testTable() throws {
    var s = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: 2, totalSteps: 6, etaMin: 0.01)
    let trace = try runSteps(&s, from: [0.1], steps: 9).map { $0[0] }
    assertClose(
      trace, [0, 0.05, 0.1, 0.08681980515339464, 0.055, 0.023180194846605366, 0.01, 0.01, 0.01], relative: 1e-15)
    XCTAssertEqual(trace[2], 0.1)  // the warmup ends exactly at the base lr
    XCTAssertEqual(trace[6], 0.01)  // and the cosine exactly at eta_min
  }

  /// `step()` and `step(epoch)` agree everywhere: the schedule is absolute.
  func testStepAgreesWithClosedForm() throws {
    var s = try WarmupCosineLR(
      baseLRs: [0.5, 0.02], warmupSteps: 13, totalSteps: 150, etaMin: 1e-4, warmupStartFactor: 0.1)
    let trace = try runSteps(&s, from: [0.5, 0.02], steps: 200)
    for (k, lrs) in trace.enumerated() {
      var c = try WarmupCosineLR(
        baseLRs: [0.5, 0.02], warmupSteps: 13, totalSteps: 150, etaMin: 1e-4, warmupStartFactor: 0.1)
      var fresh = [9.0, 9.0]
      try c.step(&fresh, epoch: .int(k))
      XCTAssertEqual(lrs, fresh)
    }
    XCTAssertEqual(trace[0][0], 0.5 * 0.1)
  }

  func testValidation() {
    assertThrows(.value, "total_steps must be greater than warmup_steps") {
      _ = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: 5, totalSteps: 5)
    }
    assertThrows(.value, "warmup_steps must be a non-negative") {
      _ = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: -1, totalSteps: 5)
    }
    assertThrows(.value, "eta_min") {
      _ = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: 0, totalSteps: 5, etaMin: -1)
    }
    assertThrows(.value, "eta_min") {
      _ = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: 0, totalSteps: 5, etaMin: .nan)
    }
    assertThrows(.value, "warmup_start_factor must be between 0 and 1") {
      _ = try WarmupCosineLR(baseLRs: [0.1], warmupSteps: 1, totalSteps: 5, warmupStartFactor: 1.5)
    }
    assertThrows(.type, "missing required argument: 'total_steps'") {
      _ = try WarmupCosineLR(config: SchedulerConfig(["base_lrs": .doubles([0.1]), "warmup_steps": .int(1)]))
    }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try WarmupCosineLR(baseLRs: [1], warmupSteps: Int.max - 1, totalSteps: Int.max, lastEpoch: Int.max - 1)
    var lrs = [1.0]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0])  // t = total_steps: the end of the cosine
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
    var t = try WarmupCosineLR(baseLRs: [1], warmupSteps: 0, totalSteps: Int.max)
    try t.step(&lrs, epoch: .int(Int.max / 2))
    assertClose(lrs[0], 0.5, relative: 1e-12)
    try t.step(&lrs, epoch: -5)  // a negative epoch counts as step 0
    XCTAssertEqual(lrs, [1])
  }
}
