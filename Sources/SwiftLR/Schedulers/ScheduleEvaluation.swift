/// Evaluates any registered scheduler as a pure function of the step: the lr
/// of group 0 at each of many steps, in one call (behind `swiftlr.schedules`).
///
/// For each step `k`, a copy of the freshly built scheduler advances to `k`
/// on PyTorch's `step(epoch)` path, then yields `closedFormLR(group: 0)` when
/// the type has a closed form, else `chainedLR(group: 0, current: .nan)`:
/// for schedulers whose `get_lr` is absolute (`CyclicLR`, `OneCycleLR`,
/// `CosineAnnealingWarmRestarts`, ...) the current lr is ignored; for those
/// whose lr depends on the previous one the NaN comes through, and the
/// evaluation fails instead of returning it.
///
/// Schedulers that take per-step inputs get the same `inputs` at every step
/// (`OneCycleLR`'s group values); those whose inputs change from step to step
/// (`LambdaLR`'s user factors, `ReduceLROnPlateau`'s metric) cannot be
/// evaluated, and are rejected when no inputs are given.
public enum ScheduleEvaluation {
  /// Writes the lr of group 0 at `steps[i]` into `out[i]`.
  ///
  /// - Parameters:
  ///   - kind: a name in `SchedulerRegistry.kinds`.
  ///   - config: the scheduler's arguments (its `base_lrs` should hold one
  ///     lr; only the first is evaluated). `last_epoch` must be absent or -1.
  ///   - steps: the steps, each `>= 0`.
  ///   - inputs: the per-step inputs, the same at every step; empty for most.
  ///   - out: room for `steps.count` values.
  /// - Throws: an unknown kind or invalid config (the scheduler's own error),
  ///   a negative step, a count mismatch, a scheduler whose inputs are not
  ///   given or whose lr depends on the previous lr, or the scheduler's error
  ///   at a step it rejects (e.g. past `OneCycleLR`'s `total_steps`).
  ///   `out` may be partly written then.
  ///
  /// Edge cases: an empty `steps` still builds and checks the scheduler.
  public static func evaluate(
    kind: String, config: SchedulerConfig, steps: UnsafeBufferPointer<Int64>,
    inputs: UnsafeBufferPointer<Double> = .init(start: nil, count: 0), into out: UnsafeMutableBufferPointer<Double>
  ) throws(SchedulerError) {
    guard out.count == steps.count else {
      throw .value("expected room for \(steps.count) values, got \(out.count)")
    }
    if let lastEpoch = config["last_epoch"], lastEpoch != .none, try lastEpoch.asInt("last_epoch") != -1 {
      throw .value("a schedule is evaluated from a fresh scheduler: last_epoch must be -1")
    }
    let scheduler = try SchedulerRegistry.make(kind, config: config)
    guard scheduler.inputCount == inputs.count else {
      if inputs.isEmpty {
        throw .value(
          "\(kind) cannot be evaluated as a schedule: each step takes \(scheduler.inputCount) values from Python "
            + "(user functions or a metric)")
      }
      throw .value("\(kind) takes \(scheduler.inputCount) inputs per step, got \(inputs.count)")
    }
    try evaluate(scheduler, kind: kind, steps: steps, inputs: inputs, into: out)
  }

  /// The largest step whose epoch is exact as a double.
  public static let maxExactStep: Int64 = 1 << 53

  /// The loop, on the opened existential: the scheduler's type is fixed for
  /// every step, so each step is a struct copy plus two witness calls.
  static func evaluate<S: LRScheduler>(
    _ fresh: S, kind: String, steps: UnsafeBufferPointer<Int64>, inputs: UnsafeBufferPointer<Double>,
    into out: UnsafeMutableBufferPointer<Double>
  ) throws(SchedulerError) {
    let closedForm = S.hasClosedForm
    for i in 0..<steps.count {
      let k = steps[i]
      guard k >= 0 else { throw .value("steps must be non-negative, got \(k) at index \(i)") }
      // Epochs cross as doubles (PyTorch's `step(epoch)`): beyond 2**53 they would round.
      guard k <= maxExactStep else { throw .value("steps must be at most 2**53, got \(k) at index \(i)") }
      var scheduler = fresh
      try scheduler.advance(toEpoch: Double(k), inputs: inputs)
      let lr =
        closedForm ? (scheduler.closedFormLR(group: 0) ?? .nan) : scheduler.chainedLR(group: 0, current: Double.nan)
      // A NaN the rule makes itself (a NaN max_lr) comes back whatever the
      // previous lr: only a NaN that a finite previous lr avoids means the lr
      // depends on it.
      if lr.isNaN, closedForm ? scheduler.closedFormLR(group: 0) == nil : dependsOnCurrent(scheduler) {
        throw .value(
          "\(kind) cannot be evaluated as a schedule: its lr at step \(k) depends on the previous lr "
            + "(it has no closed form)")
      }
      out[i] = lr
    }
  }

  /// Whether the rule's lr changes with the previous lr: probed with two finite ones.
  static func dependsOnCurrent<S: LRScheduler>(_ scheduler: S) -> Bool {
    !scheduler.chainedLR(group: 0, current: 0.0).isNaN || !scheduler.chainedLR(group: 0, current: 1.0).isNaN
  }

  /// An array-returning convenience for Swift callers.
  public static func values(
    kind: String, config: SchedulerConfig, steps: [Int], inputs: [Double] = []
  ) throws(SchedulerError) -> [Double] {
    let steps64 = steps.map { Int64($0) }
    var out = [Double](repeating: 0, count: steps.count)
    var failure: SchedulerError?
    steps64.withUnsafeBufferPointer { s in
      inputs.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { o in
          do throws(SchedulerError) {
            try evaluate(kind: kind, config: config, steps: s, inputs: input, into: o)
          } catch { failure = error }
        }
      }
    }
    if let failure { throw failure }
    return out
  }
}
