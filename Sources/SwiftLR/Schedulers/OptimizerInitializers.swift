/// Each scheduler built on an optimizer, as PyTorch builds it:
/// `StepLR(&sgd, stepSize: 10)` is `StepLR(optimizer, step_size=10)`. The
/// base lrs come from the optimizer (`attach`), the initial step is taken,
/// and the optimizer's lrs are those of the first epoch. Arguments are
/// PyTorch's, in its order; `init(baseLRs:...)` documents each.

// MARK: - Decay

extension StepLR {
  /// `StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, stepSize: IntOrFloat, gamma: Double = 0.1, lastEpoch: Int = -1
  )
    throws(SchedulerError)
  {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try StepLR(baseLRs: b, stepSize: stepSize, gamma: gamma, lastEpoch: lastEpoch)
    }
  }
}

extension MultiStepLR {
  /// `MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try MultiStepLR(baseLRs: b, milestones: milestones, gamma: gamma, lastEpoch: lastEpoch)
    }
  }
}

extension ConstantLR {
  /// `ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, factor: Double = 1.0 / 3, totalIters: IntOrFloat = 5, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try ConstantLR(baseLRs: b, factor: factor, totalIters: totalIters, lastEpoch: lastEpoch)
    }
  }
}

extension LinearLR {
  /// `LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: IntOrFloat = 5,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try LinearLR(
        baseLRs: b, startFactor: startFactor, endFactor: endFactor, totalIters: totalIters, lastEpoch: lastEpoch)
    }
  }
}

extension ExponentialLR {
  /// `ExponentialLR(optimizer, gamma, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(_ optimizer: inout O, gamma: Double, lastEpoch: Int = -1) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try ExponentialLR(baseLRs: b, gamma: gamma, lastEpoch: lastEpoch)
    }
  }
}

extension PolynomialLR {
  /// `PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, totalIters: IntOrFloat = 5, power: Double = 1.0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try PolynomialLR(baseLRs: b, totalIters: totalIters, power: power, lastEpoch: lastEpoch)
    }
  }
}

// MARK: - Cosine and warmup

extension CosineAnnealingLR {
  /// `CosineAnnealingLR(optimizer, T_max, eta_min=0.0, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(_ optimizer: inout O, tMax: IntOrFloat, etaMin: Double = 0, lastEpoch: Int = -1)
    throws(SchedulerError)
  {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try CosineAnnealingLR(baseLRs: b, tMax: tMax, etaMin: etaMin, lastEpoch: lastEpoch)
    }
  }
}

extension CosineAnnealingWarmRestarts {
  /// `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, t0: Int, tMult: Int = 1, etaMin: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try CosineAnnealingWarmRestarts(baseLRs: b, t0: t0, tMult: tMult, etaMin: etaMin, lastEpoch: lastEpoch)
    }
  }
}

extension WarmupCosineLR {
  /// swiftlr's `WarmupCosineLR(optimizer, warmup_steps, total_steps, eta_min=0, warmup_start_factor=0)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, warmupSteps: Int, totalSteps: Int, etaMin: Double = 0, warmupStartFactor: Double = 0,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try WarmupCosineLR(
        baseLRs: b, warmupSteps: warmupSteps, totalSteps: totalSteps, etaMin: etaMin,
        warmupStartFactor: warmupStartFactor, lastEpoch: lastEpoch)
    }
  }
}

extension WarmupStableDecayLR {
  /// swiftlr's `WarmupStableDecayLR(optimizer, warmup_steps, stable_steps, decay_steps, ...)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, warmupSteps: Int, stableSteps: Int, decaySteps: Int, decayType: DecayType = .cosine,
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try WarmupStableDecayLR(
        baseLRs: b, warmupSteps: warmupSteps, stableSteps: stableSteps, decaySteps: decaySteps,
        decayType: decayType, minLRRatio: minLRRatio, lastEpoch: lastEpoch)
    }
  }
}

extension CooldownLR {
  /// swiftlr's `CooldownLR(optimizer, decay_steps, decay_type="linear", min_lr_ratio=0)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, decaySteps: Int, decayType: WarmupStableDecayLR.DecayType = .linear,
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try CooldownLR(
        baseLRs: b, decaySteps: decaySteps, decayType: decayType, minLRRatio: minLRRatio, lastEpoch: lastEpoch)
    }
  }
}

extension InverseSqrtLR {
  /// swiftlr's `InverseSqrtLR(optimizer, warmup_steps, timescale=None)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, warmupSteps: Int, timescale: Int? = nil, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try InverseSqrtLR(baseLRs: b, warmupSteps: warmupSteps, timescale: timescale, lastEpoch: lastEpoch)
    }
  }
}

extension PiecewiseLinearLR {
  /// swiftlr's `PiecewiseLinearLR(optimizer, milestones, factors)`.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, milestones: [Int], factors: [Double], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try PiecewiseLinearLR(baseLRs: b, milestones: milestones, factors: factors, lastEpoch: lastEpoch)
    }
  }
}

extension SWALR {
  /// `torch.optim.swa_utils.SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos")`.
  /// `swaLRs`: one value for every group, or one per group.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, swaLRs: [Double], annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let swa = try perGroup(swaLRs, "swa_lr", groups: optimizer.learningRates.count)
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      try SWALR(
        baseLRs: b, swaLRs: swa, annealEpochs: annealEpochs, annealStrategy: annealStrategy, lastEpoch: lastEpoch)
    }
  }

  /// Each group's `swa_lr`, which PyTorch reads from the group at every step.
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] { swaLRs }
}

// MARK: - User functions

/// PyTorch's reading of `lr_lambda`: one function for every group, or one per group.
func userFunctions(_ functions: [(Int) -> Double], groups: Int) throws(SchedulerError) -> [(Int) -> Double] {
  if functions.count == 1 { return Array(repeating: functions[0], count: groups) }
  guard functions.count == groups else { throw .value("Expected \(groups) lr_lambdas, but got \(functions.count)") }
  return functions
}

/// PyTorch's `_format_param`: one value for every group, or one per group.
func perGroup(_ values: [Double], _ name: String, groups: Int) throws(SchedulerError) -> [Double] {
  if values.count == 1 { return Array(repeating: values[0], count: groups) }
  guard values.count == groups else {
    throw .value(
      "\(name) must have the same length as optimizer.param_groups. "
        + "\(name) has \(values.count) values, param_groups has \(groups).")
  }
  return values
}

// MARK: - Cyclic (they cycle the optimizer's momentum)

extension OneCycleLR {
  /// `OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, ...)`:
  /// records each group's `initial_lr` (`max_lr / div_factor`) and, when
  /// `cycleMomentum`, drives the optimizer's momentum (SGD) or beta1 (Adam).
  /// `maxLRs`, `baseMomentums`, `maxMomentums`: one value for every group, or one per group.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, maxLRs: [Double], totalSteps: Int? = nil, epochs: Int? = nil, stepsPerEpoch: Int? = nil,
    pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true,
    baseMomentums: [Double] = [0.85], maxMomentums: [Double] = [0.95], divFactor: Double = 25,
    finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let groups = optimizer.learningRates.count
    let top = try perGroup(maxLRs, "max_lr", groups: groups)
    let (base, peak) = (
      try perGroup(baseMomentums, "base_momentum", groups: groups),
      try perGroup(maxMomentums, "max_momentum", groups: groups)
    )
    self = try attach(&optimizer, lastEpoch: lastEpoch, initialLRs: top.map { $0 / divFactor }) {
      (_) throws(SchedulerError) in
      try OneCycleLR(
        maxLRs: top, totalSteps: totalSteps, epochs: epochs, stepsPerEpoch: stepsPerEpoch, pctStart: pctStart,
        annealStrategy: annealStrategy, cycleMomentum: cycleMomentum, baseMomentums: base, maxMomentums: peak,
        divFactor: divFactor, finalDivFactor: finalDivFactor, threePhase: threePhase, lastEpoch: lastEpoch)
    }
  }

  /// Each group's `initial_lr`, `max_lr`, `min_lr` (and momenta), which
  /// PyTorch reads from the group at every step.
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    guard groupValues.count == inputCount else { throw .type("OneCycleLR was built without max_lr") }
    return groupValues
  }
}

extension CyclicLR {
  /// `CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, ...)`: sets
  /// each group's lr to `base_lr` and, when `cycleMomentum`, drives the
  /// optimizer's momentum (SGD) or beta1 (Adam) between `maxMomentums` and
  /// `baseMomentums`. `scaleFunction` replaces `mode` (PyTorch's
  /// `scale_fn`), evaluated at the cycle number or the step (`scaleMode`
  /// `"cycle"` or `"iterations"`). Lists: one value for every group, or one per group.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, baseLRs: [Double], maxLRs: [Double], stepSizeUp: Double = 2000,
    stepSizeDown: Double? = nil, mode: Mode = .triangular, gamma: Double = 1,
    scaleFunction: ((Double) -> Double)? = nil, scaleMode: String = "cycle", cycleMomentum: Bool = true,
    baseMomentums: [Double] = [0.8], maxMomentums: [Double] = [0.9], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let groups = optimizer.learningRates.count
    let lows = try perGroup(baseLRs, "base_lr", groups: groups)
    let highs = try perGroup(maxLRs, "max_lr", groups: groups)
    let (base, peak) = (
      try perGroup(baseMomentums, "base_momentum", groups: groups),
      try perGroup(maxMomentums, "max_momentum", groups: groups)
    )
    var next = optimizer
    if lastEpoch == -1 {
      next.learningRates = lows
      if cycleMomentum { next.momenta = peak }
    }
    var scheduler = try attach(&next, lastEpoch: lastEpoch) { (initial) throws(SchedulerError) in
      // PyTorch's initial step runs with `base_lrs` from `initial_lr`; only
      // then does its constructor set them to `base_lr`.
      var s = try CyclicLR(
        baseLRs: initial, maxLRs: highs, stepSizeUp: stepSizeUp, stepSizeDown: stepSizeDown, mode: mode.rawValue,
        gamma: gamma, customScale: scaleFunction != nil, scaleMode: scaleMode, cycleMomentum: cycleMomentum,
        baseMomentums: base, maxMomentums: peak, lastEpoch: lastEpoch)
      s.scaleFunction = scaleFunction
      return s
    }
    scheduler.baseLRs = lows
    self = scheduler
    optimizer = next
  }

  /// The user's scale function at the coming step (PyTorch's `scale_fn`).
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    guard customScale else { return [] }
    guard let scaleFunction else { throw .type("CyclicLR has a custom scale but no scaleFunction") }
    let x = scaleMode == "cycle" ? Self.cycle(at: Double(epoch), totalSize: totalSize) : Double(epoch)
    return [scaleFunction(x)]
  }
}
