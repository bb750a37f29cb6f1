import XCTest

@testable import SwiftLR

final class MultiStepLRTests: XCTestCase {
  func testStepRuleAgreesWithClosedForm() throws {
    let bases = [0.5, 0.02]
    var s = try MultiStepLR(baseLRs: bases, milestones: [80, 10, 30, 30], gamma: 0.5)
    XCTAssertEqual(s.milestones, [10, 30, 80])
    XCTAssertEqual(s.milestoneCounts, [1, 2, 1])
    let trace = try runSteps(&s, from: bases, steps: 150)
    for (epoch, lrs) in trace.enumerated() {
      let passed = [10, 30, 30, 80].filter { $0 <= epoch }.count
      for g in 0..<2 { assertClose(lrs[g], bases[g] * pow(0.5, Double(passed)), relative: 1e-13) }
    }
  }

  /// A milestone listed twice decays by gamma ** 2 at once, as PyTorch's Counter does.
  func testRepeatedMilestoneMultipliesGammaTwice() throws {
    var s = try MultiStepLR(baseLRs: [1.0], milestones: [2, 2], gamma: 0.1, lastEpoch: 1)
    var lrs = [1.0]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [1.0 * pow(0.1, 2)])
    XCTAssertEqual(s.count(of: 2), 2)
    XCTAssertEqual(s.count(of: 3), 0)
  }

  func testDeprecatedEpochUsesClosedForm() throws {
    var s = try MultiStepLR(baseLRs: [1.0], milestones: [3, 5])
    var lrs = [7.0]
    try s.step(&lrs, epoch: 5)
    XCTAssertEqual(lrs, [1.0 * pow(0.1, 2)])
  }

  func testNoTrapAtIntLimits() throws {
    var s = try MultiStepLR(baseLRs: [0.1], milestones: [Int.min, Int.max, Int.max], lastEpoch: Int.max - 1)
    var lrs = [0.1]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.1 * pow(0.1, 2)])
    assertThrows(.overflow, "last_epoch") { try s.step(&lrs) }
    XCTAssertEqual(s.count(of: Int.min), 1)
  }

  func testFieldsAndValidation() throws {
    var s = try MultiStepLR(config: SchedulerConfig(["milestones": .ints([4, 2, 4]), "base_lrs": .doubles([0.3])]))
    XCTAssertEqual(s.field("milestones"), .ints([2, 4]))
    XCTAssertEqual(s.field("milestone_counts"), .ints([1, 2]))
    try s.update(["milestones": .ints([1, 9]), "milestone_counts": .ints([1, -2])])
    XCTAssertEqual(s.count(of: 9), -2)
    assertThrows(.type, "milestones must be a list of integers") { try s.update(["milestones": .double(1)]) }
    assertThrows(.value, "distinct and increasing") { try s.update(["milestones": .ints([9, 1])]) }
    assertThrows(.value, "2 values for 3 milestones") { try s.update(["milestones": .ints([1, 2, 3])]) }
    XCTAssertEqual(s.milestones, [1, 9])
    XCTAssertEqual(try MultiStepLR(baseLRs: [0.1], milestones: [], lastEpoch: -2).lastEpoch, -2)
  }

  /// PyTorch's Counter: counts of any sign; the step uses them, the closed
  /// form only the positive ones (Counter.elements()).
  func testCounterCountsOfAnySign() throws {
    var s = try MultiStepLR(baseLRs: [0.1], milestones: [3, 2, 4], counts: [-2, 2, 0], lastEpoch: 1)
    var lrs = [0.1]
    var trace: [Double] = []
    for _ in 0..<3 {
      try s.step(&lrs)
      trace.append(lrs[0])
    }
    let decayed: Double = 0.1 * pow(0.1, 2.0)
    let restored: Double = decayed * pow(0.1, -2.0)
    XCTAssertEqual(trace, [decayed, restored, restored])
    try s.step(&lrs, epoch: 4)
    XCTAssertEqual(lrs, [decayed])
    let merged = try MultiStepLR(baseLRs: [0.1], milestones: [5, 5], counts: [Int.max, -1])
    XCTAssertEqual(merged.milestoneCounts, [Int.max - 1])
  }

  /// A huge count is one entry; counts PyTorch would fail on at the step are refused.
  func testHugeCountsAndRefusedOnes() throws {
    var s = try MultiStepLR(baseLRs: [0.1], milestones: [5], counts: [20_000_000], lastEpoch: 4)
    var lrs = [0.1]
    try s.step(&lrs)
    XCTAssertEqual(lrs, [0.0])
    assertThrows(.overflow, "beyond 64 bits") {
      _ = try MultiStepLR(baseLRs: [0.1], milestones: [5, 5], counts: [Int.max, 1])
    }
    assertThrows(.overflow, "add up beyond") {
      _ = try MultiStepLR(baseLRs: [0.1], milestones: [5, 6], counts: [Int.max, 1], gamma: 1)
    }
    assertThrows(.overflow, "overflows at milestone 3") {
      _ = try MultiStepLR(baseLRs: [0.1], milestones: [3], counts: [-400])
    }
    assertThrows(.value, "divides by zero") {
      _ = try MultiStepLR(baseLRs: [0.1], milestones: [3], counts: [-1], gamma: 0)
    }
    assertThrows(.value, "1 values for 2 milestones") {
      _ = try MultiStepLR(baseLRs: [0.1], milestones: [3, 4], counts: [1])
    }
  }
}
