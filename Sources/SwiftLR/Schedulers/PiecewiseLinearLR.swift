/// Each group's lr is its base lr times a factor interpolated linearly
/// between points `(milestones[i], factors[i])` (swiftlr's `PiecewiseLinearLR`).
///
/// An absolute schedule of `t = lastEpoch`:
///
///     t <  milestones[0]:                   factor = factors[0]
///     milestones[i] <= t < milestones[i+1]: factor = factors[i] + (factors[i+1] - factors[i])
///                                                    * (t - milestones[i]) / (milestones[i+1] - milestones[i])
///     t >= milestones[-1]:                  factor = factors[-1]
///
/// Each segment is half-open, so a milestone's own factor is returned exactly.
/// It is its own closed form.
///
/// - Parameters:
///   - milestones: strictly increasing steps; at least one.
///   - factors: one finite, non-negative factor per milestone.
///
/// Edge cases: empty, unsorted or repeated milestones (a repeat would divide
/// by zero), a count mismatch, and negative or non-finite factors throw.
/// Differences of steps are taken in 128-bit integers, so milestones and
/// epochs near `Int.min`/`Int.max` do not trap.
public struct PiecewiseLinearLR: AbsoluteSchedule {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var milestones: [Int]
  public var factors: [Double]

  public init(baseLRs: [Double], milestones: [Int], factors: [Double], lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.milestones = milestones
    self.factors = factors
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .ints("milestones") { (m) throws(SchedulerError) in
      guard !m.isEmpty else { throw .value("milestones must not be empty") }
      for i in 1..<m.count where m[i - 1] >= m[i] {
        throw .value("milestones must be strictly increasing, got \(m[i - 1]) then \(m[i]) at index \(i)")
      }
    },
    .floats("factors") { (f) throws(SchedulerError) in
      for (i, x) in f.enumerated() where !(x.isFinite && x >= 0) {
        throw .value("factors must be non-negative finite floats, got \(x) at index \(i)")
      }
    },
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), milestones: a.ints("milestones"), factors: a.doubles("factors"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<PiecewiseLinearLR>] = [
    .ints("milestones", \.milestones), .doubles("factors", \.factors),
  ]

  public func validate() throws(SchedulerError) {
    guard milestones.count == factors.count else {
      throw .value(
        "milestones and factors must have the same length, got \(milestones.count) milestones "
          + "and \(factors.count) factors")
    }
  }

  /// The factor at step `t`: a binary search for the segment, then one interpolation.
  func factor(_ t: Int) -> Double {
    guard let first = milestones.first, let last = milestones.last, let lastFactor = factors.last else { return .nan }
    if t < first { return factors[0] }
    if t >= last { return lastFactor }
    return interpolated(t, segment: segment(of: t))
  }

  /// The last `i` with `milestones[i] <= t`, for `milestones[0] <= t < milestones[count - 1]`.
  func segment(of t: Int) -> Int {
    var low = 0
    var high = milestones.count - 1
    while high - low > 1 {
      let mid = low + (high - low) / 2
      if milestones[mid] <= t { low = mid } else { high = mid }
    }
    return low
  }

  /// The factor at `t` in segment `i` (`milestones[i] <= t < milestones[i + 1]`).
  @inline(__always)
  func interpolated(_ t: Int, segment i: Int) -> Double {
    let (m0, m1, f0, f1) = (milestones[i], milestones[i + 1], factors[i], factors[i + 1])
    return f0 + (f1 - f0) * floatOfDifference(t, m0) / floatOfDifference(m1, m0)
  }

  public func lr(group: Int, at t: Int) -> Double {
    baseLRs[group] * factor(t)
  }
}

// MARK: - Schedule evaluation

extension PiecewiseLinearLR {
  /// `lr(group:at:)` at each step, a run of steps in one segment (a request's
  /// steps are usually `0..<n`) at a time: one search per run, not per step.
  public func lrs(group: Int, at steps: UnsafeBufferPointer<Int64>, into out: UnsafeMutableBufferPointer<Double>) {
    guard let first = milestones.first, let last = milestones.last else {
      for i in 0..<steps.count { out[i] = lr(group: group, at: Int(steps[i])) }
      return
    }
    let base = baseLRs[group]
    var i = 0
    while i < steps.count {
      let t = Int(steps[i])
      if t < first || t >= last {
        out[i] = lr(group: group, at: t)
        i += 1
        continue
      }
      let k = segment(of: t)
      let (low, high) = (milestones[k], milestones[k + 1])
      while i < steps.count, case let t = Int(steps[i]), t >= low, t < high {
        out[i] = base * interpolated(t, segment: k)
        i += 1
      }
    }
  }
}
