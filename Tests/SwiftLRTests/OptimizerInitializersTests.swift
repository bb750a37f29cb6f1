import XCTest

@testable import SwiftLR

/// Every scheduler built on an SGD optimizer and stepped with `step(&sgd)`
/// gives PyTorch 2.15's lrs (and momenta) bit for bit: the committed
/// reference runs, replayed (see `SchedulerReference`).
final class OptimizerInitializersTests: XCTestCase {
  func check(_ name: String, atLeast minimum: Int = 30) throws {
    let played = try SchedulerReference.check(name)
    XCTAssertGreaterThanOrEqual(played, minimum, "\(name): too few cases played")
  }

  func testStepLR() throws { try check("StepLR") }
  func testMultiStepLR() throws { try check("MultiStepLR") }
  func testConstantLR() throws { try check("ConstantLR") }
  func testLinearLR() throws { try check("LinearLR") }
  func testExponentialLR() throws { try check("ExponentialLR") }
  func testPolynomialLR() throws { try check("PolynomialLR") }
  func testCosineAnnealingLR() throws { try check("CosineAnnealingLR") }
  /// The cases that step with explicit epochs use the deprecated path, which the Swift API does not offer.
  func testCosineAnnealingWarmRestarts() throws { try check("CosineAnnealingWarmRestarts", atLeast: 19) }
  func testSWALR() throws { try check("SWALR") }
  func testLambdaLR() throws { try check("LambdaLR") }
  func testMultiplicativeLR() throws { try check("MultiplicativeLR") }
  func testReduceLROnPlateau() throws { try check("ReduceLROnPlateau") }
  func testOneCycleLR() throws { try check("OneCycleLR") }
  func testCyclicLR() throws { try check("CyclicLR") }
}
