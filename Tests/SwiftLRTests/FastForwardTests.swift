import XCTest

@testable import SwiftLR

final class FastForwardTests: XCTestCase {
  /// `fastForward(n)` leaves the state and lrs of `n` steps, bit for bit.
  func testEqualsStepping() throws {
    var stepped = try CosineAnnealingLR(baseLRs: [0.1, 0.02], tMax: 17, etaMin: 0.001)
    var forwarded = stepped
    var a = [0.1, 0.02]
    var b = a
    for _ in 0..<1000 { try stepped.step(&a) }
    try forwarded.fastForward(&b, steps: 1000)
    XCTAssertEqual(a, b)
    XCTAssertEqual(stepped.lastEpoch, forwarded.lastEpoch)
    XCTAssertEqual(stepped.stepCount, forwarded.stepCount)
  }

  /// A step that throws halfway leaves the scheduler and the lrs as they were.
  func testFailureChangesNothing() throws {
    var s = try StepLR(baseLRs: [0.1], stepSize: 2, gamma: 0.5, lastEpoch: Int.max - 5)
    var lrs = [0.1]
    let (before, lrsBefore) = (s.lastEpoch, lrs)
    assertThrows(.overflow, "last_epoch is too large to step") { try s.fastForward(&lrs, steps: 20) }
    XCTAssertEqual(s.lastEpoch, before)
    XCTAssertEqual(lrs, lrsBefore)
    assertThrows(.value, "steps must be a non-negative integer") { try s.fastForward(&lrs, steps: -1) }
  }
}
