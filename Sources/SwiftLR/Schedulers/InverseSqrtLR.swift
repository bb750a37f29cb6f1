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
public struct InverseSqrtLR: AbsoluteSchedule {
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
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .int("warmup_steps", exact: true, where: checkWarmupSteps),
    .optionalInt("timescale", exact: true) { (v) throws(SchedulerError) in
      guard v > 0 else { throw .value("timescale must be a positive integer, got \(v)") }
    },
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), warmupSteps: a.int("warmup_steps"),
      timescale: a.optional("timescale") == nil ? nil : a.int("timescale"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<InverseSqrtLR>] = [
    .int("warmup_steps", \.warmupSteps), .int("timescale", \.timescale),
  ]

  /// The factor of the base lr at step `t`.
  func factor(_ t: Int) -> Double {
    if t < warmupSteps { return Double(t) / Double(warmupSteps) }
    // t >= warmupSteps >= 0: only adding the timescale can overflow (then 128 bits, a slow software path).
    // The reference divides two ints: correctly rounded past 2**53 (`trueDivide`).
    let (sum, overflow) = (t - warmupSteps).addingReportingOverflow(timescale)
    let ratio =
      overflow ? Double(Int128(t - warmupSteps) + Int128(timescale)) / Double(timescale) : trueDivide(sum, timescale)
    return 1.0 / sqrt(ratio)
  }

  public func lr(group: Int, at t: Int) -> Double {
    baseLRs[group] * factor(t)
  }
}
