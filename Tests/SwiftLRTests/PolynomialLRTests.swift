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

  func testValidation() {
    assertThrows(.value, "total_iters must not be 0") { _ = try PolynomialLR(baseLRs: [0.1], totalIters: 0) }
    assertThrows(.value, "power must be non-negative") { _ = try PolynomialLR(baseLRs: [0.1], power: -1) }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try PolynomialLR(baseLRs: [0.1], totalIters: .int(Int.max), lastEpoch: Int.max - 1)
    var lrs = [0.1]
    try s.step(&lrs)  // 0 / 0 here: NaN, where Python raises ZeroDivisionError; no trap either way
    try s.step(&lrs, epoch: Double(Int.min))
    var t = try PolynomialLR(baseLRs: [0.1], totalIters: .int(Int.min))
    try t.step(&lrs)
    try t.step(&lrs)
  }
}
