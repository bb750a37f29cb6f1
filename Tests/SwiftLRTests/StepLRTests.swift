import XCTest

@testable import SwiftLR

final class StepLRTests: XCTestCase {
  /// The document's table: lr 0.1, step_size 10, gamma 0.9, 30 epochs.
  func testDocumentTable() throws {
    var s = try StepLR(baseLRs: [0.1], stepSize: 10, gamma: 0.9)
    var lrs = [0.1]
    try s.step(&lrs)  // the initial step, as the constructor does in PyTorch
    XCTAssertEqual(s.lastEpoch, 0)
    var printed: [String] = []
    for _ in 0..<30 {
      try s.step(&lrs)
      printed.append(String(Int((lrs[0] * 100_000).rounded())))
    }
    XCTAssertEqual(printed[0], "10000")
    XCTAssertEqual(printed[8], "10000")
    XCTAssertEqual(printed[9], "9000")
    XCTAssertEqual(printed[19], "8100")
    XCTAssertEqual(printed[29], "7290")
  }

  /// The chained recurrence is a product of gammas: 0.1 * 0.9 * 0.9, not 0.1 * 0.9**2.
  func testChainedProductIsNotClosedForm() throws {
    var s = try StepLR(baseLRs: [0.1], stepSize: 1, gamma: 0.9)
    var lrs = [0.1]
    try s.step(&lrs)
    try s.step(&lrs)
    try s.step(&lrs)
    XCTAssertEqual(lrs[0], 0.1 * 0.9 * 0.9)
  }

  func testStepRuleAgreesWithClosedForm() throws {
    var s = try StepLR(baseLRs: [0.5, 0.02], stepSize: 7, gamma: 0.5)
    let trace = try runSteps(&s, from: [0.5, 0.02], steps: 200)
    for (k, lrs) in trace.enumerated() {
      let epoch = k  // lastEpoch after k+1 steps from -1
      for (g, base) in [0.5, 0.02].enumerated() {
        assertClose(lrs[g], base * pow(0.5, Double(epoch / 7)), relative: 1e-13)
      }
    }
  }

  func testDeprecatedEpochUsesClosedForm() throws {
    var s = try StepLR(baseLRs: [1.0], stepSize: 3, gamma: 0.5)
    var lrs = [123.0]  // ignored by the closed form
    try s.step(&lrs, epoch: 7)
    XCTAssertEqual(s.lastEpoch, 7)
    XCTAssertEqual(lrs, [0.25])
  }

  func testChangesFromOutsideCarryOn() throws {
    var s = try StepLR(baseLRs: [1.0], stepSize: 2, gamma: 0.5, lastEpoch: 0)
    var lrs = [3.0]  // set by the user after the scheduler was built
    try s.step(&lrs)
    XCTAssertEqual(lrs, [3.0])
    try s.step(&lrs)
    XCTAssertEqual(lrs, [1.5])
  }

  func testValidation() throws {
    assertThrows(.value, "step_size must be positive") { _ = try StepLR(baseLRs: [0.1], stepSize: 0) }
    assertThrows(.value, "step_size must be positive") { _ = try StepLR(baseLRs: [0.1], stepSize: -3) }
    // Any last_epoch is valid, as in PyTorch (step(epoch) may set a negative one).
    var negative = try StepLR(baseLRs: [0.1], stepSize: 2, lastEpoch: -5)
    var lrs = [0.1]
    try negative.step(&lrs)
    XCTAssertEqual(negative.lastEpoch, -4)
    assertThrows(.value, "no param groups") { _ = try StepLR(baseLRs: [], stepSize: 1) }
  }

  func testLastEpochOverflowThrowsAndChangesNothing() throws {
    var s = try StepLR(baseLRs: [0.1], stepSize: 5, lastEpoch: Int.max)
    var lrs = [0.1]
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
    XCTAssertEqual(s.lastEpoch, Int.max)
    XCTAssertEqual(lrs, [0.1])
  }

  func testWrongGroupCountThrows() throws {
    var s = try StepLR(baseLRs: [0.1, 0.2], stepSize: 5)
    var lrs = [0.1]
    assertThrows(.value, "expected 2 learning rates") { try s.step(&lrs) }
    XCTAssertEqual(s.lastEpoch, -1)
  }

  func testConfigAndFields() throws {
    var s = try StepLR(config: SchedulerConfig(["step_size": .int(4), "base_lrs": .doubles([0.3])]))
    XCTAssertEqual(s.gamma, 0.1)
    XCTAssertEqual(s.field("step_size"), .int(4))
    XCTAssertEqual(s.field("last_epoch"), .int(-1))
    try s.update(["gamma": .double(0.5), "last_epoch": .int(8)])
    XCTAssertEqual(s.gamma, 0.5)
    XCTAssertEqual(s.lastEpoch, 8)
    // All or nothing: a bad value leaves every field as it was.
    assertThrows(.value, "step_size") { try s.update(["gamma": .double(0.9), "step_size": .int(0)]) }
    XCTAssertEqual(s.gamma, 0.5)
    assertThrows(.key, "no field") { try s.update(["nope": .int(1)]) }
    assertThrows(.type, "step_size must be an int or a float") { try s.update(["step_size": .string("2")]) }
  }

  func testRegistryBuildsByName() throws {
    let s = try SchedulerRegistry.make(
      "StepLR", config: SchedulerConfig(["step_size": .int(2), "base_lrs": .doubles([1])]))
    XCTAssert(s is StepLR)
    assertThrows(.value, "unknown scheduler") { _ = try SchedulerRegistry.make("Nope", config: SchedulerConfig()) }
    assertThrows(.type, "missing required argument: 'step_size'") {
      _ = try SchedulerRegistry.make("StepLR", config: SchedulerConfig(["base_lrs": .doubles([1])]))
    }
  }

  func testDrivesSGD() throws {
    let p = Parameter<Double>([1, 2])
    var sgd = try SGD([p], options: SGDOptions(lr: 0.1))
    var s = try StepLR(baseLRs: sgd.learningRates, stepSize: 1, gamma: 0.5)
    try s.step(&sgd)
    try s.step(&sgd)
    XCTAssertEqual(sgd.learningRates, [0.05])
  }
}
