import XCTest

@testable import SwiftLR

final class SGDTests: XCTestCase {
  func testSkipsParametersWithoutGradient() throws {
    let a = Parameter<Double>([1, 1])
    let b = Parameter<Double>([1, 1], grad: [1, 1])
    var sgd = try SGD([a, b], options: SGDOptions(lr: 0.5))
    try sgd.step()
    XCTAssertEqual(a.data, [1, 1])
    XCTAssertEqual(b.data, [0.5, 0.5])
  }

  func testMomentumBufferPerParameter() throws {
    let p = Parameter<Float>([0], grad: [1])
    var sgd = try SGD([p], options: SGDOptions(lr: 1, momentum: 0.5))
    try sgd.step()  // buf = 1, p = -1
    try sgd.step()  // buf = 0.5 + 1 = 1.5, p = -2.5
    XCTAssertEqual(p.data, [-2.5])
    XCTAssertEqual(sgd.momentumBuffers.count, 1)
  }

  func testMismatchedGradientThrowsBeforeAnyUpdate() throws {
    let good = Parameter<Double>([1], grad: [1])
    let bad = Parameter<Double>([1, 2], grad: [1])
    var sgd = try SGD([good, bad], options: SGDOptions(lr: 0.1))
    assertThrows(.value, "gradient has 1 elements") { try sgd.step() }
    XCTAssertEqual(good.data, [1])
  }

  func testGroupsAndLearningRates() throws {
    let a = Parameter<Double>([0], grad: [1])
    let b = Parameter<Double>([0], grad: [1])
    var sgd = try SGD(groups: [
      .init(params: [a], options: SGDOptions(lr: 0.1)), .init(params: [b], options: SGDOptions(lr: 0.2)),
    ])
    XCTAssertEqual(sgd.learningRates, [0.1, 0.2])
    sgd.learningRates = [1, 2]
    try sgd.step()
    XCTAssertEqual(a.data, [-1])
    XCTAssertEqual(b.data, [-2])
    sgd.zeroGrad()
    XCTAssertNil(a.grad)
  }

  func testInvalidOptionsThrow() {
    assertThrows(.value, "Invalid learning rate") { _ = try SGD([Parameter<Double>([0])], options: SGDOptions(lr: -1)) }
    assertThrows(.value, "empty parameter list") { _ = try SGD<Double>(groups: []) }
  }

  /// The README's first Swift example, as written there: the StepLR example of
  /// PyTorch's tutorials (lr 0.1, step size 10, gamma 0.9, 30 epochs).
  func testReadmeExample() throws {
    let w = Parameter<Float>([0, 0, 0])
    var sgd = try SGD([w], options: SGDOptions(lr: 0.1))
    var scheduler = try StepLR(&sgd, stepSize: 10, gamma: 0.9)
    var lrs: [Double] = []
    for _ in 1...30 {
      w.grad = [0.1, -0.2, 0.3]
      try sgd.step()
      try scheduler.step(&sgd)
      lrs.append(sgd.learningRates[0])
    }
    XCTAssertEqual(lrs[8], 0.1)
    XCTAssertEqual(lrs[9], 0.1 * 0.9)
    XCTAssertEqual(lrs[29], 0.1 * 0.9 * 0.9 * 0.9)
    XCTAssert(w.data[0] < 0 && w.data[1] > 0)
  }

  /// Float and Double run the C ABI's route (kernels for this CPU, the worker
  /// pool); they must give what the portable kernel gives, element for element.
  func testStepMatchesPortableKernel() throws {
    let count = (1 << 17) + 3  // split across threads, with a vector tail
    let grad = (0..<count).map { Float(($0 % 97) - 48) / 64 }
    let start = (0..<count).map { Float($0 % 13) / 8 }
    let options = SGDOptions(lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3)
    let p = Parameter(start, grad: grad)
    var sgd = try SGD([p], options: options)
    var expected = start
    var buffer = [Float](repeating: 0, count: count)
    for step in 0..<3 {
      try sgd.step()
      sgdUpdate(
        param: &expected, grad: grad, buffer: &buffer, count: count, freshBuffer: step == 0, options: options)
    }
    XCTAssertEqual(p.data.map(\.bitPattern), expected.map(\.bitPattern))
    XCTAssertEqual(sgd.momentumBuffers[ObjectIdentifier(p)]!.map(\.bitPattern), buffer.map(\.bitPattern))
  }

  func testConformsToScheduledOptimizer() throws {
    var sgd = try SGD(groups: [
      .init(params: [Parameter<Double>([0])], options: SGDOptions(lr: 0.1, momentum: 0.9)),
      .init(params: [Parameter<Double>([0])], options: SGDOptions(lr: 0.2)),
    ])
    XCTAssertEqual(sgd.initialLRs, [nil, nil])
    sgd.momenta = [0.8, 0.85]
    sgd.initialLRs = [0.1, nil]
    XCTAssertEqual(sgd.paramGroups.map(\.options.momentum), [0.8, 0.85])
    XCTAssertEqual(sgd.paramGroups.map(\.initialLR), [0.1, nil])
  }
}
