/// Something that steps an optimizer's learning rates: every `LRScheduler`,
/// and the composites `SequentialLR` and `ChainedScheduler`, which hold
/// values of this type.
///
/// The requirements besides `step(_:)` are PyTorch's hooks that
/// `SequentialLR` calls on the schedulers it holds.
public protocol OptimizerScheduler {
  /// PyTorch's `scheduler.step()`: advances one step and writes the
  /// optimizer's lrs (and the momenta a cyclic scheduler cycles).
  ///
  /// - Throws: `SchedulerError` for a step the scheduler cannot take (past
  ///   `OneCycleLR`'s total steps, a `ReduceLROnPlateau` without its metric);
  ///   neither the scheduler nor the optimizer changes then.
  mutating func step<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError)

  /// PyTorch's `_initial_step()`: the step its constructor takes.
  mutating func initialStep<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError)

  /// PyTorch's `_update_lr(0)`, which `SequentialLR` calls on the scheduler
  /// whose milestone is reached: `last_epoch = 0` and the closed form there.
  mutating func restart<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError)

  /// PyTorch's `SequentialLR.recursive_undo`: `last_epoch -= 1` in every scheduler held.
  mutating func undoLastEpoch()
}

// MARK: - Driving an optimizer

extension LRScheduler {
  public mutating func step<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    try drive(&optimizer, epoch: nil, inputs: stepInputs(toEpoch: epoch, isInitial: false), context: nil)
  }

  public mutating func initialStep<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    try drive(
      &optimizer, epoch: nil, inputs: stepInputs(toEpoch: epoch, isInitial: true),
      context: StepContext(stepCount: 1, isInitial: true))
  }

  public mutating func restart<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    // `_update_lr` leaves `_step_count` as it is.
    try drive(
      &optimizer, epoch: 0, inputs: stepInputs(toEpoch: 0, isInitial: false),
      context: StepContext(stepCount: stepCount, isInitial: false))
  }

  /// `last_epoch -= 1`; at `Int.min` it stays (a Swift Int ends there, a Python int does not).
  public mutating func undoLastEpoch() { lastEpoch = lastEpoch == .min ? .min : lastEpoch - 1 }

  /// One step over the optimizer's lrs, then PyTorch's momentum writes
  /// (`get_lr()` writes them as a side effect). All or nothing: the lrs and
  /// momenta are written only after the scheduler's step succeeded, and
  /// that step is atomic.
  mutating func drive<O: ScheduledOptimizer>(
    _ optimizer: inout O, epoch: Int?, inputs: [Double], context: StepContext?
  ) throws(SchedulerError) {
    var lrs = optimizer.learningRates
    var failure: SchedulerError?
    inputs.withUnsafeBufferPointer { inputs in
      lrs.withUnsafeMutableBufferPointer { buffer in
        do throws(SchedulerError) {
          try step(buffer, epoch: epoch.map(IntOrFloat.int), inputs: inputs, context: context)
        } catch { failure = error }
      }
    }
    if let failure { throw failure }
    optimizer.learningRates = lrs
    var momenta: [Double]?
    for group in 0..<groupCount {
      guard let m = momentum(group: group) else { continue }
      if momenta == nil { momenta = optimizer.momenta }
      if group < momenta!.count { momenta![group] = m }
    }
    if let momenta { optimizer.momenta = momenta }
  }
}

// MARK: - Building on an optimizer

/// Builds a scheduler on `optimizer` as PyTorch's constructor does: base lrs
/// from each group's `initial_lr` (recorded from its lr when `lastEpoch` is
/// -1, required otherwise), then the initial step. Changes `optimizer` only
/// when everything succeeds.
///
/// - Parameters:
///   - optimizer: the optimizer to schedule.
///   - lastEpoch: PyTorch's `last_epoch`.
///   - initialLRs: the `initial_lr` the scheduler records when `lastEpoch`
///     is -1 (OneCycleLR's `max_lr / div_factor`, CyclicLR's `base_lr`), or
///     nil for each group's lr.
///   - make: builds the scheduler from its base lrs.
/// - Returns: the scheduler, after its initial step.
public func attach<S: LRScheduler, O: ScheduledOptimizer>(
  _ optimizer: inout O, lastEpoch: Int, initialLRs: [Double]? = nil,
  _ make: (_ baseLRs: [Double]) throws(SchedulerError) -> S
) throws(SchedulerError) -> S {
  var next = optimizer
  let base: [Double]
  if lastEpoch == -1 {
    base = initialLRs ?? zip(next.initialLRs, next.learningRates).map { $0 ?? $1 }
    if initialLRs != nil {
      guard base.count == next.learningRates.count else {
        throw .value("expected \(next.learningRates.count) values, got \(base.count)")
      }
      next.initialLRs = base
    } else {
      next.initialLRs = base.map(Optional.some)  // `setdefault`: a recorded one stays
    }
  } else {
    var recorded: [Double] = []
    for (i, lr) in next.initialLRs.enumerated() {
      guard let lr else {
        throw .init(.key, "param 'initial_lr' is not specified in param_groups[\(i)] when resuming an optimizer")
      }
      recorded.append(lr)
    }
    base = recorded
  }
  var scheduler = try make(base)
  try scheduler.initialStep(&next)
  optimizer = next
  return scheduler
}

extension ReduceLROnPlateau {
  /// PyTorch's `scheduler.step(metrics)`: reduces the optimizer's lrs when
  /// `metric` has not improved for `patience` steps.
  ///
  /// - Parameters:
  ///   - optimizer: the optimizer whose lrs are reduced.
  ///   - metric: the quantity watched (a loss in `.min` mode).
  public mutating func step<O: ScheduledOptimizer>(_ optimizer: inout O, metric: Double) throws(SchedulerError) {
    try drive(&optimizer, epoch: nil, inputs: [metric], context: nil)
  }

  /// Builds the scheduler on `optimizer`'s param groups (PyTorch's
  /// `ReduceLROnPlateau(optimizer, ...)`, which takes no initial step).
  ///
  /// - Parameters:
  ///   - optimizer: the optimizer whose lrs are reduced.
  ///   - mode: `.min` (a loss) or `.max` (an accuracy). Default: `.min`.
  ///   - factor: the lr's multiplier at a reduction; below 1. Default: 0.1.
  ///   - patience: steps without improvement before a reduction. Default: 10.
  ///   - threshold: the least change that counts as an improvement. Default: 1e-4.
  ///   - thresholdMode: `.rel` or `.abs`. Default: `.rel`.
  ///   - cooldown: steps after a reduction before counting again. Default: 0.
  ///   - minLRs: each group's lowest lr, or nil for `minLR` in every group.
  ///   - minLR: the lowest lr of every group. Default: 0.
  ///   - eps: the smallest reduction applied. Default: 1e-8.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, mode: Mode = .min, factor: Double = 0.1, patience: IntOrFloat = 10, threshold: Double = 1e-4,
    thresholdMode: ThresholdMode = .rel, cooldown: IntOrFloat = 0, minLRs: [Double]? = nil, minLR: Double = 0,
    eps: Double = 1e-8
  ) throws(SchedulerError) {
    guard factor < 1 else { throw .value("Factor should be < 1.0.") }
    try self.init(
      groupCount: optimizer.learningRates.count, mode: mode, factor: factor, patience: patience,
      threshold: threshold, thresholdMode: thresholdMode, cooldown: cooldown, minLRs: minLRs, minLR: minLR,
      eps: eps)
  }

  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    throw .type("ReduceLROnPlateau steps on a metric: call step(&optimizer, metric:)")
  }
}
