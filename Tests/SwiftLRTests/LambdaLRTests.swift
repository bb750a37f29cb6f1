import XCTest

@testable import SwiftLR

final class LambdaLRTests: XCTestCase {
  func testLRIsBaseTimesFactor() throws {
    var s = try LambdaLR(baseLRs: [0.5, 0.02])
    XCTAssertEqual(s.inputCount, 2)
    var lrs = [9.0, 9.0]
    try s.step(&lrs, inputs: [1.0, 0.5])
    XCTAssertEqual(lrs, [0.5, 0.01])
    try s.step(&lrs, inputs: [0.3, 3])
    XCTAssertEqual(lrs, [0.5 * 0.3, 0.02 * 3])
    try s.step(&lrs, epoch: 9, inputs: [2, 2])
    XCTAssertEqual(s.lastEpoch, 9)
    XCTAssertEqual(lrs, [1.0, 0.04])
  }

  func testWrongInputCountChangesNothing() throws {
    var s = try LambdaLR(baseLRs: [0.5])
    var lrs = [0.5]
    assertThrows(.value, "expected 1 step inputs, got 0") { try s.step(&lrs) }
    XCTAssertEqual(s.lastEpoch, -1)
    var t = try LambdaLR(baseLRs: [0.5], lastEpoch: Int.max)
    assertThrows(.overflow, "last_epoch") { try t.step(&lrs, inputs: [1]) }
  }
}
