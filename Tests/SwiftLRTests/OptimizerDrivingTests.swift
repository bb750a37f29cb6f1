import XCTest

@testable import SwiftLR

/// Driving an optimizer: `attach`'s construction, `step(&optimizer)`, and
/// their failures, which change nothing. (PyTorch's values: `OptimizerInitializersTests`.)
final class OptimizerDrivingTests: XCTestCase {
  func makeSGD(_ lrs: [Double] = [0.1, 0.2], momentum: Double = 0.9) throws -> SGD<Double> {
    try SGD(
      groups: lrs.map { .init(params: [Parameter<Double>([0])], options: SGDOptions(lr: $0, momentum: momentum)) })
  }

  func testConstructionTakesTheInitialStep() throws {
    var sgd = try makeSGD()
    let s = try LinearLR(&sgd, startFactor: 0.5, totalIters: 4)
    XCTAssertEqual(s.lastEpoch, 0)
    XCTAssertEqual(sgd.learningRates, [0.05, 0.1])  // the first epoch's lrs, as PyTorch leaves them
    XCTAssertEqual(sgd.initialLRs, [0.1, 0.2])
  }

  func testInitialLRIsRecordedOnce() throws {
    var sgd = try makeSGD()
    _ = try ConstantLR(&sgd, factor: 0.5)
    let second = try StepLR(&sgd, stepSize: 3)
    XCTAssertEqual(second.baseLRs, [0.1, 0.2])  // `setdefault`: the first scheduler's record stays
  }

  func testResumingNeedsInitialLR() throws {
    var sgd = try makeSGD()
    let before = sgd.learningRates
    assertThrows(.key, "param 'initial_lr' is not specified in param_groups[0]") {
      _ = try StepLR(&sgd, stepSize: 3, lastEpoch: 5)
    }
    XCTAssertEqual(sgd.learningRates, before)
    XCTAssertEqual(sgd.initialLRs, [nil, nil])
  }

  func testFailedConstructionChangesNothing() throws {
    var sgd = try makeSGD()
    assertThrows(.value, "step_size must be positive") { _ = try StepLR(&sgd, stepSize: 0) }
    XCTAssertEqual(sgd.initialLRs, [nil, nil])
    assertThrows(.value, "Expected 2 lr_lambdas, but got 3") {
      _ = try LambdaLR(&sgd, lrLambdas: [{ _ in 1 }, { _ in 1 }, { _ in 1 }])
    }
    assertThrows(.value, "max_lr must have the same length as optimizer.param_groups") {
      _ = try OneCycleLR(&sgd, maxLRs: [1, 2, 3], totalSteps: 10)
    }
    XCTAssertEqual(sgd.learningRates, [0.1, 0.2])
  }

  func testOneCycleCyclesMomentumAndStopsAtItsEnd() throws {
    var sgd = try makeSGD()
    var s = try OneCycleLR(&sgd, maxLRs: [1], totalSteps: 10)
    XCTAssertEqual(sgd.learningRates[0], 0.04, accuracy: 1e-15)  // max_lr / div_factor: the first batch's lr
    XCTAssertEqual(sgd.momenta[0], 0.95, accuracy: 1e-15)
    try s.step(&sgd)
    XCTAssertLessThan(sgd.momenta[0], 0.95)  // the momentum falls as the lr rises
    for _ in 1..<10 { try s.step(&sgd) }  // PyTorch allows `total_steps` steps after its initial one
    let (lrs, momenta, state) = (sgd.learningRates, sgd.momenta, s.lastEpoch)
    assertThrows(.value, "Tried to step 11 times. The specified number of total steps is 10") { try s.step(&sgd) }
    XCTAssertEqual(sgd.learningRates, lrs)
    XCTAssertEqual(sgd.momenta, momenta)
    XCTAssertEqual(s.lastEpoch, state)
  }

  func testCyclicLRStartsAtBaseLR() throws {
    var sgd = try makeSGD()
    var s = try CyclicLR(&sgd, baseLRs: [0.01], maxLRs: [0.1], stepSizeUp: 2)
    XCTAssertEqual(sgd.learningRates, [0.01, 0.01])
    XCTAssertEqual(sgd.momenta, [0.9, 0.9])
    try s.step(&sgd)
    XCTAssertEqual(sgd.learningRates[0], 0.055, accuracy: 1e-15)
    XCTAssertEqual(sgd.momenta[0], 0.85, accuracy: 1e-15)
  }

  func testPlateauNeedsItsMetric() throws {
    var sgd = try makeSGD()
    var s = try ReduceLROnPlateau(&sgd, patience: 0)
    assertThrows(.type, "step(&optimizer, metric:)") { try s.step(&sgd) }
    try s.step(&sgd, metric: 1)
    try s.step(&sgd, metric: 2)
    XCTAssertEqual(sgd.learningRates[0], 0.01, accuracy: 1e-17)
    assertThrows(.value, "Factor should be < 1.0.") { _ = try ReduceLROnPlateau(&sgd, factor: 1) }
  }

  func testSchedulerWithoutItsFunctionsThrows() throws {
    var sgd = try makeSGD()
    var s = try LambdaLR(baseLRs: [0.1, 0.2])
    assertThrows(.type, "LambdaLR has no lr_lambda for its 2 groups") { try s.step(&sgd) }
    XCTAssertEqual(s.lastEpoch, -1)
  }

  func testMultiplicativeLRSkipsItsFunctionOnTheInitialStep() throws {
    var sgd = try makeSGD([1])
    var calls: [Int] = []
    var s = try MultiplicativeLR(
      &sgd,
      lrLambdas: [
        {
          calls.append($0); return 0.5
        }
      ])
    XCTAssertEqual(sgd.learningRates, [1])
    try s.step(&sgd)
    XCTAssertEqual(calls, [1])
    XCTAssertEqual(sgd.learningRates, [0.5])
  }

  /// A scheduler built on an optimizer steps as the same scheduler built on
  /// its lrs and given the constructor's initial step by hand.
  func testOptimizerInitializerMatchesTheRawScheduler() throws {
    var sgd = try makeSGD()
    var driven = try CooldownLR(&sgd, decaySteps: 4, decayType: .cosine, minLRRatio: 0.1)
    var raw = try CooldownLR(baseLRs: [0.1, 0.2], decaySteps: 4, decayType: .cosine, minLRRatio: 0.1)
    raw.isInitial = true
    var lrs = [0.1, 0.2]
    try raw.step(&lrs)
    XCTAssertEqual(sgd.learningRates, lrs)
    for _ in 0..<6 {
      try driven.step(&sgd)
      try raw.step(&lrs)
      XCTAssertEqual(sgd.learningRates, lrs)
    }
  }
}
