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
public struct WarmupStableDecayLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var warmupSteps: Int
  public var stableSteps: Int
  public var decaySteps: Int
  public var decayType: String
  public var minLRRatio: Double

  public static let decayTypes = ["linear", "cosine", "1-sqrt"]

  public init(
    baseLRs: [Double], warmupSteps: Int, stableSteps: Int, decaySteps: Int, decayType: String = "cosine",
    minLRRatio: Double = 0, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.warmupSteps = warmupSteps
    self.stableSteps = stableSteps
    self.decaySteps = decaySteps
    self.decayType = decayType
    self.minLRRatio = minLRRatio
    self.lastEpoch = lastEpoch
    try validate()
  }

  public init(config: SchedulerConfig) throws(SchedulerError) {
    try self.init(
      baseLRs: config.doubles("base_lrs"), warmupSteps: config.int("warmup_steps"),
      stableSteps: config.int("stable_steps"), decaySteps: config.int("decay_steps"),
      decayType: config.string("decay_type", default: "cosine"),
      minLRRatio: config.double("min_lr_ratio", default: 0), lastEpoch: config.int("last_epoch", default: -1))
  }

  public static let fields: [SchedulerField<WarmupStableDecayLR>] = [
    .int("warmup_steps", \.warmupSteps), .int("stable_steps", \.stableSteps), .int("decay_steps", \.decaySteps),
    .string("decay_type", \.decayType), .double("min_lr_ratio", \.minLRRatio),
  ]

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
    try validateWarmupSteps(warmupSteps)
    guard stableSteps >= 0 else { throw .value("stable_steps must be a non-negative integer, got \(stableSteps)") }
    guard decaySteps > 0 else { throw .value("decay_steps must be a positive integer, got \(decaySteps)") }
    guard Self.decayTypes.contains(decayType) else {
      throw .value("Unknown decay type: \(decayType), expected 'linear', 'cosine' or '1-sqrt'")
    }
    try validateFactor("min_lr_ratio", minLRRatio)
  }

  /// The factor of the base lr at step `t`.
  func factor(_ t: Int) -> Double {
    if t < warmupSteps { return Double(t) / Double(warmupSteps) }
    let intoDecay = Int128(t) - Int128(warmupSteps) - Int128(stableSteps)
    if intoDecay < 0 { return 1 }
    if intoDecay >= Int128(decaySteps) { return minLRRatio }
    let p = Double(intoDecay) / Double(decaySteps)
    let d: Double
    switch decayType {
    case "linear": d = 1 - p
    case "1-sqrt": d = 1 - sqrt(p)
    default: d = 0.5 * (1 + cos(Double.pi * p))
    }
    return minLRRatio + (1 - minLRRatio) * d
  }

  /// Computed in float64, then stored into the group's lr (a tensor's dtype).
  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    current.storing(warmupLR(group: group))
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    current.storing(warmupLR(group: group))
  }

  func warmupLR(group: Int) -> Double {
    baseLRs[group] * factor(max(lastEpoch, 0))
  }
}
