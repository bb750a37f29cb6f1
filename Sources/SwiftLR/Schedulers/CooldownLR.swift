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
public struct CooldownLR: AbsoluteSchedule, DecaySchedule {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var decaySteps = 1
  public var decayType = WarmupStableDecayLR.DecayType.linear
  public var minLRRatio = 0.0

  public init() {}

  public init(
    baseLRs: [Double], decaySteps: Int, decayType: WarmupStableDecayLR.DecayType = .linear,
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.setDecay(steps: decaySteps, type: decayType, minLRRatio: minLRRatio)
    }
  }

  public static let hyperparameters: [Hyperparameter<CooldownLR>] =
    WarmupStableDecayLR.decayHyperparameters(defaultType: .linear)

  /// The factor of the starting lr at step `t >= 0`.
  func factor(_ t: Int) -> Double {
    t >= decaySteps ? minLRRatio : decayType.factor(Double(t) / Double(decaySteps), minLRRatio: minLRRatio)
  }

  public func lr(group: Int, at t: Int) -> Double {
    baseLRs[group] * factor(t)
  }
}
