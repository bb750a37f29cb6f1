#if canImport(Glibc)
  import Glibc
#endif

/// Cycles each group's lr between `base_lr` and `max_lr` (PyTorch's `CyclicLR`),
/// and optionally its momentum the opposite way.
///
/// At step `t` (`lastEpoch`): `cycle = floor(1 + t / total_size)`,
/// `x = 1 + t / total_size - cycle`, the scale factor rises as
/// `x / step_ratio` then falls as `(x - 1) / (step_ratio - 1)`, and
/// `lr = base_lr + (max_lr - base_lr) * factor * scale`, where `scale` is
/// 1 (`"triangular"`), `1 / 2 ** (cycle - 1)` (`"triangular2"`),
/// `gamma ** t` (`"exp_range"`), or a user function's value, which then
/// comes in as the step's one input.
///
/// - Parameters:
///   - baseLRs: the lower bounds (PyTorch's `base_lr`).
///   - maxLRs: the upper bounds.
///   - stepSizeUp, stepSizeDown: steps of the rising and falling halves
///     (`stepSizeDown` nil: equal to `stepSizeUp`). Default: 2000.
///   - mode: `"triangular"`, `"triangular2"` or `"exp_range"`.
///   - gamma: the base of `"exp_range"`. Default: 1.
///   - customScale: the scale comes from the caller (PyTorch's `scale_fn`);
///     then `scaleMode` says whether it is evaluated at the cycle or the step.
///   - cycleMomentum: whether momentum cycles between `maxMomentums` (at
///     `base_lr`) and `baseMomentums` (at `max_lr`); read by `momentum(group:)`.
///
/// Edge cases: PyTorch accepts `step_size_up <= 0` (and a total size of 0)
/// and then divides by zero or yields meaningless lrs; this type rejects a
/// non-positive `step_size_up` or negative `step_size_down` up front.
public struct CyclicLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var maxLRs: [Double]
  public var totalSize: Double
  public var stepRatio: Double
  public var mode: String
  public var gamma: Double
  public var scaleMode: String
  public var cycleMomentum: Bool
  public var baseMomentums: [Double]
  public var maxMomentums: [Double]
  public let customScale: Bool
  /// The value of the user's scale function at the last step.
  var scale = 1.0

  public init(
    baseLRs: [Double], maxLRs: [Double], stepSizeUp: Double = 2000, stepSizeDown: Double? = nil,
    mode: String = "triangular", gamma: Double = 1.0, customScale: Bool = false, scaleMode: String = "cycle",
    cycleMomentum: Bool = true, baseMomentums: [Double] = [], maxMomentums: [Double] = [], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let down = stepSizeDown ?? stepSizeUp
    guard stepSizeUp > 0, down >= 0 else {
      throw .value("step_size_up must be positive and step_size_down non-negative, got \(stepSizeUp) and \(down)")
    }
    guard customScale || ["triangular", "triangular2", "exp_range"].contains(mode) else {
      throw .value("mode is invalid and scale_fn is None")
    }
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.maxLRs = maxLRs
    self.totalSize = stepSizeUp + down
    self.stepRatio = stepSizeUp / totalSize
    self.mode = mode
    self.gamma = gamma
    self.customScale = customScale
    // PyTorch's `_init_scale_fn`: the built-in modes fix the scale mode.
    self.scaleMode = customScale ? scaleMode : (mode == "exp_range" ? "iterations" : "cycle")
    self.cycleMomentum = cycleMomentum
    self.baseMomentums = cycleMomentum ? baseMomentums : []
    self.maxMomentums = cycleMomentum ? maxMomentums : []
    try validate()
  }

  public init(config: SchedulerConfig) throws(SchedulerError) {
    let groups = try config.doubles("base_lrs").count
    let cycle = try config.bool("cycle_momentum", default: true)
    let down: Double? =
      config["step_size_down"] == nil || config["step_size_down"] == SchedulerValue.none
      ? nil : try config.double("step_size_down")
    try self.init(
      baseLRs: config.doubles("base_lrs"), maxLRs: config.perGroup("max_lr", groups: groups),
      stepSizeUp: config.double("step_size_up", default: 2000), stepSizeDown: down,
      mode: config.string("mode", default: "triangular"), gamma: config.double("gamma", default: 1.0),
      customScale: config.bool("custom_scale_fn", default: false),
      scaleMode: config.string("scale_mode", default: "cycle"), cycleMomentum: cycle,
      baseMomentums: cycle ? config.perGroup("base_momentum", groups: groups, default: 0.8) : [],
      maxMomentums: cycle ? config.perGroup("max_momentum", groups: groups, default: 0.9) : [],
      lastEpoch: config.int("last_epoch", default: -1))
  }

  public static let fields: [SchedulerField<CyclicLR>] = [
    .doubles("max_lrs", \.maxLRs), .double("total_size", \.totalSize), .double("step_ratio", \.stepRatio),
    .string("mode", \.mode), .double("gamma", \.gamma), .string("scale_mode", \.scaleMode),
    .bool("cycle_momentum", \.cycleMomentum), .doubles("base_momentums", \.baseMomentums),
    .doubles("max_momentums", \.maxMomentums),
  ]

  public var inputCount: Int { customScale ? 1 : 0 }

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
    guard maxLRs.count == baseLRs.count else {
      throw .value("max_lrs has \(maxLRs.count) values, the optimizer has \(baseLRs.count) param groups")
    }
    guard totalSize > 0, stepRatio > 0, stepRatio <= 1 else {
      throw .value("total_size must be positive and step_ratio in (0, 1], got \(totalSize) and \(stepRatio)")
    }
    guard customScale || ["triangular", "triangular2", "exp_range"].contains(mode) else {
      throw .value("mode is invalid and scale_fn is None")
    }
    if cycleMomentum {
      guard baseMomentums.count == baseLRs.count, maxMomentums.count == baseLRs.count else {
        throw .value("base_momentums and max_momentums need one value per param group")
      }
    }
  }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try checkedIncrement(lastEpoch)
    if customScale, let value = inputs.first { scale = value }
  }

  public mutating func advance(toEpoch epoch: Double, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try exactEpoch(epoch)
    if customScale, let value = inputs.first { scale = value }
  }

  /// The cycle number and the scale factor of the current step (PyTorch's `get_lr` prologue).
  var position: (cycle: Double, factor: Double) {
    let t = Double(lastEpoch)
    let cycle = (1 + t / totalSize).rounded(.down)
    let x = 1.0 + t / totalSize - cycle
    let factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
    return (cycle, factor)
  }

  /// The scale of the amplitude: the built-in mode's, or the caller's.
  func scale(cycle: Double) -> Double {
    if customScale { return scale }
    switch mode {
    case "triangular2": return 1 / pow(2.0, cycle - 1)
    case "exp_range": return pow(gamma, Double(lastEpoch))
    default: return 1.0
    }
  }

  /// PyTorch's base and max lrs are the Python floats given: the lr is
  /// computed in float64, then stored into the group's lr.
  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    guard group < maxLRs.count else { return current }
    let (cycle, factor) = position
    let height = (maxLRs[group] - baseLRs[group]) * factor
    return current.storing(baseLRs[group] + height * scale(cycle: cycle))
  }

  public func momentum(group: Int) -> Double? {
    guard cycleMomentum, group < maxMomentums.count, group < baseMomentums.count else { return nil }
    let (cycle, factor) = position
    let height = (maxMomentums[group] - baseMomentums[group]) * factor
    return maxMomentums[group] - height * scale(cycle: cycle)
  }
}
