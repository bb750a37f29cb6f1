import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// `swiftlr_schedule_values`: the same values as `ScheduleEvaluation` and as
/// a scheduler stepped in a loop (or, in closed form, stepped to each epoch);
/// statuses for bad counts, buffers and configurations.
final class ScheduleABITests: XCTestCase {
  /// The C call on a configuration built with `swiftlr_config_put_*`: status,
  /// values and message.
  private func values(
    _ kind: String, _ config: [String: SchedulerValue], steps: [Int64], inputs: [Double] = [],
    closedForm: Bool = false
  ) -> (Int32, [Double], String) {
    let c = makeCConfig(config)
    defer { SwiftLR.swiftlr_config_free(c) }
    var out = [Double](repeating: -1, count: steps.count)
    var message = swiftlr_message()
    let status = SwiftLR.swiftlr_schedule_values(
      kind, c, steps, Int64(steps.count), inputs.isEmpty ? nil : inputs, Int64(inputs.count), closedForm ? 1 : 0, &out,
      &message)
    return (status, out, text(of: message))
  }

  private static let cases: [(String, [String: SchedulerValue])] = [
    ("StepLR", ["base_lrs": .doubles([0.1]), "step_size": .int(3), "gamma": .double(0.7)]),
    ("CosineAnnealingLR", ["base_lrs": .doubles([0.1]), "T_max": .int(7), "eta_min": .double(0.001)]),
    ("CosineAnnealingWarmRestarts", ["base_lrs": .doubles([0.1]), "T_0": .int(3), "T_mult": .int(2)]),
    (
      "CyclicLR",
      ["base_lrs": .doubles([0.01]), "max_lr": .double(0.1), "step_size_up": .int(4), "mode": .string("triangular2")]
    ),
    ("LinearLR", ["base_lrs": .doubles([0.1]), "start_factor": .double(0.25), "total_iters": .int(6)]),
  ]

  private static let steps: [Int64] = [0, 1, 2, 3, 5, 8, 13, 21, 40, 7, 0]

  func testEqualsScheduleEvaluation() throws {
    for (kind, config) in Self.cases {
      for closedForm in [false, true] {
        let (status, out, message) = values(kind, config, steps: Self.steps, closedForm: closedForm)
        XCTAssertEqual(status, 0, "\(kind): \(message)")
        let expected = try ScheduleEvaluation.values(
          kind: kind, config: SchedulerConfig(config), steps: Self.steps.map { Int($0) }, closedForm: closedForm)
        XCTAssertEqual(out, expected, kind)
      }
    }
  }

  func testEqualsASchedulerSteppedInALoop() throws {
    for (kind, config) in Self.cases {
      let (_, out, _) = values(kind, config, steps: Self.steps)
      let trace = try steppedLRs(kind, SchedulerConfig(config), count: 41)
      XCTAssertEqual(out, Self.steps.map { trace[Int($0)] }, kind)
    }
  }

  func testInClosedFormEqualsASchedulerSteppedToEachEpoch() throws {
    for (kind, config) in Self.cases {
      let (_, out, _) = values(kind, config, steps: Self.steps, closedForm: true)
      let base = try SchedulerConfig(config).doubles("base_lrs")
      for (i, k) in Self.steps.enumerated() {
        // A fresh scheduler after its constructor's step, then PyTorch's step(k).
        var s = try SchedulerRegistry.make(kind, config: SchedulerConfig(config))
        XCTAssertEqual(try epochLR(&s, base: base, epoch: .int(Int(k))), out[i], "\(kind) at \(k)")
      }
    }
  }

  /// StepLR's closed form against its chained recurrence, stepped one by one.
  func testStepLRClosedFormMatchesTheChainedRecurrence() throws {
    let config: [String: SchedulerValue] = ["base_lrs": .doubles([0.1]), "step_size": .int(3), "gamma": .double(0.7)]
    let steps = (0..<40).map { Int64($0) }
    let (status, out, _) = values("StepLR", config, steps: steps, closedForm: true)
    XCTAssertEqual(status, 0)
    var s = try StepLR(baseLRs: [0.1], stepSize: 3, gamma: 0.7)
    let trace = try runSteps(&s, from: [0.1], steps: 40)
    assertClose(out, trace.map { $0[0] }, relative: 1e-14)
    XCTAssertEqual(values("StepLR", config, steps: steps).1, trace.map { $0[0] })  // stepping: bit for bit
    XCTAssertEqual(out[2], 0.1)
    assertClose(out[3], 0.07, relative: 1e-15)
  }

  func testEmptyStepsStillCheckTheConfiguration() {
    let c = makeCConfig(["base_lrs": .doubles([0.1]), "step_size": .int(2)])
    defer { SwiftLR.swiftlr_config_free(c) }
    var message = swiftlr_message()
    XCTAssertEqual(SwiftLR.swiftlr_schedule_values("StepLR", c, nil, 0, nil, 0, 0, nil, &message), 0)
    let (status, _, reported) = values("StepLR", ["base_lrs": .doubles([0.1]), "step_size": .int(0)], steps: [])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(reported, "step_size must be positive, got 0")
  }

  func testNegativeCountsAndMissingBuffers() {
    let c = makeCConfig(["base_lrs": .doubles([0.1]), "step_size": .int(2)])
    defer { SwiftLR.swiftlr_config_free(c) }
    var message = swiftlr_message()
    let steps: [Int64] = [1, 2]
    let inputs = [0.5]
    var out = [0.0, 0.0]
    func call(
      _ steps: UnsafePointer<Int64>?, _ count: Int64, _ inputs: UnsafePointer<Double>?, _ inputCount: Int64,
      _ out: UnsafeMutablePointer<Double>?
    ) -> (Int32, String) {
      let status = SwiftLR.swiftlr_schedule_values("StepLR", c, steps, count, inputs, inputCount, 0, out, &message)
      return (status, text(of: message))
    }
    let value = Int32(SWIFTLR_VALUE_ERROR.rawValue)
    XCTAssertEqual(call(steps, -1, nil, 0, &out).0, value)
    XCTAssertEqual(text(of: message), "negative count")
    XCTAssertEqual(call(steps, 2, inputs, -1, &out).1, "negative count")
    XCTAssertEqual(call(nil, 2, nil, 0, &out).1, "missing steps or output buffer")
    XCTAssertEqual(call(steps, 2, nil, 0, nil).1, "missing steps or output buffer")
    XCTAssertEqual(call(steps, 2, nil, 1, &out).1, "missing inputs buffer")
    XCTAssertEqual(out, [0.0, 0.0])
    let (status, reported) = call(steps, 2, inputs, 1, &out)
    XCTAssertEqual(status, value)
    XCTAssertEqual(reported, "StepLR takes 0 inputs per step, got 1")
  }

  func testBadConfigurationsAndSteps() {
    let step: [String: SchedulerValue] = ["base_lrs": .doubles([0.1]), "step_size": .int(2)]
    var (status, _, message) = values("StepLR", ["base_lrs": .doubles([0.1]), "step_size": .string("2")], steps: [1])
    XCTAssertEqual(status, Int32(SWIFTLR_TYPE_ERROR.rawValue))
    XCTAssertEqual(message, "step_size must be an int or a float, got str")
    (status, _, message) = values("NoSuchLR", step, steps: [1])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "unknown scheduler 'NoSuchLR'")
    (status, _, message) = values("StepLR", step.merging(["last_epoch": .int(3)]) { $1 }, steps: [1])
    XCTAssertEqual(message, "a schedule is evaluated from a fresh scheduler: last_epoch must be -1")
    (_, _, message) = values("StepLR", step, steps: [1, -1])
    XCTAssertEqual(message, "steps must be non-negative, got -1 at index 1")
    (_, _, message) = values("StepLR", step, steps: [(1 << 53) + 1], closedForm: true)
    XCTAssertEqual(message, "steps must be at most 2**53, got 9007199254740993 at index 0")
    (_, _, message) = values("StepLR", step, steps: [3, (1 << 27) + 1])
    XCTAssert(message.hasPrefix("steps must be at most 2**27 when stepping"), message)
    (status, _, message) = values("LambdaLR", ["base_lrs": .doubles([0.1])], steps: [1])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssert(message.hasPrefix("LambdaLR cannot be evaluated as a schedule"), message)
    // SWALR's lr mixes in the previous one: stepping evaluates it, the closed form cannot.
    let swa: [String: SchedulerValue] = ["base_lrs": .doubles([0.1]), "swa_lr": .double(0.05)]
    (status, _, message) = values("SWALR", swa, steps: [2], inputs: [0.05], closedForm: true)
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(
      message,
      "SWALR cannot be evaluated in closed form: its lr at step 2 depends on the previous lr "
        + "(it has no closed form; stepping evaluates it)")
    XCTAssertEqual(values("SWALR", swa, steps: [2], inputs: [0.05]).0, 0)
  }

  /// A NaN that the schedule itself computes (PyTorch's lr is NaN too) is a
  /// value, not a sign of a dependence on the previous lr.
  func testANaNLrOfAnAbsoluteRuleComesThrough() {
    let (status, out, message) = values(
      "CyclicLR", ["base_lrs": .doubles([0.1]), "max_lr": .double(.nan), "step_size_up": .int(2)], steps: [0, 1, 3])
    XCTAssertEqual(status, 0, message)
    // base + (max - base) * scale: NaN at every step, as in PyTorch (0 * nan is nan).
    XCTAssert(out.allSatisfy(\.isNaN), "\(out)")
  }
}

/// Group 0's lr after the constructor's step and each of `count - 1` more `step()` calls.
func steppedLRs(_ kind: String, _ config: SchedulerConfig, count: Int) throws -> [Double] {
  var s = try SchedulerRegistry.make(kind, config: config)
  var lrs = try config.doubles("base_lrs")
  s.isInitial = true
  var out: [Double] = []
  for _ in 0..<count {
    try s.step(&lrs)
    out.append(lrs[0])
  }
  return out
}

/// PyTorch's `step(epoch)` on a scheduler after its constructor's step: the
/// closed form where the type has one, else `get_lr()`.
private func epochLR<S: LRScheduler>(_ s: inout S, base: [Double], epoch: IntOrFloat) throws -> Double {
  var lrs = base
  s.isInitial = true
  try s.step(&lrs)
  try s.step(&lrs, epoch: epoch)
  return lrs[0]
}
