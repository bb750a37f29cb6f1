import XCTest

@testable import SwiftLR

final class AdamTests: XCTestCase {
  func testStepsKeepTorchsStateAndCountInFloat32() throws {
    let p = Parameter<Float>([1, -2, 3], grad: [0.5, 0.5, -1])
    var adam = try Adam([p], options: AdamOptions(lr: 0.1, amsgrad: true))
    try adam.step()
    let s = try XCTUnwrap(adam.state(of: p))
    XCTAssertEqual(s.step, 1)
    XCTAssertEqual(s.expAvg, [0.05, 0.05, -0.1].map { Float($0) })
    XCTAssertNotNil(s.maxExpAvgSq)
    // The first step moves each element by about lr against its gradient's sign.
    XCTAssertEqual(p.data[0], 0.9, accuracy: 1e-6)
    XCTAssertEqual(p.data[2], 3.1, accuracy: 1e-6)
  }

  func testAMismatchedGradientThrowsBeforeAnyUpdate() throws {
    let a = Parameter<Double>([1, 2], grad: [1, 1])
    let b = Parameter<Double>([1, 2], grad: [1])
    var adam = try Adam([a, b])
    XCTAssertThrowsError(try adam.step())
    XCTAssertEqual(a.data, [1, 2])
    XCTAssertNil(adam.state(of: a))
  }

  func testDecoupledDecayShrinksTheParameterFirst() throws {
    let p = Parameter<Double>([1, -2], grad: [2, -4])
    var adam = try Adam([p], options: AdamOptions(lr: 0.1, weightDecay: 0.5, decoupledWeightDecay: true))
    try adam.step()
    XCTAssertEqual(p.data[0], 0.85, accuracy: 1e-9)
    XCTAssertEqual(p.data[1], -1.8, accuracy: 1e-9)
  }

  func testSchedulersDriveTheLearningRateAndBeta1() throws {
    let p = Parameter<Float>([1], grad: [1])
    var adam = try Adam([p], options: AdamOptions(lr: 0.1))
    adam.momenta = [0.85]
    XCTAssertEqual(adam.paramGroups[0].options.beta1, 0.85)
    var scheduler = try StepLR(baseLRs: [0.1], stepSize: 1, gamma: 0.5)
    try scheduler.step(&adam)  // the constructor's step: epoch 0
    XCTAssertEqual(adam.learningRates, [0.1])
    try scheduler.step(&adam)
    XCTAssertEqual(adam.learningRates, [0.05])
  }

  /// OneCycleLR and CyclicLR (`cycleMomentum`) cycle Adam's and AdamW's
  /// beta1 through the one-call `step(&optimizer)` bit for bit as they cycle
  /// SGD's momentum, leave beta2 alone, and `step()` runs with the beta1 they
  /// set: the parameters equal those of an Adam given the same lr and beta1
  /// by hand at every step.
  func testCyclicSchedulersDriveBeta1AsSGDsMomentum() throws {
    func schedulers<O: ScheduledOptimizer>(_: O.Type) -> [(String, (inout O) throws -> any OptimizerScheduler)] {
      [
        ("OneCycleLR", { try OneCycleLR(&$0, maxLRs: [0.5], totalSteps: 30) }),
        (
          "OneCycleLR three phases, linear",
          {
            try OneCycleLR(&$0, maxLRs: [0.4], totalSteps: 25, annealStrategy: .linear, threePhase: true)
          }
        ),
        ("CyclicLR", { try CyclicLR(&$0, baseLRs: [0.01], maxLRs: [0.2], stepSizeUp: 4, stepSizeDown: 3) }),
        (
          "CyclicLR exp_range",
          {
            try CyclicLR(&$0, baseLRs: [0.01], maxLRs: [0.2], stepSizeUp: 5, mode: .expRange, gamma: 0.97)
          }
        ),
      ]
    }
    let start: [Double] = [1, -2, 3], grad: [Double] = [0.5, 0.25, -1]
    for decoupled in [false, true] {
      let options = AdamOptions(lr: 0.1, betas: (0.5, 0.99), weightDecay: 0.01, decoupledWeightDecay: decoupled)
      for ((name, onAdam), (_, onSGD)) in zip(schedulers(Adam<Double>.self), schedulers(SGD<Double>.self)) {
        let (p, q) = (Parameter(start, grad: grad), Parameter(start, grad: grad))
        var adam = try Adam([p], options: options)
        var byHand = try Adam([q], options: options)
        var sgd = try SGD([Parameter<Double>([0])], options: SGDOptions(lr: 0.1, momentum: 0.5))
        var a = try onAdam(&adam)
        var s = try onSGD(&sgd)
        for k in 0..<25 {
          let label = "\(name), decoupled \(decoupled), step \(k)"
          XCTAssertEqual(adam.learningRates.map(\.bitPattern), sgd.learningRates.map(\.bitPattern), label)
          XCTAssertEqual(adam.momenta.map(\.bitPattern), sgd.momenta.map(\.bitPattern), label)
          XCTAssertEqual(adam.paramGroups[0].options.beta2, 0.99, label)
          XCTAssertNotEqual(adam.momenta, [0.5], label)  // the scheduler's, not the constructor's
          (byHand.learningRates, byHand.momenta) = (sgd.learningRates, sgd.momenta)
          try adam.step()
          try byHand.step()
          XCTAssertEqual(p.data.map(\.bitPattern), q.data.map(\.bitPattern), label)
          try a.step(&adam)
          try s.step(&sgd)
        }
      }
    }
  }

  func testInvalidOptionsAreRefused() {
    XCTAssertThrowsError(try Adam([Parameter<Float>([1])], options: AdamOptions(betas: (0.9, 1))))
  }
}

extension AdamTests {
  /// Float and Double run the C ABI's route (kernels for this CPU, the worker
  /// pool); they must give what the portable kernel gives, element for
  /// element, with every option that changes the arithmetic.
  func testStepMatchesPortableKernel() throws {
    try checkKernelRoute(Float.self)
    try checkKernelRoute(Double.self)
  }

  private func checkKernelRoute<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type) throws {
    let count = (1 << 15) + 5  // split across threads, with a vector tail
    let grad = (0..<count).map { T(($0 % 97) - 48) / 64 }
    let start = (0..<count).map { T($0 % 13) / 8 }
    for options in [
      AdamOptions(lr: 0.05, weightDecay: 1e-2, amsgrad: true),
      AdamOptions(lr: 0.01, betas: (0.8, 0.99), weightDecay: 0.1, maximize: true, decoupledWeightDecay: true),
    ] {
      for capability in TorchCapability.allCases {
        let p = Parameter(start, grad: grad)
        var adam = try Adam([p], options: options, capability: capability)
        var expected = start
        var m = [T](repeating: 0, count: count), v = m, x = m
        for step in 1...2 {
          try adam.step()
          x.withUnsafeMutableBufferPointer { x in
            adamUpdate(
              param: &expected, grad: grad, expAvg: &m, expAvgSq: &v,
              maxExpAvgSq: options.amsgrad ? x.baseAddress : nil,
              count: count, range: 0..<count, step: Float(step), options: options, capability: capability,
              isa: PortableISA.self)
          }
        }
        let s = try XCTUnwrap(adam.state(of: p))
        XCTAssertEqual(s.step, 2)
        XCTAssertEqual(p.data, expected, "\(T.self) \(capability)")
        XCTAssertEqual(s.expAvg, m)
        XCTAssertEqual(s.expAvgSq, v)
        XCTAssertEqual(s.maxExpAvgSq, options.amsgrad ? x : nil)
      }
    }
  }
}
