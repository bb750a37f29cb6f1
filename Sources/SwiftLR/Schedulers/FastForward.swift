// MARK: - Fast-forward

extension LRScheduler {
  /// `steps` calls of `step(_:epoch:inputs:context:precisions:)` at once:
  /// the same state and lrs, bit for bit (the recurrence is run, not a
  /// closed form), for resuming a run whose scheduler state was lost.
  ///
  /// - Parameters:
  ///   - lrs: each group's current lr; replaced by the lrs after the last step.
  ///   - steps: how many steps; 0 or more.
  ///   - inputs: the inputs of every step (group inputs such as OneCycleLR's
  ///     `max_lr`, which do not change meanwhile).
  ///   - stepCount: PyTorch's `_step_count` before the first of them, when the
  ///     caller keeps it (the Python layer does); each step then counts one
  ///     more when `countingSteps` (PyTorch's `LRScheduler.step`; not
  ///     CosineAnnealingWarmRestarts'). Without it the scheduler counts its own.
  ///   - countingSteps: whether each step adds one to `stepCount`.
  ///   - precisions: each group's `LRPrecision` code, or empty (Python floats).
  ///
  /// Edge cases: a negative `steps`, counts that do not match the scheduler,
  /// and a `lastEpoch` or step count that would pass `Int.max` throw; nothing
  /// changes then, neither the scheduler nor `lrs`.
  public mutating func fastForward(
    _ lrs: UnsafeMutableBufferPointer<Double>, steps: Int,
    inputs: UnsafeBufferPointer<Double> = .init(start: nil, count: 0),
    stepCount: Int? = nil, countingSteps: Bool = true,
    precisions: UnsafeBufferPointer<Int32> = .init(start: nil, count: 0)
  ) throws(SchedulerError) {
    guard steps >= 0 else { throw .value("steps must be a non-negative integer, got \(steps)") }
    if let stepCount, countingSteps, stepCount > Int.max - steps {
      throw .init(.overflow, "_step_count \(stepCount) + \(steps) steps overflows a 64-bit integer")
    }
    guard lrs.count == groupCount else {
      throw .value("expected \(groupCount) learning rates (one per param group), got \(lrs.count)")
    }
    guard inputs.count == inputCount else { throw .value("expected \(inputCount) step inputs, got \(inputs.count)") }
    try checkPrecisions(precisions, groups: lrs.count)
    // Stepped on copies: a step that throws halfway leaves `self` and `lrs` as they were.
    var next = self
    let work = UnsafeMutableBufferPointer<Double>.allocate(capacity: lrs.count)
    defer { work.deallocate() }
    _ = work.initialize(fromContentsOf: lrs)
    try next.stepRepeatedly(
      work, steps: steps, inputs: inputs, stepCount: stepCount, countingSteps: countingSteps, precisions: precisions)
    self = next
    _ = lrs.update(fromContentsOf: work)
  }

  /// The context of the `k`-th step (from 0) of a fast-forward.
  @inline(__always)
  func fastForwardContext(_ k: Int, stepCount: Int?, countingSteps: Bool) -> StepContext? {
    stepCount.map { StepContext(stepCount: countingSteps ? $0 + k + 1 : $0, isInitial: false) }
  }

  public mutating func stepRepeatedly(
    _ lrs: UnsafeMutableBufferPointer<Double>, steps: Int, inputs: UnsafeBufferPointer<Double>, stepCount: Int?,
    countingSteps: Bool, precisions: UnsafeBufferPointer<Int32>
  ) throws(SchedulerError) {
    for k in 0..<steps {
      let context = fastForwardContext(k, stepCount: stepCount, countingSteps: countingSteps)
      try step(lrs, epoch: nil, inputs: inputs, context: context, precisions: precisions)
    }
  }

  /// `fastForward` over an array of lrs (Swift callers).
  public mutating func fastForward(_ lrs: inout [Double], steps: Int) throws(SchedulerError) {
    var failure: SchedulerError?
    lrs.withUnsafeMutableBufferPointer { buffer in
      do throws(SchedulerError) {
        try fastForward(buffer, steps: steps)
      } catch { failure = error }
    }
    if let failure { throw failure }
  }
}
