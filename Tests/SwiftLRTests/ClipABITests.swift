import XCTest
import _SwiftLRShims

@testable import SwiftLR

final class ClipABITests: XCTestCase {
  func testTheABIGroupsMixedDtypesAsTorchAndRefusesBadTensors() {
    var f: [Float] = [3, 4]
    var d: [Double] = [12]
    var total = 0.0
    var dtype: Int32 = -1
    var message = swiftlr_message()
    let status = f.withUnsafeMutableBytes { fb in
      d.withUnsafeMutableBytes { db in
        let tensors = [
          swiftlr_clip_tensor(grad: fb.baseAddress, count: 2, dtype: Int32(SWIFTLR_FLOAT32.rawValue)),
          swiftlr_clip_tensor(grad: db.baseAddress, count: 1, dtype: Int32(SWIFTLR_FLOAT64.rawValue)),
        ]
        return swiftlr_clip_grad_norm(tensors, 2, 1, 2, 0, 1, 2, &total, &dtype, &message)
      }
    }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(total, 13)  // float64 first: 12*12, then fma(5, 5, 144)
    XCTAssertEqual(dtype, Int32(SWIFTLR_FLOAT64.rawValue))
    XCTAssertEqual(f[0], 3 * Float(clipCoefficient(total: 13.0, maxNorm: 1)))
    let bad = [swiftlr_clip_tensor(grad: nil, count: 3, dtype: Int32(SWIFTLR_FLOAT32.rawValue))]
    XCTAssertNotEqual(swiftlr_clip_grad_value(bad, 1, 1, &message), 0)
    XCTAssertNotEqual(swiftlr_clip_grad_norm(bad, 1, 1, 2, 0, 1, 7, &total, &dtype, &message), 0)
  }
}
