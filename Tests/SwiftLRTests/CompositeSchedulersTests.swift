import XCTest

@testable import SwiftLR

final class CompositeSchedulersTests: XCTestCase {
  /// PyTorch 2.15's reference runs, replayed through the Swift API (`SchedulerReference`).
  func testSequentialLRMatchesTorch() throws {
    XCTAssertEqual(try SchedulerReference.check("SequentialLR"), 30)
  }

  func testChainedSchedulerMatchesTorch() throws {
    XCTAssertEqual(try SchedulerReference.check("ChainedScheduler"), 30)
  }
}

extension CompositeSchedulersTests {
  func makeSGD() throws -> SGD<Double> {
    try SGD([Parameter<Double>([0])], options: SGDOptions(lr: 1))
  }

  func testSequentialLRSwitchesAtItsMilestone() throws {
    var sgd = try makeSGD()
    let warmup = try ConstantLR(&sgd, factor: 0.1, totalIters: 2)
    let decay = try ExponentialLR(&sgd, gamma: 0.9)
    var s = try SequentialLR(&sgd, schedulers: [warmup, decay], milestones: [2])
    var lrs = [sgd.learningRates[0]]
    for _ in 0..<3 {
      try s.step(&sgd)
      lrs.append(sgd.learningRates[0])
    }
    XCTAssertEqual(lrs, [0.1, 0.1, 1.0, 0.9])  // PyTorch's docstring example
  }

  func testChecks() throws {
    var sgd = try makeSGD()
    assertThrows(.value, "SequentialLR expects at least one scheduler, but got no scheduler.") {
      _ = try SequentialLR(&sgd, schedulers: [], milestones: [])
    }
    assertThrows(.value, "ChainedScheduler expects at least one scheduler to be chained") {
      _ = try ChainedScheduler([])
    }
    let plateau = try ReduceLROnPlateau(&sgd)
    assertThrows(.value, "does not support `ReduceLROnPlateau` scheduler") { _ = try ChainedScheduler([plateau]) }
    let step = try StepLR(&sgd, stepSize: 2)
    assertThrows(.value, "number of milestones to be equal to 0") {
      _ = try SequentialLR(&sgd, schedulers: [step, step], milestones: [])
    }
  }

  func testChainedSchedulerFailureChangesNothing() throws {
    var sgd = try makeSGD()
    let decay = try ExponentialLR(&sgd, gamma: 0.5)
    let cycle = try OneCycleLR(&sgd, maxLRs: [1], totalSteps: 1, cycleMomentum: false)
    var chain = try ChainedScheduler([decay, cycle])
    try chain.step(&sgd)
    let lrs = sgd.learningRates
    assertThrows(.value, "Tried to step 2 times") { try chain.step(&sgd) }
    XCTAssertEqual(sgd.learningRates, lrs)
    XCTAssertEqual((chain.schedulers[0] as! ExponentialLR).lastEpoch, 1)
  }

  func testCompositeCannotRestartAtAMilestone() throws {
    var sgd = try makeSGD()
    let first = try StepLR(&sgd, stepSize: 2)
    let inner = try ChainedScheduler([try ExponentialLR(&sgd, gamma: 0.5)])
    var s = try SequentialLR(&sgd, schedulers: [first, inner], milestones: [1])
    let lrs = sgd.learningRates
    assertThrows(.type, "ChainedScheduler cannot restart at a SequentialLR milestone") { try s.step(&sgd) }
    XCTAssertEqual(sgd.learningRates, lrs)
    XCTAssertEqual(s.lastEpoch, 0)
  }
}
