import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// The axpy yardstick: `a += s*b`, split across cores, in every kernel build.
final class AxpyTests: XCTestCase {
  func testAxpyAllSizesAndBuilds() {
    for count in [0, 1, 15, 17, 1000, 300_001] {
      let b = (0..<count).map { Float($0 % 11) - 5 }
      var a = (0..<count).map { Float($0 % 3) }
      let expected = zip(a, b).map { $0 + 0.5 * $1 }
      a.withUnsafeMutableBytes { ap in
        b.withUnsafeBytes { bp in
          swiftlr_axpy(ap.baseAddress, bp.baseAddress, Int64(count), Int32(SWIFTLR_FLOAT32.rawValue), 0.5)
        }
      }
      XCTAssertEqual(a, expected, "count \(count)")
      var d = (0..<count).map { Double($0 % 3) }
      let bd = b.map(Double.init)
      axpy(&d, bd, count: count, scale: -2)
      XCTAssertEqual(d, zip((0..<count).map { Double($0 % 3) }, bd).map { $0 - 2 * $1 }, "double \(count)")
    }
  }
}
