import Synchronization

/// Evaluates any registered scheduler as a pure function of the step: the lr
/// of group 0 at each of many steps, in one call (behind `swiftlr.schedules`).
///
/// Two ways, as PyTorch reaches an lr two ways:
///
/// - **Stepping** (the default): value `k` is the lr after `k` calls of
///   `step()` on a fresh scheduler, after its constructor's initial step:
///   the recurrence PyTorch's chainable `get_lr` runs, bit for bit what a
///   scheduler stepped in a loop (and `preview()`) gives. One scheduler steps
///   once up to the largest step asked for, handing out each value as it
///   passes it (steps in any order; unsorted ones are visited sorted), so
///   the time grows with the largest step and the memory with the count.
/// - **Closed form**: for each step `k`, a copy of the fresh scheduler moves
///   to `k` on PyTorch's `step(epoch)` path and yields `closedFormLR(group:
///   0)` when the type has one, else `chainedLR(group: 0, current: .nan)`:
///   for schedulers whose `get_lr` is absolute (`CyclicLR`, `OneCycleLR`,
///   `CosineAnnealingWarmRestarts`, ...) the current lr is ignored; for those
///   whose lr depends on the previous one the NaN comes through, and the
///   evaluation fails instead of returning it.
///
/// Schedulers that take per-step inputs get the same `inputs` at every step
/// (`OneCycleLR`'s group values); those whose inputs change from step to step
/// (`LambdaLR`'s user factors, `ReduceLROnPlateau`'s metric) cannot be
/// evaluated, and are rejected when no inputs are given.
public enum ScheduleEvaluation {
  // MARK: Entry points

  /// Writes the lr of group 0 at `steps[i]` into `out[i]`.
  ///
  /// - Parameters:
  ///   - kind: a name in `SchedulerRegistry.kinds`.
  ///   - config: the scheduler's arguments (its `base_lrs` should hold one
  ///     lr; only the first is evaluated). `last_epoch` must be absent or -1.
  ///   - steps: the steps, each `>= 0` (and at most `maxSteppedStep` when stepping).
  ///   - inputs: the per-step inputs, the same at every step; empty for most.
  ///   - closedForm: evaluate each step on the `step(epoch)` path instead of stepping.
  ///   - out: room for `steps.count` values.
  /// - Throws: an unknown kind or invalid config (the scheduler's own error),
  ///   a negative or too large step, a count mismatch, a scheduler whose inputs
  ///   are not given (or, in closed form, whose lr depends on the previous lr),
  ///   or the scheduler's error at a step it rejects (e.g. past `OneCycleLR`'s
  ///   `total_steps`). `out` may be partly written then.
  ///
  /// Edge cases: an empty `steps` still builds and checks the scheduler.
  public static func evaluate(
    kind: String, config: SchedulerConfig, steps: UnsafeBufferPointer<Int64>,
    inputs: UnsafeBufferPointer<Double> = .init(start: nil, count: 0), closedForm: Bool = false,
    into out: UnsafeMutableBufferPointer<Double>
  ) throws(SchedulerError) {
    guard out.count == steps.count else {
      throw .value("expected room for \(steps.count) values, got \(out.count)")
    }
    if let lastEpoch = config["last_epoch"], lastEpoch != .none, try lastEpoch.asInt("last_epoch") != -1 {
      throw .value("a schedule is evaluated from a fresh scheduler: last_epoch must be -1")
    }
    // The registry's evaluator is compiled for the scheduler's type: no witness calls per step.
    let request = Request(kind: kind, steps: steps, inputs: inputs, closedForm: closedForm, out: out)
    try SchedulerRegistry.entry(kind).evaluate(config, request)
  }

  /// The largest step whose epoch is exact as a double (closed form).
  public static let maxExactStep: Int64 = 1 << 53

  /// The largest step stepping reaches (134M steps: a few seconds at most): beyond it, closed form.
  public static let maxSteppedStep: Int64 = 1 << 27

  /// One evaluation's buffers, as `evaluate(kind:...)` received them.
  struct Request {
    let kind: String
    let steps: UnsafeBufferPointer<Int64>
    let inputs: UnsafeBufferPointer<Double>
    let closedForm: Bool
    let out: UnsafeMutableBufferPointer<Double>
  }

  /// The evaluation of a freshly built scheduler of a known type
  /// (`SchedulerRegistry.Entry` calls it from a closure specialized for `S`).
  static func evaluate<S: LRScheduler>(_ fresh: S, _ request: Request) throws(SchedulerError) {
    guard fresh.inputCount == request.inputs.count else {
      if request.inputs.isEmpty {
        throw .value(
          "\(request.kind) cannot be evaluated as a schedule: each step takes \(fresh.inputCount) values from Python "
            + "(user functions or a metric)")
      }
      throw .value("\(request.kind) takes \(fresh.inputCount) inputs per step, got \(request.inputs.count)")
    }
    if request.closedForm {
      try closedForm(fresh, request)
    } else {
      try stepped(fresh, request)
    }
  }

  /// An `AbsoluteSchedule`: stepping and the closed form both give
  /// `lr(group: 0, at: k)` (its `chainedLR` ignores the previous lr), so
  /// each step is evaluated directly, in any order, up to `maxExactStep`.
  static func evaluate<S: AbsoluteSchedule>(absolute fresh: S, _ request: Request) throws(SchedulerError) {
    guard request.inputs.isEmpty, fresh.inputCount == 0 else { return try evaluate(fresh, request) }
    let (steps, out) = (request.steps, request.out)
    _ = try order(of: steps, stepping: false)
    fresh.lrs(group: 0, at: steps, into: out)
  }

  // MARK: Checking the steps

  /// Checks that every step is in `0...maxSteppedStep` (stepping) or
  /// `0...maxExactStep` (epochs cross as doubles, PyTorch's `step(epoch)`:
  /// beyond 2**53 they would round), and tells whether they are sorted and
  /// whether each is one above the one before (`0..<n`, the usual request).
  /// One pass of OR reductions, which vectorize with the baseline's
  /// instructions (no 64-bit compares), on the worker pool for long arrays:
  /// for the cheapest schedules it costs more than the values.
  ///
  /// - Throws: the error of the first step out of range, in index order.
  static func order(
    of steps: UnsafeBufferPointer<Int64>, stepping: Bool
  ) throws(SchedulerError) -> (sorted: Bool, consecutive: Bool) {
    let limit = stepping ? maxSteppedStep : maxExactStep  // a power of two
    let (large, unsorted, gapped) = (1, 2, 4)
    let flags = Atomic<Int>(0)
    parallelRanges(total: steps.count, minimumPerThread: 1 << 16) { range in
      guard !range.isEmpty else { return }  // no steps
      // A negative step has its sign bit set; a difference wraps only when a step is out of range.
      var previous = steps[range.lowerBound] &- 1
      if range.lowerBound > 0 { previous = steps[range.lowerBound - 1] }
      var (bits, signs, gaps): (Int64, Int64, Int64) = (0, 0, 0)
      for i in range {
        let k = steps[i]
        bits |= k
        signs |= k &- previous
        gaps |= (k &- previous) ^ 1
        previous = k
      }
      let found =
        (bits >> limit.trailingZeroBitCount != 0 ? large : 0) | (signs < 0 ? unsorted : 0) | (gaps != 0 ? gapped : 0)
      if found != 0 { flags.bitwiseOr(found, ordering: .relaxed) }
    }
    let found = flags.load(ordering: .sequentiallyConsistent)
    if found & large != 0 {  // negative, or at least `limit`: which one, exactly
      for i in 0..<steps.count {
        let k = steps[i]
        guard k >= 0 else { throw .value("steps must be non-negative, got \(k) at index \(i)") }
        guard k <= limit else {
          if !stepping { throw .value("steps must be at most 2**53, got \(k) at index \(i)") }
          throw .value(
            "steps must be at most 2**27 when stepping (every step up to the largest is taken), got \(k) at index \(i); "
              + "the closed form evaluates each step directly")
        }
      }
    }
    return (found & unsorted == 0, found & gapped == 0)
  }

  // MARK: Stepping

  /// The recurrence: one scheduler stepped up to the largest step. Runs of
  /// consecutive steps (all of `0..<n`, the usual request) are written in
  /// place by `stepValues`; the steps between requested ones go through a
  /// scratch buffer.
  static func stepped<S: LRScheduler>(_ fresh: S, _ request: Request) throws(SchedulerError) {
    let (steps, out) = (request.steps, request.out)
    let (sorted, consecutive) = try order(of: steps, stepping: true)
    // Unsorted steps are visited in step order (ties in index order): stepping never goes back.
    let order: [Int] = sorted ? [] : (0..<steps.count).sorted { (steps[$0], $0) < (steps[$1], $1) }
    guard let base = fresh.baseLRs.first else { throw .value("a schedule needs one base lr, got none") }
    // The constructor's step (`_step_count` 1, `_is_initial`) from the base
    // lr (`initial_lr`); then `stepValues` counts its own steps.
    var scheduler = fresh
    (scheduler.stepCount, scheduler.isInitial) = (1, true)
    try scheduler.advance(inputs: request.inputs)
    var lr = scheduler.chainedLR(group: 0, current: base)
    scheduler.isInitial = false
    var taken = 0  // the steps taken after the initial one
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1 << 14)
    defer { scratch.deallocate() }
    var j = 0
    while j < steps.count {
      let i = sorted ? j : order[j]
      let k = Int(steps[i])
      if k == taken {
        out[i] = lr
        j += 1
        continue
      }
      while taken < k - 1 {
        let gap = UnsafeMutableBufferPointer(rebasing: scratch[0..<min(k - 1 - taken, scratch.count)])
        try scheduler.stepValues(from: lr, into: gap, inputs: request.inputs)
        (lr, taken) = (gap[gap.count - 1], taken + gap.count)
      }
      // Steps k, k + 1, ... at indices i, i + 1, ...: written in place.
      var run = 1
      if consecutive {
        run = steps.count - j
      } else if sorted {
        while j + run < steps.count && steps[j + run] == Int64(k + run) { run += 1 }
      }
      let values = UnsafeMutableBufferPointer(rebasing: out[i..<i + run])
      try scheduler.stepValues(from: lr, into: values, inputs: request.inputs)
      (lr, taken, j) = (values[run - 1], k + run - 1, j + run)
    }
  }

  // MARK: Closed form

  /// Each step on PyTorch's `step(epoch)` path, from the fresh scheduler.
  static func closedForm<S: LRScheduler>(_ fresh: S, _ request: Request) throws(SchedulerError) {
    let (steps, kind) = (request.steps, request.kind)
    let closedForm = S.hasClosedForm
    _ = try order(of: steps, stepping: false)
    for i in 0..<steps.count {
      let k = steps[i]
      var scheduler = fresh
      try scheduler.advance(toEpoch: .int(Int(k)), inputs: request.inputs)
      let lr =
        closedForm ? (scheduler.closedFormLR(group: 0) ?? .nan) : scheduler.chainedLR(group: 0, current: Double.nan)
      // A NaN the rule makes itself (a NaN max_lr) comes back whatever the
      // previous lr: only a NaN that a finite previous lr avoids means the lr
      // depends on it.
      if lr.isNaN, closedForm ? scheduler.closedFormLR(group: 0) == nil : dependsOnCurrent(scheduler) {
        throw .value(
          "\(kind) cannot be evaluated in closed form: its lr at step \(k) depends on the previous lr "
            + "(it has no closed form; stepping evaluates it)")
      }
      request.out[i] = lr
    }
  }

  /// Whether the rule's lr changes with the previous lr: probed with two finite ones.
  static func dependsOnCurrent<S: LRScheduler>(_ scheduler: S) -> Bool {
    !scheduler.chainedLR(group: 0, current: 0.0).isNaN || !scheduler.chainedLR(group: 0, current: 1.0).isNaN
  }

  // MARK: Swift callers

  /// An array-returning convenience for Swift callers.
  public static func values(
    kind: String, config: SchedulerConfig, steps: [Int], inputs: [Double] = [], closedForm: Bool = false
  ) throws(SchedulerError) -> [Double] {
    let steps64 = steps.map { Int64($0) }
    var out = [Double](repeating: 0, count: steps.count)
    var failure: SchedulerError?
    steps64.withUnsafeBufferPointer { s in
      inputs.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { o in
          do throws(SchedulerError) {
            try evaluate(kind: kind, config: config, steps: s, inputs: input, closedForm: closedForm, into: o)
          } catch { failure = error }
        }
      }
    }
    if let failure { throw failure }
    return out
  }
}

// MARK: - Stepping many steps

extension LRScheduler {
  public func lrUnchangedThrough() -> Int { lastEpoch }

  public mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    try stepValuesInOrder(from: lr, into: out, inputs: inputs)
  }

  /// `stepValues` step by step, `advance` then `chainedLR`, except that a
  /// stretch of `lrUnchangedThrough` is one value filled and one move of `lastEpoch`.
  public mutating func stepValuesInOrder(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    var lr = lr
    var j = 0
    while j < out.count {
      let (stretch, overflow) = lrUnchangedThrough().subtractingReportingOverflow(lastEpoch)
      if stretch > 0 || overflow {
        let n = overflow ? out.count - j : min(stretch, out.count - j)
        UnsafeMutableBufferPointer(rebasing: out[j..<j + n]).update(repeating: lr)
        lastEpoch += n
        stepCount = stepCount.addingReportingOverflow(n).overflow ? Int.max : stepCount + n
        j += n
        continue
      }
      stepCount = stepCount == Int.max ? Int.max : stepCount + 1
      try advance(inputs: inputs)
      lr = chainedLR(group: 0, current: lr)
      out[j] = lr
      j += 1
    }
  }
}
