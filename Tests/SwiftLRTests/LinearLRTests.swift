import XCTest

@testable import SwiftLR

final class LinearLRTests: XCTestCase {
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    var s = try LinearLR(baseLRs: bases, startFactor: 0.1, endFactor: 0.9, totalIters: 30)
    let trace = try runSteps(&s, from: bases, steps: 80)
    for (epoch, lrs) in trace.enumerated() {
      let factor = 0.1 + 0.8 * Double(min(30, epoch)) / 30
      for g in 0..<2 { assertClose(lrs[g], bases[g] * factor, relative: 1e-13) }
    }
  }

  func testInitialStepOfAResumedSchedulerKeepsTheLR() throws {
    var s = try LinearLR(baseLRs: [1.0], totalIters: 10, lastEpoch: 4)
    s.isInitial = true
    var lrs = [0.7]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.7])
  }

  func testValidation() {
    assertThrows(.value, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.") {
      _ = try LinearLR(baseLRs: [0.1], startFactor: 0)
    }
    assertThrows(.value, "Ending multiplicative factor expected to be between 0 and 1.") {
      _ = try LinearLR(baseLRs: [0.1], endFactor: 1.01)
    }
    assertThrows(.value, "total_iters must not be 0") { _ = try LinearLR(baseLRs: [0.1], totalIters: 0) }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try LinearLR(baseLRs: [0.1], totalIters: .int(Int.max), lastEpoch: Int.max - 1)
    var lrs = [0.1]
    try s.step(&lrs)
    XCTAssert(lrs[0].isFinite)
    var t = try LinearLR(baseLRs: [0.1], totalIters: .int(Int.min), lastEpoch: 0)
    try t.step(&lrs)
    try t.step(&lrs, epoch: 3)
    XCTAssert(lrs[0].isFinite)
  }
}

final class LinearLRLimitTests: XCTestCase {
  /// step(epoch: Int.min) is accepted (PyTorch takes any epoch); the chained
  /// rule at that epoch used to trap on `lastEpoch - 1`.
  func testChainedRuleAtIntMinAndIntMaxDoesNotTrap() throws {
    for total in [Int.max, Int.min, 10] {
      var s = try LinearLR(baseLRs: [0.1], startFactor: 0.5, totalIters: .int(total))
      var lrs = [0.1]
      try s.step(&lrs)
      try s.step(&lrs, epoch: -9_223_372_036_854_775_808.0)
      XCTAssertEqual(s.lastEpoch, Int.min)
      try lrs.withUnsafeMutableBufferPointer { try s.currentLRs($0, closedForm: false) }
      try s.step(&lrs)
      XCTAssertEqual(s.lastEpoch, Int.min + 1)
      s.lastEpoch = Int.max
      XCTAssertThrowsError(try s.step(&lrs))
    }
  }
}
