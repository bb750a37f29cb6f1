/// Reduces each group's lr by `factor` once a metric has stopped improving
/// (PyTorch's `ReduceLROnPlateau`).
///
/// Each step takes the metric as its one input. A metric better than `best`
/// (by `threshold`, relative or absolute) resets the count of bad epochs;
/// after more than `patience` bad epochs every group's lr becomes
/// `max(lr * factor, min_lr)`, unless that changes it by no more than `eps`,
/// and `cooldown` epochs follow in which bad epochs are not counted.
///
/// - Parameters:
///   - mode: `"min"` (the metric should fall) or `"max"` (it should rise).
///   - factor: the lr multiplier of a reduction; must be < 1. Default: 0.1.
///   - patience: bad epochs tolerated before a reduction. Default: 10.
///   - threshold: the margin a metric must beat `best` by. Default: 1e-4.
///   - thresholdMode: `"rel"` (margin `best * threshold`) or `"abs"`. Default: `"rel"`.
///   - cooldown: epochs without counting after a reduction. Default: 0.
///   - minLRs: each group's lower bound. Default: 0.
///   - eps: reductions smaller than this are skipped. Default: 1e-8.
///   - signAwareThreshold: off by default, as in PyTorch. PyTorch's `"rel"`
///     test compares with `best * (1 - threshold)` (`"min"`) or
///     `best * (1 + threshold)` (`"max"`), which moves the margin the wrong way
///     when `best` is negative: a slightly *worse* negative metric counts as
///     an improvement and the lr is never reduced (pytorch/pytorch#38622).
///     When on, the factor flips for a negative `best`, so the margin always
///     points the right way; results for non-negative `best` are unchanged,
///     bit for bit.
///
/// Edge cases: NaN metrics are never better, so they count as bad epochs;
/// infinite metrics compare as IEEE says. `baseLRs` only counts the groups
/// (PyTorch's class has no `base_lrs`). The bad-epoch counter is checked and
/// throws rather than overflowing.
public struct ReduceLROnPlateau: LRScheduler {
  /// Whether the metric should fall or rise.
  public enum Mode: String, CaseIterable, Sendable { case min, max }
  /// How `threshold` makes the margin: relative to `best`, or absolute.
  public enum ThresholdMode: String, CaseIterable, Sendable { case rel, abs }

  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var mode: Mode
  public var factor: Double
  public var patience: IntOrFloat
  public var threshold: Double
  public var thresholdMode: ThresholdMode
  public var cooldown: IntOrFloat
  public var minLRs: [Double]
  /// PyTorch's `default_min_lr`: the scalar `min_lr`, or nil when a list was given.
  public var defaultMinLR: Double?
  public var eps: Double
  /// The best metric so far; starts at `modeWorse`.
  public var best: Double
  /// The worst value for the mode: +inf for `"min"`, -inf for `"max"`
  /// (derived from `mode`, as PyTorch's `load_state_dict` recomputes it).
  public var modeWorse: Double { mode == .max ? -.infinity : .infinity }
  public var cooldownCounter: IntOrFloat = 0
  public var numBadEpochs: Int = 0
  public var signAwareThreshold: Bool
  /// Whether the step just taken reduces the lrs (consumed by `chainedLR`).
  var reducing = false

  public init(
    groupCount: Int, mode: Mode = .min, factor: Double = 0.1, patience: IntOrFloat = 10,
    threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: IntOrFloat = 0,
    minLRs: [Double]? = nil, minLR: Double = 0, eps: Double = 1e-8, signAwareThreshold: Bool = false,
    lastEpoch: Int = 0
  ) throws(SchedulerError) {
    self.baseLRs = Array(repeating: 0, count: max(0, groupCount))
    self.lastEpoch = lastEpoch
    self.mode = mode
    self.factor = factor
    self.patience = patience
    self.threshold = threshold
    self.thresholdMode = thresholdMode
    self.cooldown = cooldown
    self.defaultMinLR = minLRs == nil ? minLR : nil
    self.minLRs = minLRs ?? Array(repeating: minLR, count: max(0, groupCount))
    self.eps = eps
    self.best = mode == .max ? -.infinity : .infinity
    self.signAwareThreshold = signAwareThreshold
    try checkState()
  }

  public static var defaultLastEpoch: Int { 0 }

  /// In PyTorch's order: `factor` before the optimizer, the modes last.
  public static let arguments: [SchedulerArgument] = [
    .float("factor", default: 0.1, first: true) { (v) throws(SchedulerError) in
      guard !(v >= 1.0) else { throw .value("Factor should be < 1.0.") }
    },
    .perGroup("min_lr", default: .double(0), count: { "expected \($1) min_lrs, got \($0)" }),
    .choice("mode", Mode.self, default: .min) { "mode \($0) is unknown!" },
    .choice("threshold_mode", ThresholdMode.self, default: .rel) { "threshold mode \($0) is unknown!" },
    .intOrFloat("patience", default: 10), .float("threshold", default: 1e-4), .intOrFloat("cooldown", default: 0),
    .float("eps", default: 1e-8), .bool("sign_aware_threshold", default: false),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    let scalar = a.config["min_lr"].flatMap { if case .double(let v) = $0 { v } else { nil } }
    try self.init(
      groupCount: a.groupCount, mode: a.choice("mode"), factor: a.double("factor"), patience: a.intOrFloat("patience"),
      threshold: a.double("threshold"), thresholdMode: a.choice("threshold_mode"), cooldown: a.intOrFloat("cooldown"),
      minLRs: scalar == nil ? a.perGroup("min_lr") : nil, minLR: scalar ?? 0, eps: a.double("eps"),
      signAwareThreshold: a.bool("sign_aware_threshold"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<ReduceLROnPlateau>] = [
    .double("factor", \.factor),
    SchedulerField(
      name: "default_min_lr", read: { $0.defaultMinLR.map(SchedulerValue.double) ?? .none },
      write: { (s: inout ReduceLROnPlateau, v: SchedulerValue) throws(SchedulerError) in
        s.defaultMinLR = v == .none ? nil : try v.asDouble("default_min_lr")
      }),
    .doubles("min_lrs", \.minLRs), .intOrFloat("patience", \.patience), .intOrFloat("cooldown", \.cooldown),
    .double("eps", \.eps), .choice("mode", \.mode), .double("threshold", \.threshold),
    .choice("threshold_mode", \.thresholdMode),
    // Read from `mode`; a written value is checked and dropped, as PyTorch's load recomputes it.
    SchedulerField(
      name: "mode_worse", read: { .double($0.modeWorse) },
      write: { (_: inout ReduceLROnPlateau, v: SchedulerValue) throws(SchedulerError) in
        _ = try v.asDouble("mode_worse")
      }),
    .double("best", \.best),
    .intOrFloat("cooldown_counter", \.cooldownCounter), .int("num_bad_epochs", \.numBadEpochs),
    .bool("sign_aware_threshold", \.signAwareThreshold).swiftlrOnly(),
  ]

  public var inputCount: Int { 1 }

  public func validate() throws(SchedulerError) {
    guard minLRs.count == baseLRs.count else { throw .value("expected \(baseLRs.count) min_lrs, got \(minLRs.count)") }
  }

  /// PyTorch's `_is_better(a, best)`.
  public func isBetter(_ a: Double, than best: Double) -> Bool {
    let flip = signAwareThreshold && best < 0
    switch (mode, thresholdMode) {
    case (.min, .rel): return a < best * (flip ? threshold + 1.0 : 1.0 - threshold)
    case (.min, .abs): return a < best - threshold
    case (.max, .rel): return a > best * (flip ? 1.0 - threshold : threshold + 1.0)
    case (.max, .abs): return a > best + threshold
    }
  }

  /// PyTorch's `step(metrics)`, up to the lr update `chainedLR` performs.
  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    guard let current = inputs.first else { throw .value("ReduceLROnPlateau.step needs a metric") }
    // Everything that can throw comes before the first change (`advance` is atomic).
    let improved = isBetter(current, than: best)
    let bad = improved ? 0 : try checkedIncrement(numBadEpochs)
    lastEpoch = epoch
    if improved { best = current }
    numBadEpochs = bad
    if 0 < cooldownCounter {
      cooldownCounter = cooldownCounter.decremented
      numBadEpochs = 0  // bad epochs in cooldown do not count
    }
    reducing = numBadEpochs > patience
    if reducing {
      cooldownCounter = cooldown
      numBadEpochs = 0
    }
  }

  /// PyTorch's `_reduce_lr` for one group when this step reduces; else the lr as it is.
  /// PyTorch computes with `float(lr)` and stores the result into the lr.
  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    guard reducing, group < minLRs.count else { return current }
    let old = current.double
    let scaled = old * factor
    let floor = minLRs[group]
    let next = floor > scaled ? floor : scaled  // Python's max(scaled, floor)
    return old - next > eps ? current.storing(next) : current
  }
}
