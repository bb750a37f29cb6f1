#if canImport(Glibc)
  import Glibc
#endif

/// The 1cycle policy (PyTorch's `OneCycleLR`): each group's lr anneals from
/// `initial_lr` up to `max_lr`, then down to `min_lr` (two phases), or back
/// to `initial_lr` and then to `min_lr` (three phases); momentum, when it
/// cycles, moves the opposite way between `max_momentum` and `base_momentum`.
///
/// In PyTorch those five values live in each param group and are read at
/// every step, so here they are the step's inputs, per group in the order of
/// `GroupValue` (`initial_lr, max_lr, min_lr`, then `max_momentum,
/// base_momentum` when momentum cycles: `groupInputKeys`, from which the
/// Python class reads and writes the groups). `groupValues` holds the last
/// ones; Swift callers can pass it back each step.
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
  public var annealStrategy: AnnealStrategy
  public var cycleMomentum: Bool
  /// Each group's `valuesPerGroup` values, as the last step's inputs.
  public var groupValues: [Double]

  /// In PyTorch's order; `total_steps`, `epochs` and `steps_per_epoch` must be
  /// Python ints and `pct_start` a float, as PyTorch's `isinstance` checks say.
  public static let arguments: [SchedulerArgument] = [
    .strictInt("total_steps", default: SchedulerValue.none) { (v, i) throws(SchedulerError) in
      guard let i, i > 0 else { throw .value("Expected positive integer total_steps, but got \(v.pythonText)") }
    },
    .strictInt("epochs", default: SchedulerValue.none) { (v, i) throws(SchedulerError) in
      guard let i, i > 0 else { throw .value("Expected positive integer epochs, but got \(v.pythonText)") }
    },
    .strictInt("steps_per_epoch", default: SchedulerValue.none) { (v, i) throws(SchedulerError) in
      guard let i, i > 0 else { throw .value("Expected positive integer steps_per_epoch, but got \(v.pythonText)") }
    },
    // PyTorch's check, plus NaN (which it lets through into NaN lrs).
    .init("pct_start", .float, default: .double(0.3), first: false) { (v) throws(SchedulerError) in
      guard case .double(let p) = v, p >= 0, p <= 1 else {
        throw .value("Expected float between 0 and 1 pct_start, but got \(v.pythonText)")
      }
    },
    .choice("anneal_strategy", AnnealStrategy.self, default: .cos, message: AnnealStrategy.unknown),
    // None: no group values; the caller passes them with each step.
    .perGroup("max_lr", default: SchedulerValue.none), .bool("cycle_momentum", default: true),
    .perGroup("base_momentum", default: .double(0.85)), .perGroup("max_momentum", default: .double(0.95)),
    .float("div_factor", default: 25), .float("final_div_factor", default: 1e4), .bool("three_phase", default: false),
  ]

  /// Builds the schedule and the values PyTorch's constructor writes into
  /// each group (`initial_lr`, `max_lr`, `min_lr`, then `max_momentum`,
  /// `base_momentum` when momentum cycles): `groupValues`.
  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    let total: Int
    if a.optional("total_steps") != nil {
      total = try a.int("total_steps")
    } else if a.optional("epochs") != nil, a.optional("steps_per_epoch") != nil {
      let (product, overflow) = try a.int("epochs").multipliedReportingOverflow(by: a.int("steps_per_epoch"))
      guard !overflow else {
        throw .overflow(
          "total_steps = epochs * steps_per_epoch is out of range: it must fit in a signed 64-bit integer")
      }
      total = product
    } else {
      throw .value("You must define either total_steps OR (epochs AND steps_per_epoch)")
    }
    let cycle = try a.bool("cycle_momentum")
    let (divFactor, finalDivFactor) = (try a.double("div_factor"), try a.double("final_div_factor"))
    let maxLRs = a.optional("max_lr") == nil ? [] : try a.perGroup("max_lr")
    let (top, base) = (try a.perGroup("max_momentum"), try a.perGroup("base_momentum"))
    var values: [Double] = []
    for i in maxLRs.indices {  // in `GroupValue`'s order
      let initial = maxLRs[i] / divFactor
      let all = [initial, maxLRs[i], initial / finalDivFactor, top[i], base[i]]
      values += all.prefix(GroupValue.count(cycleMomentum: cycle))
    }
    baseLRs = try a.doubles("base_lrs")
    lastEpoch = try a.int("last_epoch")
    totalSteps = total
    phaseEndSteps = Self.phaseEndSteps(
      totalSteps: total, pctStart: try a.double("pct_start"), threePhase: try a.bool("three_phase"))
    annealStrategy = try a.choice("anneal_strategy")
    cycleMomentum = cycle
    groupValues = values
    try checkState()
  }

  /// A schedule from Swift values; see the Python class for the arguments.
  /// `baseLRs` are the groups' `initial_lr`, `maxLRs / divFactor`. Give
  /// `totalSteps`, or `epochs` and `stepsPerEpoch`.
  public init(
    maxLRs: [Double], totalSteps: Int? = nil, epochs: Int? = nil, stepsPerEpoch: Int? = nil, pctStart: Double = 0.3,
    annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true, baseMomentums: [Double]? = nil,
    maxMomentums: [Double]? = nil, divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let optionalInt = { (v: Int?) in v.map(SchedulerValue.int) ?? .none }
    var config = SchedulerConfig([
      "base_lrs": .doubles(maxLRs.map { $0 / divFactor }), "last_epoch": .int(lastEpoch),
      "max_lr": .doubles(maxLRs), "total_steps": optionalInt(totalSteps), "epochs": optionalInt(epochs),
      "steps_per_epoch": optionalInt(stepsPerEpoch), "pct_start": .double(pctStart),
      "anneal_strategy": .string(annealStrategy.rawValue), "cycle_momentum": .bool(cycleMomentum),
      "div_factor": .double(divFactor), "final_div_factor": .double(finalDivFactor), "three_phase": .bool(threePhase),
    ])
    if let baseMomentums { config["base_momentum"] = .doubles(baseMomentums) }
    if let maxMomentums { config["max_momentum"] = .doubles(maxMomentums) }
    try self.init(config: config)
  }

  /// PyTorch's `_schedule_phases` end steps, computed as PyTorch computes them.
  static func phaseEndSteps(totalSteps: Int, pctStart: Double, threePhase: Bool) -> [Double] {
    let total = Double(totalSteps)
    let last = total - 1
    if threePhase { return [pctStart * total - 1, 2 * pctStart * total - 2, last] }
    return [pctStart * total - 1, last]
  }

  public static let fields: [SchedulerField<OneCycleLR>] = [
    .int("total_steps", \.totalSteps), .choice("_anneal_func_type", \.annealStrategy),
    .doubles("group_values", \.groupValues).swiftlrOnly(),
    .bool("cycle_momentum", \.cycleMomentum), .doubles("phase_end_steps", \.phaseEndSteps).swiftlrOnly(),
  ]

  /// One group's values, in their order in `groupValues` and the step's
  /// inputs: the keys PyTorch's constructor writes into each group and its
  /// step reads back. The momenta are there only when momentum cycles.
  public enum GroupValue: Int, CaseIterable, Sendable {
    case initialLR, maxLR, minLR, maxMomentum, baseMomentum

    /// The param group's key (PyTorch's).
    public var key: String {
      switch self {
      case .initialLR: "initial_lr"
      case .maxLR: "max_lr"
      case .minLR: "min_lr"
      case .maxMomentum: "max_momentum"
      case .baseMomentum: "base_momentum"
      }
    }

    /// How many values a group has: the three lrs, and the two momenta when
    /// they cycle. From the last case, not `allCases`: no array on every step.
    static func count(cycleMomentum: Bool) -> Int { cycleMomentum ? baseMomentum.rawValue + 1 : maxMomentum.rawValue }
  }

  public static func groupInputKeys(cycleMomentum: Bool) -> [String] {
    GroupValue.allCases.prefix(GroupValue.count(cycleMomentum: cycleMomentum)).map(\.key)
  }

  /// Inputs per group: the three lrs, and the two momenta when they cycle.
  public var valuesPerGroup: Int { GroupValue.count(cycleMomentum: cycleMomentum) }
  public var inputCount: Int { valuesPerGroup * baseLRs.count }

  public func validate() throws(SchedulerError) {
    guard phaseEndSteps.count == 2 || phaseEndSteps.count == 3 else {
      throw .value("OneCycleLR has two or three phases, got \(phaseEndSteps.count)")
    }
    guard groupValues.isEmpty || groupValues.count == inputCount else {
      throw .value("expected \(inputCount) group values, got \(groupValues.count)")
    }
  }

  public mutating func move(to step: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
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
      // Python compares the int step with the float end exactly (2**53 + 1 > 2.0**53).
      if step <= IntOrFloat.float(end) || i == phaseEndSteps.count - 1 {
        return (i, (start, end), (s - start) / (end - start))
      }
      start = end
    }
    return (0, (0, 0), .nan)  // unreachable: validate() keeps two or three phases
  }

  /// Indices into a group's values of a phase's (start, end) lr or momentum
  /// (PyTorch's `_schedule_phases`). A switch, not a table: no array to
  /// retain and release on every call; indices, not `GroupValue`s: no
  /// `rawValue` lookup on every call.
  func valueIndices(phase index: Int, momentum: Bool) -> (Int, Int) {
    let (initial, top, bottom) = (GroupValue.initialLR.rawValue, GroupValue.maxLR.rawValue, GroupValue.minLR.rawValue)
    let (high, low) = (GroupValue.maxMomentum.rawValue, GroupValue.baseMomentum.rawValue)
    if phaseEndSteps.count == 3 {
      switch index {
      case 0: return momentum ? (high, low) : (initial, top)
      case 1: return momentum ? (low, high) : (top, initial)
      default: return momentum ? (high, high) : (initial, bottom)
      }
    }
    if index == 0 { return momentum ? (high, low) : (initial, top) }
    return momentum ? (low, high) : (top, bottom)
  }

  func value(group: Int, momentum: Bool, at step: Int) -> Double? {
    let offset = group * valuesPerGroup
    guard group >= 0, offset + valuesPerGroup <= groupValues.count, !momentum || cycleMomentum else { return nil }
    let (index, _, pct) = phase(at: step)
    let (start, end) = valueIndices(phase: index, momentum: momentum)
    return annealStrategy.anneal(groupValues[offset + start], groupValues[offset + end], pct)
  }

  /// Computed from the group's Python floats, then stored into its lr.
  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    value(group: group, momentum: false, at: lastEpoch).map(current.storing) ?? current
  }

  public func momentum(group: Int) -> Double? {
    cycleMomentum ? value(group: group, momentum: true, at: lastEpoch) : nil
  }
}

// MARK: - Fast-forward

extension OneCycleLR {
  /// `steps` steps: every step but the last only moves the state (and checks
  /// it, as `step` does), since each lr is a function of the step alone, not
  /// of the lr before (PyTorch's `get_lr`); the last is a whole `step`. The
  /// same state and lrs as `steps` calls of `step`, one anneal instead of
  /// `steps`. OneCycleLR keeps no step count, so the contexts change nothing.
  public mutating func stepRepeatedly(
    _ lrs: UnsafeMutableBufferPointer<Double>, steps: Int, inputs: UnsafeBufferPointer<Double>, stepCount: Int?,
    countingSteps: Bool, precisions: UnsafeBufferPointer<Int32>
  ) throws(SchedulerError) {
    guard steps > 0 else { return }
    for _ in 1..<steps { try advance(inputs: inputs) }
    let context = fastForwardContext(steps - 1, stepCount: stepCount, countingSteps: countingSteps)
    try step(lrs, epoch: nil, inputs: inputs, context: context, precisions: precisions)
  }
}

// MARK: - Schedule evaluation

extension OneCycleLR {
  /// Each lr is a function of the step (the inputs are the same at every
  /// step): after the first step has moved the state and stored the inputs,
  /// every value is computed at once, the anneals (a `cos` each) on the
  /// worker pool. Steps past `totalSteps` and a phase of no length (where
  /// `move` throws) take `stepValuesInOrder`, which throws there.
  public mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    let (last, overflow) = lastEpoch.addingReportingOverflow(out.count)
    var start = 0.0
    let phasesHaveLength = phaseEndSteps.allSatisfy { end in
      defer { start = end }
      return end - start != 0
    }
    guard !out.isEmpty, !overflow, last <= totalSteps, phasesHaveLength else {
      return try stepValuesInOrder(from: lr, into: out, inputs: inputs)
    }
    try move(to: lastEpoch + 1, inputs: inputs)
    let (first, scheduler) = (lastEpoch, self)
    parallelRanges(total: out.count, minimumPerThread: 1 << 12) { range in
      for j in range { out[j] = scheduler.value(group: 0, momentum: false, at: first + j) ?? lr }
    }
    lastEpoch = last
  }
}
