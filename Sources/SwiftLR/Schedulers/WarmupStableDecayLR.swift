#if canImport(Glibc)
  import Glibc
#endif

/// Warmup, a stable phase at the base lr, then a decay to `minLRRatio` times
/// the base lr (swiftlr's `WarmupStableDecayLR`, the "WSD" schedule).
///
/// An absolute schedule of `t = lastEpoch`: `lr = base * factor(t)` with
/// `W, S, D = warmup_steps, stable_steps, decay_steps`, `m = min_lr_ratio` and
///
///     t < W:            factor = t / W
///     t < W + S:        factor = 1
///     t < W + S + D:    factor = m + (1 - m) * d(p),  p = (t - W - S) / D
///     otherwise:        factor = m
///
/// where `d(p)` is `1 - p` ("linear"), `0.5 * (1 + cos(pi * p))` ("cosine")
/// or `1 - sqrt(p)` ("1-sqrt"). Each `d` is 0 at `p = 1`, so the decay meets
/// the final `m` exactly. It is its own closed form.
///
/// Against transformers' `get_wsd_schedule` (linear warmup, `num_cycles`
/// 0.5): identical when `m = 0`; with `m > 0` transformers' warmup starts at
/// `m` rather than 0 (its factor is `m + (1 - m) * t / W`), the other phases
/// are identical.
///
/// - Parameters:
///   - warmupSteps, stableSteps: lengths of the first two phases; 0 or more.
///   - decaySteps: length of the decay; positive.
///   - decayType: `"linear"`, `"cosine"` or `"1-sqrt"`. Default: `"cosine"`.
///   - minLRRatio: the final factor, in [0, 1]. Default: 0.
///
/// Edge cases: negative lengths, `decaySteps = 0`, an unknown decay type and
/// a ratio outside [0, 1] throw. A negative `lastEpoch` (only reachable
/// through `step(epoch)`) counts as step 0. Phase bounds are summed in
/// 128-bit integers, so no lengths or epochs near `Int.max` trap.
public struct WarmupStableDecayLR: AbsoluteSchedule, DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var warmupSteps = 0
  public var stableSteps = 0
  public var decaySteps = 1
  public var decayType = DecayType.linear
  public var minLRRatio = 0.0

  public init() {}

  /// The shape of the decay phase.
  public enum DecayType: String, CaseIterable, Sendable {
    case linear, cosine
    case oneMinusSqrt = "1-sqrt"

    /// The factor at progress `p` in [0, 1) of a decay to `m`:
    /// `m + (1 - m) * d(p)`, as transformers' `_get_wsd_scheduler_lambda`
    /// computes it (its `pi * 0.5 * 2.0 * p` is `pi * p` exactly).
    public func factor(_ p: Double, minLRRatio m: Double) -> Double {
      let d: Double
      switch self {
      case .linear: d = 1 - p
      case .oneMinusSqrt: d = 1 - sqrt(p)
      case .cosine: d = 0.5 * (1 + cos(Double.pi * p))
      }
      return m + (1 - m) * d
    }
  }

  public init(
    baseLRs: [Double], warmupSteps: Int, stableSteps: Int, decaySteps: Int, decayType: DecayType = .cosine,
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.warmupSteps = warmupSteps
      $0.stableSteps = stableSteps
      $0.setDecay(steps: decaySteps, type: decayType, minLRRatio: minLRRatio)
    }
  }

  public static let hyperparameters: [Hyperparameter<WarmupStableDecayLR>] =
    [
      .int("warmup_steps", \.warmupSteps, exact: true, where: checkWarmupSteps),
      .int("stable_steps", \.stableSteps, exact: true) { (v) throws(SchedulerError) in
        guard v >= 0 else { throw .value("stable_steps must be a non-negative integer, got \(v)") }
      },
    ] + decayHyperparameters(defaultType: .cosine)

  /// The decay's hyperparameters (`decay_steps`, `decay_type`, `min_lr_ratio`), shared with `CooldownLR`.
  static func decayHyperparameters<S: DecaySchedule>(defaultType: DecayType) -> [Hyperparameter<S>] {
    [
      .int("decay_steps", \.decaySteps, exact: true) { (v) throws(SchedulerError) in
        guard v > 0 else { throw .value("decay_steps must be a positive integer, got \(v)") }
      },
      .choice("decay_type", \.decayType, default: defaultType) {
        "Unknown decay type: \($0), expected 'linear', 'cosine' or '1-sqrt'"
      },
      .float("min_lr_ratio", \.minLRRatio, default: 0, exact: true, where: checkFactor("min_lr_ratio")),
    ]
  }

  /// The factor of the base lr at step `t`.
  func factor(_ t: Int) -> Double {
    if t < warmupSteps { return Double(t) / Double(warmupSteps) }
    // t >= warmupSteps >= 0 and stableSteps >= 0: no overflow (Int128 would be a slow software path).
    let intoDecay = t - warmupSteps - stableSteps
    if intoDecay < 0 { return 1 }
    if intoDecay >= decaySteps { return minLRRatio }
    return decayType.factor(Double(intoDecay) / Double(decaySteps), minLRRatio: minLRRatio)
  }

  public func lr(group: Int, at t: Int) -> Double {
    baseLRs[group] * factor(t)
  }
}

/// A schedule that ends in `WarmupStableDecayLR`'s decay phase: the decay's
/// hyperparameters are declared once for every such schedule.
protocol DecaySchedule: DeclaredScheduler {
  var decaySteps: Int { get set }
  var decayType: WarmupStableDecayLR.DecayType { get set }
  var minLRRatio: Double { get set }
}

extension DecaySchedule {
  /// Sets the decay's hyperparameters (the typed initializers' common part).
  mutating func setDecay(steps: Int, type: WarmupStableDecayLR.DecayType, minLRRatio: Double) {
    (decaySteps, decayType, self.minLRRatio) = (steps, type, minLRRatio)
  }
}

extension WarmupStableDecayLR: DecaySchedule {}
