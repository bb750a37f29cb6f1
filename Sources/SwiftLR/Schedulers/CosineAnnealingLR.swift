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
public struct CosineAnnealingLR: DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var tMax: IntOrFloat = 1
  public var etaMin = 0.0
  public var stepCount = 0
  public var isInitial = false

  public init() {}

  public init(baseLRs: [Double], tMax: IntOrFloat, etaMin: Double = 0.0, lastEpoch: Int = -1) throws(SchedulerError) {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.tMax = tMax
      $0.etaMin = etaMin
    }
  }

  public static let hyperparameters: [Hyperparameter<CosineAnnealingLR>] = [
    .intOrFloat("T_max", \.tMax) { (v) throws(SchedulerError) in
      guard v.double != 0 else { throw .value("T_max must not be 0: the schedule divides by T_max") }
    },
    .float("eta_min", \.etaMin, default: 0.0),
  ]

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
    case .bool: return rises(at: epoch, tMax: tMax.number)
    }
  }

  /// One chained step. The ratio's denominator, `1 + cos(pi * (epoch - 1) /
  /// T_max)`, can round to 0 where the restart test misses it (a float
  /// `T_max`, or an int one near 2**53); PyTorch then raises
  /// ZeroDivisionError, and so does this, changing nothing.
  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    let next = Shared(epoch: epoch, tMax: tMax, after: shared)
    try checkRatio(next, epoch: epoch)
    (lastEpoch, shared) = (epoch, next)
  }

  /// `get_lr()` at the current state divides as a step to it does.
  public func checkChainedLR() throws(SchedulerError) {
    try checkRatio(
      shared.epoch == lastEpoch && shared.tMax == tMax ? shared : Shared(epoch: lastEpoch, tMax: tMax), epoch: lastEpoch
    )
  }

  /// Throws PyTorch's ZeroDivisionError where `chainedLR` at `epoch` takes the ratio and its denominator is 0.
  func checkRatio(_ next: Shared, epoch: Int) throws(SchedulerError) {
    if next.dividesByZero && !next.rises && !isInitial && !(stepCount == 1 && epoch > 0) {
      throw SchedulerError(.zeroDivision, "float division by zero")
    }
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

// MARK: - Fast-forward

extension CosineAnnealingLR {
  /// `steps` steps: the first by `step` (it holds the initial and resumed
  /// branches), the others by the same recurrence in one loop: one cosine
  /// per step, each computed from the same double as `Shared`'s, the restart
  /// test by a counter instead of a division, the groups' lrs updated by the
  /// expressions of `chainedLR`. Bit for bit `steps` calls of `step`.
  /// Tensor lrs, a step count that could reach 1 again, and epochs or `T_max`
  /// near the integer limits take `step` all the way.
  public mutating func stepRepeatedly(
    _ lrs: UnsafeMutableBufferPointer<Double>, steps: Int, inputs: UnsafeBufferPointer<Double>, stepCount: Int?,
    countingSteps: Bool, precisions: UnsafeBufferPointer<Int32>
  ) throws(SchedulerError) {
    guard steps > 0 else { return }
    let first = fastForwardContext(0, stepCount: stepCount, countingSteps: countingSteps)
    try step(lrs, epoch: nil, inputs: inputs, context: first, precisions: precisions)
    let rest = steps - 1
    let countsOn = stepCount.map { countingSteps && $0 >= 0 } ?? (self.stepCount >= 1)
    let small = 1 << 60  // epochs, steps and T_max below it: no sum below can overflow
    // An int T_max only: a float one's restart test and zero divisions are `step`'s.
    let intTMax: Int? = if case .int(let t) = tMax { t } else { nil }
    guard rest > 0, precisions.isEmpty, countsOn, abs(lastEpoch) < small, rest < small, let tMax = intTMax,
      abs(tMax) < small, shared.epoch == lastEpoch, shared.tMax == .int(tMax)
    else {
      for k in 1..<steps {
        let context = fastForwardContext(k, stepCount: stepCount, countingSteps: countingSteps)
        try step(lrs, epoch: nil, inputs: inputs, context: context, precisions: precisions)
      }
      return
    }
    let period = 2 * abs(tMax)
    let t = Double(tMax)
    let rise: Double = 1 - cos(Double.pi / t)
    // (epoch - 1 - T_max) modulo 2 T_max, for the next epoch; 0 where the cosine restarts its rise.
    var phase = (lastEpoch - tMax) % period
    if phase < 0 { phase += period }
    var cosine = shared.cosine
    var last = shared
    for _ in 0..<rest {
      let epoch = lastEpoch + 1
      let before = cosine
      cosine = cos(Double.pi * Double(epoch) / t)
      let ratio = (1 + cosine) / (1 + before)
      if phase == 0 {
        for i in 0..<lrs.count { lrs[i] = lrs[i] + (baseLRs[i] - etaMin) * rise / 2 }
      } else {
        for i in 0..<lrs.count { lrs[i] = ratio * (lrs[i] - etaMin) + etaMin }
      }
      last.epoch = epoch
      last.rises = phase == 0
      last.ratio = ratio
      last.cosine = cosine
      lastEpoch = epoch
      phase += 1
      if phase == period { phase = 0 }
    }
    shared = last
    if let stepCount {
      self.stepCount = stepCount + steps
    } else {
      let (count, overflow) = self.stepCount.addingReportingOverflow(rest)
      self.stepCount = overflow ? Int.max : count
    }
    isInitial = false
  }
}

// MARK: - Schedule evaluation

extension CosineAnnealingLR {
  /// The recurrence's ratios `(1 + cos(pi * e / T_max)) / (1 + cos(pi * (e
  /// - 1) / T_max))` do not depend on the lr: their cosines (`cosines`) run on the
  /// worker pool, each chunk computing them from the same doubles as
  /// `Shared`; then one pass applies `chainedLR`'s two branches in step order,
  /// the restart test by a counter (as `stepRepeatedly`). A ratio that divides
  /// by zero off a restart (PyTorch's ZeroDivisionError) and every case
  /// `stepRepeatedly` leaves to `step` are stepped one by one.
  public mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    let small = 1 << 60  // epochs, steps and T_max below it: no sum below can overflow
    let intTMax: Int? = if case .int(let t) = tMax { t } else { nil }
    guard !isInitial, stepCount >= 1, stepCount < small, lastEpoch >= 0, lastEpoch < small, out.count < small,
      let tMax = intTMax, tMax != 0, abs(tMax) < small
    else { return try stepValuesInOrder(from: lr, into: out, inputs: inputs) }
    let t = Double(tMax)
    let first = lastEpoch + 1
    parallelRanges(total: out.count, minimumPerThread: 1 << 12) { range in
      var before = cos(Double.pi * Double(first + range.lowerBound - 1) / t)
      // Angles first, then their cosines by `cosines` (bit for bit `cos`, mostly vectorized), then ratios.
      for j in range { out[j] = Double.pi * Double(first + j) / t }
      cosines(UnsafeMutableBufferPointer(rebasing: out[range]))
      for j in range {
        let cosine = out[j]
        out[j] = (1 + cosine) / (1 + before)
        before = cosine
      }
    }
    let rise: Double = 1 - cos(Double.pi / t)
    let (base, etaMin) = (baseLRs[0], self.etaMin)
    let period = 2 * abs(tMax)
    // (epoch - 1 - T_max) modulo 2 T_max, for the next epoch; 0 where the cosine restarts its rise.
    var phase = (lastEpoch - tMax) % period
    if phase < 0 { phase += period }
    var value = lr
    var done = 0
    while done < out.count {
      let ratio = out[done]
      if phase == 0 {
        value = value + (base - etaMin) * rise / 2
      } else {
        guard ratio.isFinite else { break }  // 1 + cos(...) == 0 off a restart: `advance` throws there
        value = ratio * (value - etaMin) + etaMin
      }
      out[done] = value
      done += 1
      phase += 1
      if phase == period { phase = 0 }
    }
    lastEpoch += done
    stepCount += done
    shared = Shared(epoch: lastEpoch, tMax: self.tMax)
    if done < out.count {
      try stepValuesInOrder(from: value, into: UnsafeMutableBufferPointer(rebasing: out[done...]), inputs: inputs)
    }
  }
}
