import XCTest

@testable import SwiftLR

final class GradientClippingTests: XCTestCase {
  // MARK: - Norms

  func testTheTwoNormSumsIn32ByteVectorsThenTheTail() {
    // 9 floats: 8 in the vector, one in the tail. Values whose sums round
    // differently in another order pin the order.
    let x: [Float] = [1e4, 1, 1, 1, 1, 1, 1, 1, 3e-4]
    let norm = x.withUnsafeBufferPointer { vectorNorm($0, order: 2, capability: .default) }
    var lanes = [Float](repeating: 0, count: 8)
    for i in 0..<8 { lanes[i] = x[i] * x[i] }
    var sum = lanes[0]
    for j in 1..<8 { sum = sum + lanes[j] }
    sum = sum + x[8] * x[8]
    XCTAssertEqual(norm.bitPattern, sum.squareRoot().bitPattern)
  }

  func testTheAVXCapabilitiesFuseTheTailSquares() {
    let x: [Double] = [0.1, 0.7, 1.3]  // all tail (4 doubles a vector)
    let fused = x.withUnsafeBufferPointer { vectorNorm($0, order: 2, capability: .avx512) }
    let plain = x.withUnsafeBufferPointer { vectorNorm($0, order: 2, capability: .default) }
    var f = 0.0, p = 0.0
    for v in x {
      f = f.addingProduct(v, v)
      p = p + v * v
    }
    XCTAssertEqual(fused, f.squareRoot())
    XCTAssertEqual(plain, p.squareRoot())
  }

  func testOtherOrdersAndEdgeCases() {
    func norm(_ x: [Float], _ p: Double) -> Float { x.withUnsafeBufferPointer { vectorNorm($0, order: p) } }
    XCTAssertEqual(norm([3, -4], 1), 7)
    XCTAssertEqual(norm([3, -4, 0], 0), 2)
    XCTAssertEqual(norm([3, -4], .infinity), 4)
    XCTAssertEqual(norm([3, -4], -.infinity), 3)
    XCTAssertEqual(norm([2, 2], 3), powf(16, 1 / Float(3)))
    XCTAssertEqual(norm([], 2), 0)
    XCTAssertEqual(norm([], -1), .infinity)
    XCTAssertEqual(norm([-1e30], 2), 1e30)  // one element: its magnitude, no overflow
    XCTAssertTrue(norm([1, .nan], .infinity).isNaN)
  }

  // MARK: - Clipping

  func testClipGradNormScalesAndReturnsTheTotal() throws {
    let a = Parameter<Float>([0, 0], grad: [3, 4])
    let b = Parameter<Float>([0])
    let total = try clipGradNorm([a, b], maxNorm: 1)
    XCTAssertEqual(total, 5)
    let coefficient = clipCoefficient(total: Float(5), maxNorm: 1)
    XCTAssertEqual(a.grad!, [3 * coefficient, 4 * coefficient])
    XCTAssertNil(b.grad)
    XCTAssertEqual(try clipGradNorm([b], maxNorm: 1), 0)
  }

  func testANonfiniteTotalThrowsOnlyWhenAskedAndChangesNothing() throws {
    let a = Parameter<Double>([0, 0], grad: [3, .infinity])
    XCTAssertThrowsError(try clipGradNorm([a], maxNorm: 1, errorIfNonfinite: true)) { error in
      XCTAssertEqual((error as? SchedulerError)?.exception, .runtime)
      XCTAssertTrue("\(error)".contains("order 2.0"))
    }
    XCTAssertEqual(a.grad!, [3, .infinity])
    XCTAssertEqual(try clipGradNorm([a], maxNorm: 1), .infinity)
    XCTAssertEqual(a.grad![0], 0)
  }

  func testEmptyGradientsThrowForOrdersWithoutIdentity() {
    let a = Parameter<Float>([], grad: [])
    XCTAssertThrowsError(try clipGradNorm([a], maxNorm: 1, normType: .infinity))
    XCTAssertThrowsError(try clipGradNorm([a], maxNorm: 1, normType: -1)) { error in
      XCTAssertTrue("\(error)".contains("cannot compute the -1 norm"))
    }
    XCTAssertNoThrow(try clipGradNorm([a], maxNorm: 1))
  }

  func testTheCoefficientIsClampedAndKeepsNaN() {
    XCTAssertEqual(clipCoefficient(total: Double(0.5), maxNorm: 1), 1)
    XCTAssertEqual(clipCoefficient(total: Double(4), maxNorm: 2), (1 / (4 + 1e-6)) * 2)
    XCTAssertTrue(clipCoefficient(total: Float.nan, maxNorm: 1).isNaN)
    XCTAssertEqual(clipCoefficient(total: Float.infinity, maxNorm: 1), 0)
  }

  func testClipGradValueClampsBelowThenAbove() {
    let a = Parameter<Float>([0, 0, 0, 0], grad: [-2, 0.5, 3, .nan])
    clipGradValue([a], clipValue: 1)
    XCTAssertEqual(Array(a.grad![0..<3]), [-1, 0.5, 1])
    XCTAssertTrue(a.grad![3].isNaN)
    let b = Parameter<Double>([0, 0], grad: [-2, 2])
    clipGradValue([b], clipValue: -0.25)
    XCTAssertEqual(b.grad!, [-0.25, -0.25])
  }
}
