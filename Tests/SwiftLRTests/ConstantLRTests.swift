import XCTest

@testable import SwiftLR

final class ConstantLRTests: XCTestCase {
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    var s = try ConstantLR(baseLRs: bases, factor: 0.25, totalIters: 7)
    let trace = try runSteps(&s, from: bases, steps: 40)
    for (epoch, lrs) in trace.enumerated() {
      for g in 0..<2 { assertClose(lrs[g], bases[g] * (epoch < 7 ? 0.25 : 1.0), relative: 1e-15) }
    }
  }

  func testClosedFormUsesBoolTimesFloat() throws {
    var s = try ConstantLR(baseLRs: [0.3], factor: 1.0 / 3, totalIters: 2)
    var lrs = [0.0]
    try s.step(&lrs, epoch: 5)
    XCTAssertEqual(lrs, [0.3 * (1.0 / 3 + 1 * (1 - 1.0 / 3))])
    try s.step(&lrs, epoch: 1)
    XCTAssertEqual(lrs, [0.3 * (1.0 / 3)])
  }

  func testValidation() {
    let message = "Constant multiplicative factor expected to be between 0 and 1."
    assertThrows(.value, message) { _ = try ConstantLR(baseLRs: [0.1], factor: 1.5) }
    assertThrows(.value, message) { _ = try ConstantLR(baseLRs: [0.1], factor: -0.1) }
    assertThrows(.value, "factor must be greater than 0") { _ = try ConstantLR(baseLRs: [0.1], factor: 0) }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try ConstantLR(baseLRs: [0.1], totalIters: .int(Int.min), lastEpoch: Int.max - 1)
    var lrs = [0.1]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.1])
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
  }
}
