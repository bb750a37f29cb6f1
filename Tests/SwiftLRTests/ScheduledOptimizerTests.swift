import XCTest

@testable import SwiftLR

/// `ParamGroupOptimizer`: what a scheduler reads and writes in SGD's and
/// Adam's groups, implemented once for both.
final class ScheduledOptimizerTests: XCTestCase {
  func testSGDGroupsThroughTheProtocol() throws {
    let a = Parameter<Float>([1], grad: [1]), b = Parameter<Float>([2], grad: [1])
    var sgd = try SGD(groups: [
      .init(params: [a], options: SGDOptions(lr: 0.1, momentum: 0.8)),
      .init(params: [b], options: SGDOptions(lr: 0.2, momentum: 0.9)),
    ])
    XCTAssertEqual(sgd.learningRates, [0.1, 0.2])
    XCTAssertEqual(sgd.momenta, [0.8, 0.9])
    XCTAssertEqual(sgd.initialLRs, [nil, nil])
    sgd.learningRates = [1, 2, 3]  // an extra value is ignored
    sgd.momenta = [0.5, 0.6]
    sgd.initialLRs = [0.1, nil]
    XCTAssertEqual(sgd.paramGroups.map(\.options.lr), [1, 2])
    XCTAssertEqual(sgd.paramGroups.map(\.options.momentum), [0.5, 0.6])
    XCTAssertEqual(sgd.paramGroups.map(\.initialLR), [0.1, nil])
    sgd.zeroGrad()
    XCTAssertNil(a.grad)
    XCTAssertNil(b.grad)
  }

  func testAdamCyclesBeta1() throws {
    var adam = try Adam([Parameter<Double>([1])], options: AdamOptions(lr: 0.1, betas: (0.85, 0.99)))
    XCTAssertEqual(adam.momenta, [0.85])
    adam.momenta = [0.95]
    XCTAssertEqual(adam.paramGroups[0].options.beta1, 0.95)
    XCTAssertEqual(adam.paramGroups[0].options.beta2, 0.99)
  }

  func testGroupsAreCheckedAsPyTorchsConstructorDoes() {
    assertThrows(.value, "empty parameter list") { _ = try Adam<Float>(groups: []) }
    assertThrows(.value, "Invalid beta parameter at index 0: 1.0") {
      _ = try Adam(groups: [.init(params: [Parameter<Float>([1])], options: AdamOptions(betas: (1, 0.9)))])
    }
  }
}
