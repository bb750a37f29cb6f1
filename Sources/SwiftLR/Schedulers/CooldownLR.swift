// MARK: - CooldownLR

/// A decay from the lrs the groups hold when it starts, to `minLRRatio` times
/// them over `decaySteps` steps (swiftlr's `CooldownLR`): the "D" of a
/// warmup-stable-decay run, branched from any step.
///
/// An absolute schedule of `t = lastEpoch`, with `baseLRs` the lrs at the
/// start (not `initial_lr`), `D = decay_steps` and `m = min_lr_ratio`:
///
///     t < D:      lr = base * (m + (1 - m) * d(t / D))
///     otherwise:  lr = base * m
///
/// where `d(p)` is `1 - p` ("linear"), `0.5 * (1 + cos(pi * p))` ("cosine")
/// or `1 - sqrt(p)` ("1-sqrt"): `WarmupStableDecayLR`'s decay, the same
/// function. Started where transformers' `get_wsd_schedule` starts decaying
/// (its lr is then the base lr), its lrs equal that schedule's bit for bit.
///
/// - Parameters:
///   - decaySteps: length of the decay; positive.
///   - decayType: `"linear"`, `"cosine"` or `"1-sqrt"`. Default: `"linear"`.
///   - minLRRatio: the final factor, in [0, 1]. Default: 0.
///
/// Edge cases: `decaySteps <= 0`, an unknown decay type and a ratio outside
/// [0, 1] throw. A negative `lastEpoch` (only reachable through
/// `step(epoch)`) counts as step 0.
public struct CooldownLR: AbsoluteSchedule {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var decaySteps: Int
  public var decayType: WarmupStableDecayLR.DecayType
  public var minLRRatio: Double

  public init(
    baseLRs: [Double], decaySteps: Int, decayType: WarmupStableDecayLR.DecayType = .linear,
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.decaySteps = decaySteps
    self.decayType = decayType
    self.minLRRatio = minLRRatio
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments = WarmupStableDecayLR.decayArguments(defaultType: .linear)

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), decaySteps: a.int("decay_steps"), decayType: a.choice("decay_type"),
      minLRRatio: a.double("min_lr_ratio"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<CooldownLR>] = [
    .int("decay_steps", \.decaySteps), .choice("decay_type", \.decayType), .double("min_lr_ratio", \.minLRRatio),
  ]

  /// The factor of the starting lr at step `t >= 0`.
  func factor(_ t: Int) -> Double {
    t >= decaySteps ? minLRRatio : decayType.factor(Double(t) / Double(decaySteps), minLRRatio: minLRRatio)
  }

  public func lr(group: Int, at t: Int) -> Double {
    baseLRs[group] * factor(t)
  }
}
