#if canImport(Glibc)
  import Glibc
#endif

/// Linear warmup, then decay with the inverse square root of the step
/// (swiftlr's `InverseSqrtLR`; transformers' `get_inverse_sqrt_schedule`).
///
/// An absolute schedule of `t = lastEpoch`: `lr = base * factor(t)` with
///
///     t <  warmup_steps:  factor = t / warmup_steps
///     t >= warmup_steps:  factor = 1 / sqrt((t + timescale - warmup_steps) / timescale)
///
/// computed operation for operation as transformers' lambda, so the lrs equal
/// those of `get_inverse_sqrt_schedule` under PyTorch's `LambdaLR`
/// (`base * factor`) bit for bit. It is its own closed form.
///
/// - Parameters:
///   - warmupSteps: steps of the linear warmup; 0 for none.
///   - timescale: the decay's time scale, positive. Default (nil):
///     `warmupSteps`, or 10,000 when that is 0.
///
/// Edge cases: a negative `warmupSteps` or a non-positive `timescale` throws.
/// A negative `lastEpoch` (only reachable through `step(epoch)`) counts as
/// step 0. `t + timescale - warmupSteps` is summed in 128-bit integers, so no
/// epoch near `Int.max` traps.
public struct InverseSqrtLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var warmupSteps: Int
  public var timescale: Int

  /// transformers' default when neither `timescale` nor `warmup_steps` gives one.
  public static let defaultTimescale = 10_000

  public init(baseLRs: [Double], warmupSteps: Int, timescale: Int? = nil, lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.warmupSteps = warmupSteps
    self.timescale = timescale ?? (warmupSteps != 0 ? warmupSteps : Self.defaultTimescale)
    self.lastEpoch = lastEpoch
    try validate()
  }

  public init(config: SchedulerConfig) throws(SchedulerError) {
    let timescale: Int?
    if let value = config["timescale"], value != .none {
      timescale = try value.asInt("timescale")
    } else {
      timescale = nil
    }
    try self.init(
      baseLRs: config.doubles("base_lrs"), warmupSteps: config.int("warmup_steps"), timescale: timescale,
      lastEpoch: config.int("last_epoch", default: -1))
  }

  public static let fields: [SchedulerField<InverseSqrtLR>] = [
    .int("warmup_steps", \.warmupSteps), .int("timescale", \.timescale),
  ]

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
    try validateWarmupSteps(warmupSteps)
    guard timescale > 0 else { throw .value("timescale must be a positive integer, got \(timescale)") }
  }

  /// The factor of the base lr at step `t`.
  func factor(_ t: Int) -> Double {
    if t < warmupSteps { return Double(t) / Double(warmupSteps) }
    let shifted = Int128(t) + Int128(timescale) - Int128(warmupSteps)
    return 1.0 / sqrt(Double(shifted) / Double(timescale))
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
