import XCTest

@testable import SwiftLR

final class PolynomialLRTests: XCTestCase {
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    for power in [0.5, 1.0, 2.0, 0.0] {
      var s = try PolynomialLR(baseLRs: bases, totalIters: 50, power: power)
      s.isInitial = true  // the constructor's initial step, as the Python layer runs it
      let first = try runSteps(&s, from: bases, steps: 1)
      s.isInitial = false
      let trace = try first + runSteps(&s, from: first[0], steps: 79)
      for (epoch, lrs) in trace.enumerated() {
        let factor = pow(1.0 - Double(min(50, epoch)) / 50, power)
        for g in 0..<2 { assertClose(lrs[g], bases[g] * factor, relative: 1e-12, absolute: 1e-300) }
      }
    }
  }

  /// Past 2**53 PyTorch divides ints correctly rounded: at 3 * 2**53 + 2 of 3 * 2**53 + 3,
  /// (last_epoch - 1) / total_iters is 1.0 and the chained step divides by zero.
  func testHugeEpochsDivideAsPython() throws {
    let total = 3 * (1 << 53) + 3
    var s = try PolynomialLR(baseLRs: [0.1], totalIters: .int(total), power: 1.0)
    var lrs = [0.1]
    try s.step(&lrs, epoch: .int(total - 2))
    // Closed form: 1 - (total - 2) / total, with the int quotient rounded once.
    XCTAssertEqual(lrs, [0.1 * (1.0 - trueDivide(total - 2, total))])
    try s.step(&lrs)  // to total - 1: (total - 2) / total < 1
    let before = lrs
    assertThrows(.zeroDivision, "float division by zero") { try s.step(&lrs) }
    XCTAssertEqual(s.lastEpoch, total - 1)
    XCTAssertEqual(lrs, before)
    assertThrows(.zeroDivision, "float division by zero") {
      try s.step(&lrs, epoch: .int(total))
      var current = [0.0]
      try current.withUnsafeMutableBufferPointer { try s.currentLRs($0, closedForm: false) }
    }
  }

  func testValidation() {
    assertThrows(.value, "total_iters must not be 0") { _ = try PolynomialLR(baseLRs: [0.1], totalIters: 0) }
    assertThrows(.value, "power must be non-negative") { _ = try PolynomialLR(baseLRs: [0.1], power: -1) }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try PolynomialLR(baseLRs: [0.1], totalIters: .int(Int.max), lastEpoch: Int.max - 1)
    var lrs = [0.1]
    // (Int.max - 1) / Int.max rounds to 1.0: Python raises ZeroDivisionError, and so does this.
    assertThrows(.zeroDivision, "float division by zero") { try s.step(&lrs) }
    XCTAssertEqual(s.lastEpoch, Int.max - 1)
    try s.step(&lrs, epoch: .int(Int.min))
    var t = try PolynomialLR(baseLRs: [0.1], totalIters: .int(Int.min))
    try t.step(&lrs)
    try t.step(&lrs)
  }
}
