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
  /// The built-in scaling policies (PyTorch's `mode`).
  public enum Mode: String, CaseIterable, Sendable {
    case triangular, triangular2
    case expRange = "exp_range"
  }

  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var maxLRs: [Double]
  public var totalSize: Double
  public var stepRatio: Double
  /// PyTorch keeps `mode` as given: any string when a `scale_fn` replaces it.
  public var mode: String {
    didSet { policy = Mode(rawValue: mode) }
  }
  /// `mode` as a policy; nil for a string that is none (with a custom scale).
  private(set) var policy: Mode?
  public var gamma: Double
  public var scaleMode: String
  public var cycleMomentum: Bool
  public var baseMomentums: [Double]
  public var maxMomentums: [Double]
  public let customScale: Bool
  /// The value of the user's scale function at the last step.
  var scale = 1.0
  /// The user's scale function (PyTorch's `scale_fn`) when built on an
  /// optimizer with one; nil when the caller passes its value with each step.
  public var scaleFunction: ((Double) -> Double)?

  public init(
    baseLRs: [Double], maxLRs: [Double], stepSizeUp: Double = 2000, stepSizeDown: Double? = nil,
    mode: String = "triangular", gamma: Double = 1.0, customScale: Bool = false, scaleMode: String = "cycle",
    cycleMomentum: Bool = true, baseMomentums: [Double] = [], maxMomentums: [Double] = [], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let down = stepSizeDown ?? stepSizeUp
    guard stepSizeUp > 0, down >= 0 else {
      throw .value("step_size_up must be positive and step_size_down non-negative, got \(stepSizeUp) and \(down)")
    }
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.maxLRs = maxLRs
    self.totalSize = stepSizeUp + down
    self.stepRatio = stepSizeUp / totalSize
    self.mode = mode
    self.policy = Mode(rawValue: mode)
    self.gamma = gamma
    self.customScale = customScale
    // PyTorch's `_init_scale_fn`: the built-in modes fix the scale mode.
    self.scaleMode = customScale ? scaleMode : (mode == "exp_range" ? "iterations" : "cycle")
    self.cycleMomentum = cycleMomentum
    self.baseMomentums = cycleMomentum ? baseMomentums : []
    self.maxMomentums = cycleMomentum ? maxMomentums : []
    try checkState()
  }

  /// In PyTorch's order. `base_lr` (None: `base_lrs`) is checked here; the
  /// Python class writes it into the groups and makes it `base_lrs` after the
  /// initial step, as PyTorch does. `custom_scale_fn`: the Python class has a `scale_fn`.
  public static let arguments: [SchedulerArgument] = [
    .perGroup("base_lr", default: SchedulerValue.none), .perGroup("max_lr"),
    .float("step_size_up", default: 2000), .optionalFloat("step_size_down"),
    .string("mode", default: Mode.triangular.rawValue), .float("gamma", default: 1.0),
    .bool("custom_scale_fn", default: false), .string("scale_mode", default: "cycle"),
    .bool("cycle_momentum", default: true), .perGroup("base_momentum", default: .double(0.8)),
    .perGroup("max_momentum", default: .double(0.9)),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    let (mode, custom) = (try a.string("mode"), try a.bool("custom_scale_fn"))
    let cycle = try a.bool("cycle_momentum")
    try self.init(
      baseLRs: a.doubles("base_lrs"), maxLRs: a.perGroup("max_lr"), stepSizeUp: a.double("step_size_up"),
      stepSizeDown: a.optional("step_size_down") == nil ? nil : a.double("step_size_down"), mode: mode,
      gamma: a.double("gamma"), customScale: custom, scaleMode: a.string("scale_mode"), cycleMomentum: cycle,
      baseMomentums: cycle ? a.perGroup("base_momentum") : [], maxMomentums: cycle ? a.perGroup("max_momentum") : [],
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<CyclicLR>] = [
    .doubles("max_lrs", \.maxLRs), .double("total_size", \.totalSize), .double("step_ratio", \.stepRatio),
    .string("mode", \.mode), .double("gamma", \.gamma), .string("scale_mode", \.scaleMode),
    .bool("cycle_momentum", \.cycleMomentum), .doubles("base_momentums", \.baseMomentums),
    .doubles("max_momentums", \.maxMomentums),
  ]

  public var inputCount: Int { customScale ? 1 : 0 }

  public func validate() throws(SchedulerError) {
    guard maxLRs.count == baseLRs.count else {
      throw .value("max_lrs has \(maxLRs.count) values, the optimizer has \(baseLRs.count) param groups")
    }
    guard totalSize > 0, stepRatio > 0, stepRatio <= 1 else {
      throw .value("total_size must be positive and step_ratio in (0, 1], got \(totalSize) and \(stepRatio)")
    }
    guard customScale || policy != nil else { throw .value("mode is invalid and scale_fn is None") }
    if cycleMomentum {
      guard baseMomentums.count == baseLRs.count, maxMomentums.count == baseLRs.count else {
        throw .value("base_momentums and max_momentums need one value per param group")
      }
    }
  }

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    // PyTorch's built-in scale is a float power: at a huge cycle (or step, for
    // exp_range) it raises OverflowError, where `pow` gives inf.
    if !customScale, let policy, policy != .triangular {
      let t = Double(epoch)
      try policy == .expRange ? checkPower(gamma, t) : checkPower(2.0, Self.cycle(at: t, totalSize: totalSize) - 1)
    }
    lastEpoch = epoch
    if customScale, let value = inputs.first { scale = value }
  }

  /// The cycle number and the scale factor of the current step (PyTorch's `get_lr` prologue).
  var position: (cycle: Double, factor: Double) {
    let t = Double(lastEpoch)
    let cycle = Self.cycle(at: t, totalSize: totalSize)
    let x = 1.0 + t / totalSize - cycle
    let factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
    return (cycle, factor)
  }

  /// The cycle number of step `t`, `floor(1 + t / total_size)`: also what
  /// PyTorch passes a user's `scale_fn` in `"cycle"` scale mode.
  public static func cycle(at t: Double, totalSize: Double) -> Double {
    (1 + t / totalSize).rounded(.down)
  }

  /// The scale of the amplitude: the built-in mode's, or the caller's.
  func scale(cycle: Double) -> Double {
    if customScale { return scale }
    return Self.scale(policy ?? .triangular, gamma: gamma, at: policy == .expRange ? Double(lastEpoch) : cycle)
  }

  /// A built-in policy's scale at `x` (the cycle number, or the step for
  /// `exp_range`): PyTorch's `_triangular_scale_fn` and its two siblings.
  public static func scale(_ policy: Mode, gamma: Double, at x: Double) -> Double {
    switch policy {
    case .triangular: return 1.0
    case .triangular2: return 1 / pow(2.0, x - 1)
    case .expRange: return pow(gamma, x)
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
