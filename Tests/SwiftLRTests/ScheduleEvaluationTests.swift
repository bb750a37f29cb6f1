import XCTest

@testable import SwiftLR

final class ScheduleEvaluationTests: XCTestCase {
  func config(_ values: [String: SchedulerValue]) -> SchedulerConfig {
    var c = SchedulerConfig(values)
    c["base_lrs"] = .doubles([0.3])
    return c
  }

  /// Stepping's values equal a scheduler stepped in a loop, bit for bit, in any step order.
  func testAgreesWithStepping() throws {
    let cases: [(String, [String: SchedulerValue])] = [
      ("CosineAnnealingLR", ["T_max": .int(10), "eta_min": .double(1e-3)]),
      ("PolynomialLR", ["total_iters": .int(9), "power": .double(1.7)]),
      ("LinearLR", ["start_factor": .double(0.3), "total_iters": .int(7)]),
      ("ExponentialLR", ["gamma": .double(0.93)]),
      ("MultiStepLR", ["milestones": .ints([3, 3, 8]), "gamma": .double(0.5)]),
      ("ConstantLR", ["factor": .double(0.4), "total_iters": .int(4)]),
      ("WarmupCosineLR", ["warmup_steps": .int(10), "total_steps": .int(90), "eta_min": .double(1e-3)]),
      ("CosineAnnealingWarmRestarts", ["T_0": .int(3), "T_mult": .int(2)]),
    ]
    let steps = Array((0..<60).reversed()) + [3, 0, 77]
    for (kind, values) in cases {
      let got = try ScheduleEvaluation.values(kind: kind, config: config(values), steps: steps)
      let trace = try steppedLRs(kind, config(values), count: 78)
      XCTAssertEqual(got, steps.map { trace[$0] }, kind)
    }
    // The chained recurrence is not the closed form: CosineAnnealingLR differs from step 4 on.
    let cosine = config(["T_max": .int(10)])
    let stepped = try ScheduleEvaluation.values(kind: "CosineAnnealingLR", config: cosine, steps: Array(0..<10))
    let closed = try ScheduleEvaluation.values(
      kind: "CosineAnnealingLR", config: cosine, steps: Array(0..<10), closedForm: true)
    XCTAssertNotEqual(stepped, closed)
    assertClose(stepped, closed, relative: 1e-14)
  }

  /// The routes that skip stepping one by one (`lrUnchangedThrough`'s
  /// stretches, `stepValues` on the worker pool) equal stepping bit for bit
  /// at their boundaries, over long runs (parallel chunks) and across gaps
  /// longer than the scratch buffer.
  func testFastRoutesAgreeWithStepping() throws {
    let cases: [(String, [String: SchedulerValue], Int)] = [
      ("ConstantLR", ["factor": .double(0.3), "total_iters": .int(0)], 30),
      ("ConstantLR", ["factor": .double(0.3), "total_iters": .int(1)], 30),
      ("ConstantLR", ["factor": .double(0.3), "total_iters": .double(4.0)], 30),
      ("ConstantLR", ["factor": .double(0.3), "total_iters": .double(4.5)], 30),
      ("LinearLR", ["start_factor": .double(0.2), "total_iters": .double(6.5)], 30),
      ("PolynomialLR", ["total_iters": .int(1), "power": .double(0.9)], 30),
      ("PolynomialLR", ["total_iters": .double(9.5), "power": .double(2)], 30),
      ("PolynomialLR", ["total_iters": .int(20_000), "power": .double(0.9)], 20_010),
      ("CosineAnnealingLR", ["T_max": .double(10.5), "eta_min": .double(1e-4)], 40),
      ("CosineAnnealingLR", ["T_max": .int(1), "eta_min": .double(1e-4)], 40),
      ("CosineAnnealingLR", ["T_max": .int(7_000), "eta_min": .double(1e-4)], 22_000),
    ]
    for (kind, values, count) in cases {
      let trace = try steppedLRs(kind, config(values), count: count)
      let all = try ScheduleEvaluation.values(kind: kind, config: config(values), steps: Array(0..<count))
      XCTAssertEqual(all.map(\.bitPattern), trace.map(\.bitPattern), kind)
      let some = [count - 1, 0, 1, count / 2] + Array(count - 6..<count - 3)
      let got = try ScheduleEvaluation.values(kind: kind, config: config(values), steps: some)
      XCTAssertEqual(got.map(\.bitPattern), some.map { trace[$0].bitPattern }, kind)
    }
  }

  /// In closed form, values equal the scheduler's own `step(epoch)` path, step by step.
  func testAgreesWithStepEpoch() throws {
    let cases: [(String, [String: SchedulerValue])] = [
      ("StepLR", ["step_size": .int(7), "gamma": .double(0.5)]),
      ("WarmupCosineLR", ["warmup_steps": .int(10), "total_steps": .int(90), "eta_min": .double(1e-3)]),
      ("InverseSqrtLR", ["warmup_steps": .int(5)]),
      ("WarmupStableDecayLR", ["warmup_steps": .int(5), "stable_steps": .int(20), "decay_steps": .int(40)]),
      ("PiecewiseLinearLR", ["milestones": .ints([0, 10, 50]), "factors": .doubles([0, 1, 0.1])]),
      ("CosineAnnealingWarmRestarts", ["T_0": .int(10), "T_mult": .int(2)]),
    ]
    let steps = Array(0..<120) + [3, 0, 77]
    for (kind, values) in cases {
      let got = try ScheduleEvaluation.values(kind: kind, config: config(values), steps: steps, closedForm: true)
      for (k, lr) in zip(steps, got) {
        var s = try SchedulerRegistry.make(kind, config: config(values))
        var lrs = [Double.nan]
        try s.step(&lrs, epoch: Double(k))
        XCTAssertEqual(lr, lrs[0], "\(kind) step \(k)")
      }
    }
  }

  func testConstantInputs() throws {
    // OneCycleLR reads initial, max and min lr at every step (and two momenta when they cycle).
    let c = config(["total_steps": .int(20), "cycle_momentum": .bool(false)])
    let v = try ScheduleEvaluation.values(kind: "OneCycleLR", config: c, steps: [0, 19], inputs: [0.01, 0.25, 1e-5])
    assertClose(v[0], 0.01, relative: 1e-14)  // PyTorch's cosine from initial_lr, with its rounding
    assertClose(v[1], 1e-5, relative: 1e-12)
    assertThrows(.value, "Tried to step 21 times") {
      _ = try ScheduleEvaluation.values(kind: "OneCycleLR", config: c, steps: [21], inputs: [0.01, 0.25, 1e-5])
    }
    assertThrows(.value, "takes 3 inputs per step, got 1") {
      _ = try ScheduleEvaluation.values(kind: "OneCycleLR", config: c, steps: [1], inputs: [0.01])
    }
  }

  func testRejections() {
    assertThrows(.value, "LambdaLR cannot be evaluated as a schedule") {
      _ = try ScheduleEvaluation.values(kind: "LambdaLR", config: self.config([:]), steps: [0])
    }
    assertThrows(.value, "ReduceLROnPlateau cannot be evaluated") {
      _ = try ScheduleEvaluation.values(kind: "ReduceLROnPlateau", config: self.config([:]), steps: [0])
    }
    assertThrows(.value, "unknown scheduler") {
      _ = try ScheduleEvaluation.values(kind: "Nope", config: self.config([:]), steps: [0])
    }
    assertThrows(.value, "steps must be non-negative, got -2 at index 1") {
      _ = try ScheduleEvaluation.values(kind: "StepLR", config: self.config(["step_size": .int(2)]), steps: [0, -2])
    }
    assertThrows(.value, "at most 2**53") {
      _ = try ScheduleEvaluation.values(
        kind: "StepLR", config: self.config(["step_size": .int(2)]), steps: [Int.max], closedForm: true)
    }
    assertThrows(.value, "at most 2**27 when stepping") {
      _ = try ScheduleEvaluation.values(kind: "StepLR", config: self.config(["step_size": .int(2)]), steps: [Int.max])
    }
    assertThrows(.value, "last_epoch must be -1") {
      var c = self.config(["step_size": .int(2)])
      c["last_epoch"] = .int(4)
      _ = try ScheduleEvaluation.values(kind: "StepLR", config: c, steps: [0])
    }
    assertThrows(.type, "missing required argument: 'step_size'") {
      _ = try ScheduleEvaluation.values(kind: "StepLR", config: self.config([:]), steps: [])
    }
  }

  /// A scheduler whose lr depends on the previous lr (no closed form) yields NaN from `.nan`: rejected.
  func testChainedOnlyIsRejectedInClosedForm() throws {
    let c = config(["swa_lr": .double(0.05)])
    assertThrows(.value, "depends on the previous lr") {
      _ = try ScheduleEvaluation.values(kind: "SWALR", config: c, steps: [0, 1], inputs: [0.3], closedForm: true)
    }
    XCTAssertEqual(try ScheduleEvaluation.values(kind: "SWALR", config: c, steps: [0, 1], inputs: [0.3]).count, 2)
  }

  func testLargeStepsDoNotTrap() throws {
    let c = config(["warmup_steps": .int(0), "stable_steps": .int(0), "decay_steps": .int(Int.max)])
    let v = try ScheduleEvaluation.values(kind: "WarmupStableDecayLR", config: c, steps: [1 << 53])
    XCTAssert(v[0] > 0 && v[0] <= 0.3)
  }
}
