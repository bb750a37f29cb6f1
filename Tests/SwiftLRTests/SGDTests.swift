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

  /// The README's Swift example, as written there.
  func testReadmeExample() throws {
    let w = Parameter<Float>([0, 0, 0])
    var sgd = try SGD([w], options: SGDOptions(lr: 0.1, momentum: 0.9))
    var scheduler = try StepLR(baseLRs: sgd.learningRates, stepSize: 10, gamma: 0.9)
    scheduler.isInitial = true
    try scheduler.step(&sgd)  // the step PyTorch's constructor takes
    for _ in 0..<30 {
      w.grad = [0.1, -0.2, 0.3]
      try sgd.step()
      try scheduler.step(&sgd)
    }
    XCTAssertEqual(sgd.learningRates, [0.1 * 0.9 * 0.9 * 0.9])
    XCTAssert(w.data[0] < 0 && w.data[1] > 0)
  }
}
