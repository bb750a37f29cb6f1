import XCTest

@testable import SwiftLR

final class CosineAnnealingLRTests: XCTestCase {
  func closedForm(_ base: Double, _ eta: Double, _ epoch: Int, _ tMax: Int) -> Double {
    eta + (base - eta) * (1 + cos(Double.pi * Double(epoch) / Double(tMax))) / 2
  }

  /// Over several half periods, through the additive branch at every restart.
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    var s = try CosineAnnealingLR(baseLRs: bases, tMax: 17, etaMin: 1e-3)
    s.isInitial = true  // the constructor's initial step, as the Python layer runs it
    let first = try runSteps(&s, from: bases, steps: 1)
    s.isInitial = false
    s.stepCount = 2
    let trace = try first + runSteps(&s, from: first[0], steps: 199)
    for (epoch, lrs) in trace.enumerated() {
      for g in 0..<2 { assertClose(lrs[g], closedForm(bases[g], 1e-3, epoch, 17), relative: 1e-9, absolute: 1e-12) }
    }
  }

  func testFirstStepOfAResumedSchedulerUsesTheClosedForm() throws {
    var s = try CosineAnnealingLR(baseLRs: [1.0], tMax: 10, lastEpoch: 2)
    s.stepCount = 1
    // PyTorch's branch for `_step_count == 1 and last_epoch > 0`: the closed form, whatever the lr.
    XCTAssertEqual(s.chainedLR(group: 0, current: 123.0), closedForm(1.0, 0, 2, 10))
    s.isInitial = true
    XCTAssertEqual(s.chainedLR(group: 0, current: 123.0), 123)
  }

  /// `get_lr()` after `step(2)` with `T_max=1/3`: the closed form divides by
  /// nothing, but the ratio's denominator `1 + cos(pi * (2 - 1) / T_max)` is 0
  /// and PyTorch raises ZeroDivisionError; so does `currentLRs`.
  func testCurrentLRsDivideByZeroAsPyTorch() throws {
    var s = try CosineAnnealingLR(baseLRs: [0.1], tMax: .float(1.0 / 3))
    var lrs = [0.1]
    s.isInitial = true
    try s.step(&lrs)
    s.isInitial = false
    try s.step(&lrs, epoch: 2)
    assertThrows(.zeroDivision, "float division by zero") {
      try lrs.withUnsafeMutableBufferPointer { try s.currentLRs($0, closedForm: false) }
    }
    // The closed form does not divide.
    try lrs.withUnsafeMutableBufferPointer { try s.currentLRs($0, closedForm: true) }
  }

  func testValidationAndLimits() throws {
    assertThrows(.value, "T_max must not be 0") { _ = try CosineAnnealingLR(baseLRs: [0.1], tMax: 0) }
    for tMax in [Int.max, Int.min, 1, -1] {
      var s = try CosineAnnealingLR(baseLRs: [0.1], tMax: .int(tMax), lastEpoch: Int.max - 1)
      var lrs = [0.1]
      try s.step(&lrs)
      assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
      var t = try CosineAnnealingLR(baseLRs: [0.1], tMax: .int(tMax), lastEpoch: 0)
      try t.step(&lrs, epoch: .int(Int.min))
      _ = t.chainedLR(group: 0, current: 0.1)
    }
  }
}
