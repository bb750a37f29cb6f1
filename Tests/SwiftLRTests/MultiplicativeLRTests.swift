import XCTest

@testable import SwiftLR

final class MultiplicativeLRTests: XCTestCase {
  func testRunningProductMatchesPower() throws {
    var s = try MultiplicativeLR(baseLRs: [0.5, 0.02])
    var lrs = [0.5, 0.02]
    try s.step(&lrs, inputs: [1, 1])  // the initial step: factor 1 leaves the lrs exactly
    XCTAssertEqual(lrs, [0.5, 0.02])
    for n in 1...100 {
      try s.step(&lrs, inputs: [0.95, 0.99])
      assertClose(lrs[0], 0.5 * pow(0.95, Double(n)), relative: 1e-12)
      assertClose(lrs[1], 0.02 * pow(0.99, Double(n)), relative: 1e-12)
    }
  }

  func testEpochPathMultipliesTheCurrentLR() throws {
    var s = try MultiplicativeLR(baseLRs: [1.0], lastEpoch: 3)
    var lrs = [0.4]
    try s.step(&lrs, epoch: 10, inputs: [0.5])
    XCTAssertEqual(lrs, [0.2])
    XCTAssertEqual(s.lastEpoch, 10)
  }

  func testLimits() throws {
    var s = try MultiplicativeLR(baseLRs: [0.5], lastEpoch: Int.max)
    var lrs = [0.5]
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs, inputs: [2]) }
    XCTAssertEqual(lrs, [0.5])
    assertThrows(.type, "epoch must be an integer") { try s.step(&lrs, epoch: .float(.nan), inputs: [2]) }
  }
}
