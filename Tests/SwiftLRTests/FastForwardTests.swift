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

  /// `steps` calls of `step` with the contexts `fastForward` gives them (the Python layer's step count).
  private func stepOneByOne<S: LRScheduler>(
    _ s: inout S, _ lrs: inout [Double], _ steps: Int, inputs: [Double] = [], stepCount: Int? = nil
  ) throws {
    for k in 0..<steps {
      let context = stepCount.map { StepContext(stepCount: $0 + k + 1, isInitial: false) }
      try lrs.withUnsafeMutableBufferPointer { (buffer) throws(SchedulerError) in
        try inputs.withUnsafeBufferPointer { (input) throws(SchedulerError) in
          try s.step(buffer, epoch: nil, inputs: input, context: context)
        }
      }
    }
  }

  private func forward<S: LRScheduler>(
    _ s: inout S, _ lrs: inout [Double], _ steps: Int, inputs: [Double] = [], stepCount: Int? = nil
  ) throws {
    try lrs.withUnsafeMutableBufferPointer { (buffer) throws(SchedulerError) in
      try inputs.withUnsafeBufferPointer { (input) throws(SchedulerError) in
        try s.fastForward(buffer, steps: steps, inputs: input, stepCount: stepCount)
      }
    }
  }

  /// CosineAnnealingLR's own loop (one cosine per step, the restart test by a
  /// counter) equals stepping bit for bit: short and negative periods (the
  /// additive restart branch), a start from the constructor's state, from a
  /// resumed epoch (the closed-form first step), in pieces, and the steps after.
  func testCosineAnnealingLoopEqualsStepping() throws {
    for (tMax, lastEpoch, stepCount) in [(1, -1, 0), (2, -1, 0), (17, -1, 0), (-5, -1, 0), (40, 33, 0), (7, 3, 5)] {
      let start = try CosineAnnealingLR(baseLRs: [0.1, 0.02], tMax: .int(tMax), etaMin: 0.001, lastEpoch: lastEpoch)
      var (stepped, forwarded) = (start, start)
      var (a, b) = ([0.1, 0.02], [0.1, 0.02])
      try stepOneByOne(&stepped, &a, 1000, stepCount: stepCount)
      try forward(&forwarded, &b, 1, stepCount: stepCount)
      try forward(&forwarded, &b, 999, stepCount: stepCount + 1)
      XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "T_max \(tMax)")
      XCTAssertEqual(stepped.lastEpoch, forwarded.lastEpoch)
      XCTAssertEqual(stepped.stepCount, forwarded.stepCount)
      try stepOneByOne(&stepped, &a, 5, stepCount: stepCount + 1000)
      try stepOneByOne(&forwarded, &b, 5, stepCount: stepCount + 1000)
      XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "after, T_max \(tMax)")
    }
  }

  /// OneCycleLR computes only the last step's lrs: the same lrs, momenta and
  /// state as stepping, and a fast-forward past `total_steps` changes nothing.
  func testOneCycleEqualsStepping() throws {
    for threePhase in [false, true] {
      let start = try OneCycleLR(maxLRs: [1.0, 0.5], totalSteps: 300, threePhase: threePhase)
      let inputs = start.groupValues
      var (stepped, forwarded) = (start, start)
      var (a, b) = ([0.04, 0.02], [0.04, 0.02])
      try stepOneByOne(&stepped, &a, 250, inputs: inputs, stepCount: 1)
      try forward(&forwarded, &b, 250, inputs: inputs, stepCount: 1)
      XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
      XCTAssertEqual(stepped.lastEpoch, forwarded.lastEpoch)
      XCTAssertEqual(stepped.momentum(group: 1), forwarded.momentum(group: 1))
      let before = (forwarded.lastEpoch, b)
      XCTAssertThrowsError(try forward(&forwarded, &b, 60, inputs: inputs, stepCount: 251))
      XCTAssertEqual(forwarded.lastEpoch, before.0)
      XCTAssertEqual(b, before.1)
    }
  }
}
