/// Schedulers made of schedulers (PyTorch's `SequentialLR` and
/// `ChainedScheduler`): they decide which of the schedulers they hold steps
/// when; the lr math is those schedulers'.
///
/// Build the schedulers on the optimizer first, then the composite on the
/// same optimizer, in PyTorch's order: each scheduler's constructor steps the
/// optimizer, and the composite's accounts for that as PyTorch's does.
///
/// Edge cases: Swift values cannot say which optimizer a scheduler was built
/// on, so PyTorch's "belong to the same optimizer" check has no counterpart;
/// a `ReduceLROnPlateau` is refused with PyTorch's message.

// MARK: - SequentialLR

/// Runs `schedulers[i]` from `milestones[i - 1]` on (PyTorch's `SequentialLR`):
/// at each milestone the next scheduler starts from its epoch 0.
public struct SequentialLR: OptimizerScheduler {
  public private(set) var schedulers: [any OptimizerScheduler]
  public let milestones: [Int]
  /// PyTorch's `last_epoch`: the composite's step count.
  public private(set) var lastEpoch: Int

  /// `SequentialLR(optimizer, schedulers, milestones, last_epoch=-1)`: resets
  /// each group's lr to its `initial_lr`, undoes the schedulers' initial
  /// steps, and takes the initial step of the one that runs at step 0.
  ///
  /// - Parameters:
  ///   - optimizer: the optimizer the schedulers were built on.
  ///   - schedulers: at least one, built on `optimizer`.
  ///   - milestones: one fewer than `schedulers`: the steps where each next one starts.
  ///   - lastEpoch: PyTorch's `last_epoch`; the composite starts at `lastEpoch + 1`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, schedulers: [any OptimizerScheduler], milestones: [Int], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    try checkComposed(schedulers, "SequentialLR", purpose: "")
    guard milestones.count == schedulers.count - 1 else {
      throw .value(
        "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
          + "milestone points, but got number of schedulers \(schedulers.count) and the number of milestones "
          + "to be equal to \(milestones.count)")
    }
    var next = optimizer
    var lrs: [Double] = []
    for (i, initial) in next.initialLRs.enumerated() {
      guard let initial else { throw .init(.key, "'initial_lr' (param_groups[\(i)])") }
      lrs.append(initial)
    }
    next.learningRates = lrs
    self.schedulers = schedulers
    self.milestones = milestones
    self.lastEpoch = try checkedIncrement(lastEpoch)
    undoLastEpoch()
    try self.schedulers[Self.index(milestones, 0)].initialStep(&next)
    optimizer = next
  }

  /// PyTorch's `bisect_right(milestones, epoch)`: which scheduler runs at `epoch`.
  static func index(_ milestones: [Int], _ epoch: Int) -> Int {
    milestones.firstIndex { $0 > epoch } ?? milestones.count
  }

  public mutating func step<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    let i = Self.index(milestones, epoch)
    var scheduler = schedulers[i]
    if i > 0 && milestones[i - 1] == epoch {
      try scheduler.restart(&optimizer)
    } else {
      try scheduler.step(&optimizer)
    }
    schedulers[i] = scheduler
    lastEpoch = epoch
  }

  public mutating func undoLastEpoch() {
    for i in schedulers.indices { schedulers[i].undoLastEpoch() }
  }
}

// MARK: - ChainedScheduler

/// Steps every scheduler it holds, in order, at each step (PyTorch's
/// `ChainedScheduler`): their rules compose on the same lrs.
public struct ChainedScheduler: OptimizerScheduler {
  public private(set) var schedulers: [any OptimizerScheduler]

  /// `ChainedScheduler(schedulers, optimizer=None)`: takes no step of its own.
  ///
  /// - Parameter schedulers: at least one, built on the optimizer stepped.
  public init(_ schedulers: [any OptimizerScheduler]) throws(SchedulerError) {
    try checkComposed(schedulers, "ChainedScheduler", purpose: " to be chained")
    self.schedulers = schedulers
  }

  /// Steps each scheduler in order. All or nothing: when one throws, the
  /// schedulers and the optimizer are left as they were.
  public mutating func step<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    var (next, nextOptimizer) = (schedulers, optimizer)
    for i in next.indices { try next[i].step(&nextOptimizer) }
    (schedulers, optimizer) = (next, nextOptimizer)
  }

  public mutating func undoLastEpoch() {
    for i in schedulers.indices { schedulers[i].undoLastEpoch() }
  }
}

// MARK: - Checks

/// PyTorch's checks of a composite's schedulers that Swift values allow, in its words.
func checkComposed(_ schedulers: [any OptimizerScheduler], _ owner: String, purpose: String) throws(SchedulerError) {
  guard !schedulers.isEmpty else {
    throw .value("\(owner) expects at least one scheduler\(purpose), but got no scheduler.")
  }
  for (i, scheduler) in schedulers.enumerated() where scheduler is ReduceLROnPlateau {
    throw .value(
      "\(owner) does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
        + "specified when calling `step`, but got one at index \(i) in the given schedulers sequence.")
  }
}

// MARK: - What a composite does as a scheduler held by another

extension OptimizerScheduler {
  /// A composite's initial step is its `step()`, as in PyTorch.
  public mutating func initialStep<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    try step(&optimizer)
  }

  /// PyTorch raises NotImplementedError when a composite reaches a
  /// `SequentialLR` milestone: its `_update_lr(0)` calls `get_lr()`, which
  /// composites do not have.
  public mutating func restart<O: ScheduledOptimizer>(_ optimizer: inout O) throws(SchedulerError) {
    throw .type("\(Self.self) cannot restart at a SequentialLR milestone: PyTorch raises NotImplementedError there")
  }
}
