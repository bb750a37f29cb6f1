import XCTest

@testable import SwiftLR

final class PiecewiseLinearLRTests: XCTestCase {
  func testTable() throws {
    var s = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [0, 2, 6], factors: [0, 1, 0.5])
    let trace = try runSteps(&s, from: [0.1], steps: 8).map { $0[0] }
    assertClose(trace, [0, 0.05, 0.1, 0.0875, 0.075, 0.0625, 0.05, 0.05], relative: 1e-15)
  }

  /// Held before the first and after the last milestone; each milestone's own factor exactly.
  func testHoldsAndHitsMilestones() throws {
    let milestones = [3, 10, 11, 40]
    let factors = [0.3, 1.0, 0.1, 0.7]
    var s = try PiecewiseLinearLR(baseLRs: [2.0], milestones: milestones, factors: factors)
    let trace = try runSteps(&s, from: [2.0], steps: 60).map { $0[0] }
    for t in 0..<3 { XCTAssertEqual(trace[t], 2.0 * 0.3) }
    for (m, f) in zip(milestones, factors) { XCTAssertEqual(trace[m], 2.0 * f) }
    for t in 40..<60 { XCTAssertEqual(trace[t], 2.0 * 0.7) }
    XCTAssertEqual(trace[20], 2.0 * (0.1 + (0.7 - 0.1) * 9 / 29))
  }

  func testSingleMilestone() throws {
    var s = try PiecewiseLinearLR(baseLRs: [1.0], milestones: [5], factors: [0.5])
    XCTAssertEqual(try runSteps(&s, from: [1.0], steps: 10).map { $0[0] }, Array(repeating: 0.5, count: 10))
  }

  func testValidation() {
    assertThrows(.value, "milestones must not be empty") {
      _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [], factors: [])
    }
    assertThrows(.value, "same length") { _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [1, 2], factors: [1]) }
    assertThrows(.value, "strictly increasing") {
      _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [2, 1], factors: [1, 1])
    }
    assertThrows(.value, "strictly increasing") {
      _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [2, 2], factors: [1, 1])
    }
    assertThrows(.value, "non-negative finite") {
      _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [1], factors: [-1])
    }
    assertThrows(.value, "non-negative finite") {
      _ = try PiecewiseLinearLR(baseLRs: [0.1], milestones: [1], factors: [.infinity])
    }
  }

  func testNoTrapAtIntLimits() throws {
    var s = try PiecewiseLinearLR(
      baseLRs: [1.0], milestones: [Int.min, Int.max], factors: [0, 1], lastEpoch: Int.max - 1)
    var lrs = [0.0]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [1])
    try s.step(&lrs, epoch: 0)
    assertClose(lrs[0], 0.5, relative: 1e-15)
  }
}
