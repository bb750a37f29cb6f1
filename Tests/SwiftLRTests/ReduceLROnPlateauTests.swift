import XCTest

@testable import SwiftLR

final class ReduceLROnPlateauTests: XCTestCase {
  func step(_ s: inout ReduceLROnPlateau, _ lrs: inout [Double], _ metric: Double) throws {
    try s.step(&lrs, inputs: [metric])
  }

  func testReducesAfterPatienceAndHonoursCooldownAndFloor() throws {
    var s = try ReduceLROnPlateau(groupCount: 2, factor: 0.5, patience: 2, cooldown: 1, minLRs: [0.0, 0.04])
    var lrs = [0.1, 0.1]
    var trace: [[Double]] = []
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] {
      try step(&s, &lrs, metric)
      trace.append(lrs)
    }
    // best = 1 at the first step; bad epochs 1, 2, 3 -> reduce; cooldown eats one; 1, 2, 3 -> reduce.
    XCTAssertEqual(trace.map { $0[0] }, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025])
    XCTAssertEqual(trace.map { $0[1] }, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.04])
    XCTAssertEqual(s.lastEpoch, 8)
  }

  func testEpsSkipsTinyReductions() throws {
    var s = try ReduceLROnPlateau(groupCount: 1, factor: 0.5, patience: 0, eps: 0.01)
    var lrs = [0.015]
    try step(&s, &lrs, 1)
    try step(&s, &lrs, 2)  // 0.015 -> 0.0075 is a change of 0.0075 <= eps: skipped
    XCTAssertEqual(lrs, [0.015])
  }

  /// PyTorch's rel threshold with a negative best (pytorch/pytorch#38622), and the opt-in fix.
  func testNegativeMetricsWithRelThreshold() throws {
    let metrics = [-1.0, -0.99995, -0.9999, -0.9998, -0.9997]  // slowly getting worse
    var torchLike = try ReduceLROnPlateau(groupCount: 1, factor: 0.5, patience: 1, threshold: 1e-3)
    var fixed = try ReduceLROnPlateau(
      groupCount: 1, factor: 0.5, patience: 1, threshold: 1e-3, signAwareThreshold: true)
    var a = [1.0], b = [1.0]
    for m in metrics {
      try step(&torchLike, &a, m)
      try step(&fixed, &b, m)
    }
    XCTAssertEqual(a, [1.0], "PyTorch counts each worse negative value as an improvement")
    XCTAssertEqual(torchLike.best, -0.9997)
    XCTAssertEqual(b, [0.25])
    XCTAssertEqual(fixed.best, -1.0)
  }

  func testSignAwareThresholdKeepsPositiveResults() throws {
    for mode in ReduceLROnPlateau.Mode.allCases {
      let s = try ReduceLROnPlateau(groupCount: 1, mode: mode, threshold: 0.1)
      var f = s
      f.signAwareThreshold = true
      for (a, best) in [(0.95, 1.0), (0.85, 1.0), (1.05, 1.0), (1.2, 1.0), (0.0, 0.0)] {
        XCTAssertEqual(s.isBetter(a, than: best), f.isBetter(a, than: best))
      }
    }
  }

  func testNonFiniteMetricsDoNotTrap() throws {
    var s = try ReduceLROnPlateau(groupCount: 1, patience: 1)
    var lrs = [1.0]
    for m in [Double.nan, .nan, .infinity, -.infinity, .nan, .nan, .nan] { try step(&s, &lrs, m) }
    XCTAssertEqual(s.best, -.infinity)
    XCTAssertLessThan(lrs[0], 1.0)
  }

  func testValidation() {
    assertThrows(.value, "Factor should be < 1.0.") { _ = try ReduceLROnPlateau(groupCount: 1, factor: 1.0) }
    assertThrows(.value, "mode up is unknown!") {
      _ = try ReduceLROnPlateau(config: ["base_lrs": .doubles([1]), "mode": .string("up")])
    }
    assertThrows(.value, "threshold mode x is unknown!") {
      _ = try ReduceLROnPlateau(config: ["base_lrs": .doubles([1]), "threshold_mode": .string("x")])
    }
    assertThrows(.value, "expected 2 min_lrs, got 1") {
      _ = try ReduceLROnPlateau(config: SchedulerConfig(["base_lrs": .doubles([1, 2]), "min_lr": .doubles([0])]))
    }
  }

  func testMissingMetricAndCounterOverflowThrow() throws {
    var s = try ReduceLROnPlateau(groupCount: 1, patience: .int(.max))
    var lrs = [1.0]
    assertThrows(.value, "expected 1 step inputs") { try s.step(&lrs) }
    try step(&s, &lrs, 1)
    s.numBadEpochs = .max
    assertThrows(.overflow, "too large") { try self.step(&s, &lrs, 2) }
    XCTAssertEqual(s.numBadEpochs, .max, "a failed step changes nothing")
  }
}
