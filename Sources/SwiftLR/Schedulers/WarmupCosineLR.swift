#if canImport(Glibc)
  import Glibc
#endif

/// Linear warmup, then cosine annealing to `etaMin` (swiftlr's `WarmupCosineLR`;
/// PyTorch has no such scheduler).
///
/// An absolute schedule of `t = lastEpoch` and each group's base lr:
///
///     t <  warmup_steps:  base * (warmup_start_factor + (1 - warmup_start_factor) * t / warmup_steps)
///     t <= total_steps:   eta_min + (base - eta_min) * 0.5 * (1 + cos(pi * (t - warmup_steps) / (total_steps - warmup_steps)))
///     t >  total_steps:   eta_min
///
/// Both `step()` and `step(epoch)` use it (it is its own closed form), so
/// changes made to the lrs from outside do not carry on.
///
/// - Parameters:
///   - warmupSteps: steps of the linear warmup; 0 for none.
///   - totalSteps: the step at which the cosine reaches `etaMin`; greater than `warmupSteps`.
///   - etaMin: the final lr (absolute, not a factor). Default: 0.
///   - warmupStartFactor: the factor of the base lr at step 0, in [0, 1]. Default: 0.
///
/// Edge cases: `totalSteps <= warmupSteps` (the cosine would divide by
/// zero or run backwards), negative step counts, a factor outside [0, 1] and
/// a negative or non-finite `etaMin` throw. A negative `lastEpoch` (only
/// reachable through `step(epoch)`) counts as step 0. Step differences are
/// taken in 128-bit integers, so no epoch near `Int.max` traps.
public struct WarmupCosineLR: AbsoluteSchedule {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var warmupSteps: Int
  public var totalSteps: Int
  public var etaMin: Double
  public var warmupStartFactor: Double

  public init(
    baseLRs: [Double], warmupSteps: Int, totalSteps: Int, etaMin: Double = 0, warmupStartFactor: Double = 0,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.warmupSteps = warmupSteps
    self.totalSteps = totalSteps
    self.etaMin = etaMin
    self.warmupStartFactor = warmupStartFactor
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .int("warmup_steps", exact: true, where: checkWarmupSteps), .int("total_steps", exact: true),
    .float("eta_min", default: 0, exact: true) { (v) throws(SchedulerError) in
      guard v.isFinite, v >= 0 else { throw .value("eta_min must be a non-negative finite float, got \(v)") }
    },
    .float("warmup_start_factor", default: 0, exact: true, where: checkFactor("warmup_start_factor")),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), warmupSteps: a.int("warmup_steps"), totalSteps: a.int("total_steps"),
      etaMin: a.double("eta_min"), warmupStartFactor: a.double("warmup_start_factor"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<WarmupCosineLR>] = [
    .int("warmup_steps", \.warmupSteps), .int("total_steps", \.totalSteps),
    .double("eta_min", \.etaMin), .double("warmup_start_factor", \.warmupStartFactor),
  ]

  public func validate() throws(SchedulerError) {
    guard totalSteps > warmupSteps else {
      throw .value(
        "total_steps must be greater than warmup_steps (the cosine phase would be empty), "
          + "got total_steps=\(totalSteps), warmup_steps=\(warmupSteps)")
    }
  }

  public func lr(group: Int, at t: Int) -> Double {
    let base = baseLRs[group]
    if t < warmupSteps {
      // Python's left-to-right order: ((1 - f) * t) / w, then f + that.
      return base * (warmupStartFactor + (1 - warmupStartFactor) * Double(t) / Double(warmupSteps))
    }
    if t <= totalSteps {
      return annealed(base, cosine: cos(angle(at: t, span: floatOfDifference(totalSteps, warmupSteps))))
    }
    return etaMin
  }

  /// The cosine phase's angle at step `t`: `pi * (t - warmup_steps) / span`,
  /// `span` being `total_steps - warmup_steps` as a float (hoisted by `lrs`).
  @inline(__always)
  func angle(at t: Int, span: Double) -> Double {
    Double.pi * floatOfDifference(t, warmupSteps) / span
  }

  /// The cosine phase's lr from its angle's cosine, in the docstring's order of operations.
  @inline(__always)
  func annealed(_ base: Double, cosine: Double) -> Double {
    etaMin + (base - etaMin) * 0.5 * (1 + cosine)
  }

  /// `lr(group:at:)` at each step, a block at a time: the cosine phase's
  /// angles first (1 elsewhere, an angle `cosines` takes without `cos`), then
  /// their cosines by `cosines` (bit for bit `cos`, mostly vectorized).
  public func lrs(group: Int, at steps: UnsafeBufferPointer<Int64>, into out: UnsafeMutableBufferPointer<Double>) {
    let (base, span) = (baseLRs[group], floatOfDifference(totalSteps, warmupSteps))
    var start = 0
    while start < out.count {
      let block = UnsafeMutableBufferPointer(rebasing: out[start..<min(start + 512, out.count)])
      for j in block.indices {
        let t = Int(steps[start + j])
        let cosine = t >= warmupSteps && t <= totalSteps
        block[j] = cosine ? angle(at: t, span: span) : 1
      }
      cosines(block)
      for j in block.indices {
        let t = Int(steps[start + j])
        let lr = annealed(base, cosine: block[j])
        block[j] = t >= warmupSteps && t <= totalSteps ? lr : self.lr(group: group, at: t)
      }
      start += block.count
    }
  }
}

// MARK: - Shared checks of the warmup schedulers

@Sendable func checkWarmupSteps(_ warmupSteps: Int) throws(SchedulerError) {
  guard warmupSteps >= 0 else { throw .value("warmup_steps must be a non-negative integer, got \(warmupSteps)") }
}

/// A factor of the base lr that must lie in [0, 1] (NaN fails).
func checkFactor(_ name: String) -> @Sendable (Double) throws(SchedulerError) -> Void {
  { (value) throws(SchedulerError) in
    guard value >= 0, value <= 1 else { throw .value("\(name) must be between 0 and 1, got \(value)") }
  }
}
