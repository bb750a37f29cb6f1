import XCTest

@testable import SwiftLR

final class ExponentialLRTests: XCTestCase {
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    var s = try ExponentialLR(baseLRs: bases, gamma: 0.97)
    s.isInitial = true  // the constructor's initial step, as the Python layer runs it
    let first = try runSteps(&s, from: bases, steps: 1)
    s.isInitial = false
    let trace = try first + runSteps(&s, from: first[0], steps: 299)
    for (epoch, lrs) in trace.enumerated() {
      for g in 0..<2 { assertClose(lrs[g], bases[g] * pow(0.97, Double(epoch)), relative: 1e-12) }
    }
  }

  /// The chained rule is a running product, which differs from gamma ** n in the last bits.
  func testChainedIsARunningProduct() throws {
    var s = try ExponentialLR(baseLRs: [0.1], gamma: 0.9, lastEpoch: 0)
    var lrs = [0.1]
    try s.step(&lrs)
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.1 * 0.9 * 0.9])
  }

  func testInitialStepKeepsTheLR() throws {
    var s = try ExponentialLR(baseLRs: [1.0], gamma: 0.5, lastEpoch: 7)
    s.isInitial = true
    var lrs = [0.25]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.25])
    XCTAssertEqual(s.lastEpoch, 8)
  }

  /// `step(epoch)` takes the closed form, `gamma ** epoch`: a float power
  /// that raises OverflowError in Python where it overflows (the chained step
  /// multiplies and reaches inf silently, as PyTorch's does).
  func testClosedFormPowerOverflowsAsPython() throws {
    var s = try ExponentialLR(baseLRs: [0.1], gamma: 2)
    var lrs = [0.1]
    try s.step(&lrs, epoch: 1023)
    assertThrows(.overflow, "Numerical result out of range") { try s.step(&lrs, epoch: 1024) }
    XCTAssertEqual(s.lastEpoch, 1023)
  }

  func testConfigRequiresGammaAndLimits() throws {
    assertThrows(.type, "missing required argument: 'gamma'") {
      _ = try ExponentialLR(config: SchedulerConfig(["base_lrs": .doubles([1])]))
    }
    var s = try ExponentialLR(baseLRs: [0.1], gamma: 0.5, lastEpoch: Int.max)
    var lrs = [0.1]
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
    XCTAssertEqual(lrs, [0.1])
  }
}
