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
