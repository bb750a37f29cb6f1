#if canImport(Glibc)
  import Glibc
#endif

/// The 1cycle policy (PyTorch's `OneCycleLR`): each group's lr anneals from
/// `initial_lr` up to `max_lr`, then down to `min_lr` (two phases), or back
/// to `initial_lr` and then to `min_lr` (three phases); momentum, when it
/// cycles, moves the opposite way between `max_momentum` and `base_momentum`.
///
/// In PyTorch those five values live in each param group and are read at
/// every step, so here they are the step's inputs, per group in the order
/// `initial_lr, max_lr, min_lr`, then `max_momentum, base_momentum` when
/// momentum cycles (`valuesPerGroup`: 5, else 3). `groupValues` holds the
/// last ones; Swift callers can pass it back each step.
///
/// - Parameters:
///   - totalSteps: steps in the cycle; stepping beyond throws PyTorch's ValueError.
///   - phaseEndSteps: the last step of each phase (PyTorch's
///     `_schedule_phases[i]["end_step"]`): two or three values.
///   - annealStrategy: `"cos"` or `"linear"` (PyTorch's `_anneal_func_type`).
///   - cycleMomentum: whether `momentum(group:)` reports momenta.
///
/// Edge cases: where a phase is empty (its end equals the previous end, e.g.
/// `pct_start = 1`) and the step falls in it, PyTorch raises
/// ZeroDivisionError; this type throws a ValueError with the same message
/// ("float division by zero") instead of producing NaN.
public struct OneCycleLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var totalSteps: Int
  public var phaseEndSteps: [Double]
  public var annealStrategy: String
  public var cycleMomentum: Bool
  /// Five values per group, as the last step's inputs.
  public var groupValues: [Double]

  public init(config: SchedulerConfig) throws(SchedulerError) {
    let total = try config.int("total_steps")
    guard total > 0 else { throw .value("Expected positive integer total_steps, but got \(total)") }
    let phases = try Self.phaseEndSteps(
      totalSteps: total, pctStart: config.double("pct_start", default: 0.3),
      threePhase: config.bool("three_phase", default: false))
    baseLRs = try config.doubles("base_lrs")
    lastEpoch = try config.int("last_epoch", default: -1)
    totalSteps = total
    phaseEndSteps = phases
    annealStrategy = try config.string("anneal_strategy", default: "cos")
    cycleMomentum = try config.bool("cycle_momentum", default: true)
    groupValues = []
    try validate()
  }

  /// A schedule with the group values PyTorch's constructor writes into the groups.
  ///
  /// - Parameters:
  ///   - maxLRs: each group's peak lr.
  ///   - totalSteps: the number of steps in the cycle; positive.
  ///   - pctStart: the fraction of the cycle spent rising, in [0, 1]. Default: 0.3.
  ///   - annealStrategy: `"cos"` or `"linear"`. Default: `"cos"`.
  ///   - cycleMomentum: cycle momentum inversely to the lr. Default: true.
  ///   - baseMomentums: each group's lowest momentum. Default: 0.85.
  ///   - maxMomentums: each group's highest momentum. Default: 0.95.
  ///   - divFactor: `initial_lr = max_lr / divFactor`. Default: 25.
  ///   - finalDivFactor: `min_lr = initial_lr / finalDivFactor`. Default: 1e4.
  ///   - threePhase: a third phase anneals to `min_lr`, as in fastai. Default: false.
  ///   - lastEpoch: the index of the last step taken. Default: -1.
  public init(
    maxLRs: [Double], totalSteps: Int, pctStart: Double = 0.3, annealStrategy: String = "cos",
    cycleMomentum: Bool = true, baseMomentums: [Double]? = nil, maxMomentums: [Double]? = nil,
    divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    guard totalSteps > 0 else { throw .value("Expected positive integer total_steps, but got \(totalSteps)") }
    guard pctStart >= 0, pctStart <= 1 else {
      throw .value("Expected float between 0 and 1 pct_start, but got \(pctStart)")
    }
    let base = baseMomentums ?? Array(repeating: 0.85, count: maxLRs.count)
    let top = maxMomentums ?? Array(repeating: 0.95, count: maxLRs.count)
    guard base.count == maxLRs.count, top.count == maxLRs.count else {
      throw .value("base_momentums and max_momentums need one value per param group")
    }
    var values: [Double] = []
    for (i, maxLR) in maxLRs.enumerated() {
      let initial = maxLR / divFactor
      values += [initial, maxLR, initial / finalDivFactor, top[i], base[i]]
    }
    self.baseLRs = maxLRs.map { $0 / divFactor }
    self.lastEpoch = lastEpoch
    self.totalSteps = totalSteps
    self.phaseEndSteps = try Self.phaseEndSteps(totalSteps: totalSteps, pctStart: pctStart, threePhase: threePhase)
    self.annealStrategy = annealStrategy
    self.cycleMomentum = cycleMomentum
    self.groupValues = values
    try validate()
  }

  /// PyTorch's `_schedule_phases` end steps, computed as PyTorch computes them.
  static func phaseEndSteps(totalSteps: Int, pctStart: Double, threePhase: Bool) throws(SchedulerError) -> [Double] {
    let total = Double(totalSteps)
    let last = total - 1
    if threePhase { return [pctStart * total - 1, 2 * pctStart * total - 2, last] }
    return [pctStart * total - 1, last]
  }

  public static let fields: [SchedulerField<OneCycleLR>] = [
    .int("total_steps", \.totalSteps), .string("_anneal_func_type", \.annealStrategy),
    .bool("cycle_momentum", \.cycleMomentum), .doubles("phase_end_steps", \.phaseEndSteps),
  ]

  /// Inputs per group: the three lrs, and the two momenta when they cycle.
  public var valuesPerGroup: Int { cycleMomentum ? 5 : 3 }
  public var inputCount: Int { valuesPerGroup * baseLRs.count }

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
    guard totalSteps > 0 else { throw .value("Expected positive integer total_steps, but got \(totalSteps)") }
    guard phaseEndSteps.count == 2 || phaseEndSteps.count == 3 else {
      throw .value("OneCycleLR has two or three phases, got \(phaseEndSteps.count)")
    }
    guard annealStrategy == "cos" || annealStrategy == "linear" else {
      throw .value("anneal_strategy must be one of 'cos' or 'linear', instead got \(annealStrategy)")
    }
    guard groupValues.isEmpty || groupValues.count == inputCount else {
      throw .value("expected \(inputCount) group values, got \(groupValues.count)")
    }
  }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    try enter(checkedIncrement(lastEpoch), inputs)
  }

  public mutating func advance(toEpoch epoch: Double, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    try enter(exactEpoch(epoch), inputs)
  }

  mutating func enter(_ step: Int, _ inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    if step > totalSteps {
      throw .value("Tried to step \(step) times. The specified number of total steps is \(totalSteps)")
    }
    let (start, end) = phase(at: step).bounds
    if end - start == 0 { throw .value("float division by zero") }  // Python raises even for 0 / 0.0
    lastEpoch = step
    keep(inputs, in: &groupValues)
  }

  /// The phase `step` falls in, its bounds and its progress (PyTorch's loop in `get_lr`).
  func phase(at step: Int) -> (index: Int, bounds: (Double, Double), pct: Double) {
    let s = Double(step)
    var start = 0.0
    for (i, end) in phaseEndSteps.enumerated() {
      if s <= end || i == phaseEndSteps.count - 1 {
        return (i, (start, end), (s - start) / (end - start))
      }
      start = end
    }
    return (0, (0, 0), .nan)  // unreachable: validate() keeps two or three phases
  }

  /// Indices into a group's values of a phase's (start, end) lr or momentum:
  /// 0 initial_lr, 1 max_lr, 2 min_lr, 3 max_momentum, 4 base_momentum
  /// (PyTorch's `_schedule_phases`). A switch, not a table: no array to
  /// retain and release on every call.
  func keys(phase index: Int, momentum: Bool) -> (Int, Int) {
    if phaseEndSteps.count == 3 {
      switch index {
      case 0: return momentum ? (3, 4) : (0, 1)
      case 1: return momentum ? (4, 3) : (1, 0)
      default: return momentum ? (3, 3) : (0, 2)
      }
    }
    if index == 0 { return momentum ? (3, 4) : (0, 1) }
    return momentum ? (4, 3) : (1, 2)
  }

  func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
    if annealStrategy == "linear" { return (end - start) * pct + start }
    let cosOut = cos(Double.pi * pct) + 1
    return end + (start - end) / 2.0 * cosOut
  }

  func value(group: Int, momentum: Bool) -> Double? {
    let offset = group * valuesPerGroup
    guard group >= 0, offset + valuesPerGroup <= groupValues.count, !momentum || cycleMomentum else { return nil }
    let (index, _, pct) = phase(at: lastEpoch)
    let (start, end) = keys(phase: index, momentum: momentum)
    return anneal(groupValues[offset + start], groupValues[offset + end], pct)
  }

  /// Computed from the group's Python floats, then stored into its lr.
  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    value(group: group, momentum: false).map(current.storing) ?? current
  }

  public func momentum(group: Int) -> Double? {
    cycleMomentum ? value(group: group, momentum: true) : nil
  }
}
