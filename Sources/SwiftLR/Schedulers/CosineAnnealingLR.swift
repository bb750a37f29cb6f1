#if canImport(Glibc)
  import Glibc
#endif

/// Anneals each group's lr along a cosine from its base lr to `etaMin` over
/// `tMax` epochs (PyTorch's `CosineAnnealingLR`, without restarts).
///
/// The step rule is PyTorch's chained recurrence, branch for branch: keep
/// the lr on the initial step; the closed form on the first step of a
/// resumed scheduler; an additive step where the cosine's ratio would divide
/// by zero (`(last_epoch - 1 - T_max) % (2 * T_max) == 0`); otherwise scale
/// `lr - eta_min` by the ratio of successive `1 + cos` values.
///
/// - Parameters:
///   - tMax: half period of the cosine, in epochs (PyTorch's `T_max`); not 0.
///     An int or a float (`T_max=10.5`), as PyTorch computes with either.
///   - etaMin: the minimum lr. Default: 0.
///   - stepCount: PyTorch's `_step_count`, counted by the caller (the Python
///     layer increments it before each `step()`).
///   - isInitial: PyTorch's `_is_initial` (set by the Python layer during the
///     constructor's initial step).
///
/// Edge cases: PyTorch accepts `T_max = 0` and then divides by zero at the
/// first step; this type rejects it up front. The branch test is done in
/// 128-bit arithmetic, so no epoch or `T_max` can overflow it.
public struct CosineAnnealingLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var tMax: IntOrFloat
  public var etaMin: Double
  public var stepCount = 0
  public var isInitial = false

  public init(baseLRs: [Double], tMax: IntOrFloat, etaMin: Double = 0.0, lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.tMax = tMax
    self.etaMin = etaMin
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .intOrFloat("T_max") { (v) throws(SchedulerError) in
      guard v.double != 0 else { throw .value("T_max must not be 0: the schedule divides by T_max") }
    },
    .float("eta_min", default: 0.0),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), tMax: a.intOrFloat("T_max"), etaMin: a.double("eta_min"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<CosineAnnealingLR>] = [
    .intOrFloat("T_max", \.tMax), .double("eta_min", \.etaMin),
  ]

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs)
  }

  /// What every group's next lr shares at `epoch` (PyTorch computes it per
  /// group): whether the cosine restarts its rise there, and the recurrence's
  /// ratio. `move(to:)` computes it once per step; a state changed any other
  /// way (fields set, a Swift caller's writes) is seen by the epoch and
  /// `T_max` it was computed for, and recomputed.
  ///
  /// The ratio's denominator, `cos(pi * (epoch - 1) / T_max)`, is the
  /// numerator's cosine of the epoch before, computed from the same double:
  /// a step after a step takes it from there (one cosine per step, not two).
  struct Shared: Sendable {
    var epoch = Int.min
    var tMax: IntOrFloat = 0
    var rises = false
    var ratio = 0.0
    /// `cos(pi * epoch / T_max)`.
    var cosine = Double.nan
    /// Whether `ratio` divided by zero (Python raises there).
    var dividesByZero = false

    init() {}

    init(epoch: Int, tMax: IntOrFloat, after previous: Shared? = nil) {
      let t = tMax.double
      self.epoch = epoch
      self.tMax = tMax
      rises = epoch > Int.min && CosineAnnealingLR.rises(at: epoch, tMax: tMax)
      cosine = cos(Double.pi * Double(epoch) / t)
      let before =
        if let previous, previous.tMax == tMax, epoch > Int.min, previous.epoch == epoch - 1 {
          previous.cosine
        } else {
          cos(Double.pi * floatOfDifference(epoch, 1) / t)
        }
      ratio = (1 + cosine) / (1 + before)
      dividesByZero = 1 + before == 0
    }
  }
  var shared = Shared()

  /// PyTorch's `(last_epoch - 1 - T_max) % (2 * T_max) == 0`: in ints (128
  /// bits where 64 could overflow), or, for a float `T_max`, in doubles from
  /// `float(last_epoch - 1)`, as Python computes it; `epoch > Int.min`.
  static func rises(at epoch: Int, tMax: IntOrFloat) -> Bool {
    switch tMax {
    case .int(let t): return differenceIsMultiple(epoch - 1, t, ofTwice: t)
    case .float(let t): return fmod(Double(epoch - 1) - t, 2 * t) == 0
    }
  }

  /// One chained step. The ratio's denominator, `1 + cos(pi * (epoch - 1) /
  /// T_max)`, can round to 0 where the restart test misses it (a float
  /// `T_max`, or an int one near 2**53); PyTorch then raises
  /// ZeroDivisionError, and so does this, changing nothing.
  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    let next = Shared(epoch: epoch, tMax: tMax, after: shared)
    if next.dividesByZero && !next.rises && !isInitial && !(stepCount == 1 && epoch > 0) {
      throw SchedulerError(.zeroDivision, "float division by zero")
    }
    (lastEpoch, shared) = (epoch, next)
  }

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = epoch
    shared = Shared(epoch: epoch, tMax: tMax, after: shared)
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    let t = tMax.double
    if isInitial { return current }
    let base = baseLR(group, like: current)
    if stepCount == 1 && lastEpoch > 0 {
      let wave: Double = 1 + cos(Double(lastEpoch) * Double.pi / t)
      return etaMin + (base - etaMin) * wave / 2
    }
    let now = shared.epoch == lastEpoch && shared.tMax == tMax ? shared : Shared(epoch: lastEpoch, tMax: tMax)
    if now.rises {
      let rise: Double = 1 - cos(Double.pi / t)
      return current + (base - etaMin) * rise / 2
    }
    return now.ratio * (current - etaMin) + etaMin
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    let wave: Double = 1 + cos(Double.pi * Double(lastEpoch) / tMax.double)
    return etaMin + (baseLR(group, like: current) - etaMin) * wave / 2
  }
}
