/// A learning-rate schedule with PyTorch's `LRScheduler` semantics.
///
/// A scheduler owns `lastEpoch`, the base lrs (each group's `initial_lr`) and
/// whatever state its rule needs. Each `step` advances that state, then maps
/// every group's *current* lr to its next one, as PyTorch's chained `get_lr()`
/// does; so changes made to the lrs from outside the scheduler carry on, and
/// the float64 results equal PyTorch's bit for bit.
///
/// Conforming types supply the rule (`advance`, `chainedLR`, optionally
/// `closedFormLR`) and list their state as `fields`; construction from a
/// `SchedulerConfig`, `step`, and reading and writing the state by name
/// come from this protocol.
///
/// Edge cases: every initializer and field update validates its values and
/// throws `SchedulerError` rather than trapping; `lastEpoch` arithmetic is
/// checked, so stepping past `Int.max` throws.
public protocol LRScheduler {
  /// PyTorch's `last_epoch`: -1 before the first (initial) step.
  var lastEpoch: Int { get set }
  /// PyTorch's `base_lrs`: one per param group.
  var baseLRs: [Double] { get set }

  /// Builds the scheduler from its PyTorch-named arguments.
  init(config: SchedulerConfig) throws(SchedulerError)

  /// The scheduler's own hyperparameters and state, by PyTorch's attribute
  /// names (`last_epoch` and `base_lrs` are added to these by `allFields`).
  static var fields: [SchedulerField<Self>] { get }

  /// How many values each `step` takes from the caller: per-group factors of
  /// user functions, a metric. Zero for most schedulers.
  var inputCount: Int { get }

  /// Checks hyperparameters and state; run after construction and after
  /// every update of fields, which is rolled back when this throws.
  func validate() throws(SchedulerError)

  /// Advances the state by one step (by default `lastEpoch += 1`).
  mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError)

  /// Advances to `epoch` on PyTorch's deprecated `step(epoch)` path.
  mutating func advance(toEpoch epoch: Double, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError)

  /// PyTorch's `get_lr()` for one group, from that group's current lr.
  func chainedLR(group: Int, current: Double) -> Double

  /// PyTorch's `_get_closed_form_lr()` for one group, or nil where PyTorch has none.
  func closedFormLR(group: Int) -> Double?

  /// Whether the deprecated `step(epoch)` path uses `closedFormLR`.
  static var hasClosedForm: Bool { get }

  /// The momentum PyTorch's `get_lr()` writes into `group` as a side effect
  /// (schedulers that cycle momentum: `CyclicLR`, `OneCycleLR`), at the
  /// current state; nil when the scheduler leaves momentum alone (default).
  func momentum(group: Int) -> Double?
}

extension LRScheduler {
  public var inputCount: Int { 0 }
  public static var hasClosedForm: Bool { false }
  public func closedFormLR(group: Int) -> Double? { nil }
  public func validate() throws(SchedulerError) {}
  public func momentum(group: Int) -> Double? { nil }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try checkedIncrement(lastEpoch)
  }

  public mutating func advance(toEpoch epoch: Double, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try exactEpoch(epoch)
  }

  /// Every field: the scheduler's own, then `base_lrs` and `last_epoch`.
  public static var allFields: [SchedulerField<Self>] {
    fields + [.doubles("base_lrs", \.baseLRs), .int("last_epoch", \.lastEpoch)]
  }

  public var groupCount: Int { baseLRs.count }

  // MARK: Stepping

  /// One step over the groups' lrs, in place: PyTorch's `scheduler.step()`,
  /// or `scheduler.step(epoch)` when `epoch` is given.
  ///
  /// - Parameters:
  ///   - lrs: each group's current lr; replaced by the next ones.
  ///   - epoch: PyTorch's deprecated explicit epoch, or nil.
  ///   - inputs: `inputCount` values (user factors, a metric).
  /// - Throws: when the counts do not match the scheduler or the state would
  ///   overflow. Nothing changes then.
  public mutating func step(
    _ lrs: UnsafeMutableBufferPointer<Double>, epoch: Double? = nil,
    inputs: UnsafeBufferPointer<Double> = .init(start: nil, count: 0)
  ) throws(SchedulerError) {
    guard lrs.count == groupCount else {
      throw .value("expected \(groupCount) learning rates (one per param group), got \(lrs.count)")
    }
    guard inputs.count == inputCount else {
      throw .value("expected \(inputCount) step inputs, got \(inputs.count)")
    }
    // Advance a copy: a failed advance leaves `self` as it was.
    var next = self
    if let epoch {
      try next.advance(toEpoch: epoch, inputs: inputs)
    } else {
      try next.advance(inputs: inputs)
    }
    self = next
    if epoch != nil && Self.hasClosedForm {
      for i in 0..<lrs.count { lrs[i] = closedFormLR(group: i) ?? lrs[i] }
    } else {
      for i in 0..<lrs.count { lrs[i] = chainedLR(group: i, current: lrs[i]) }
    }
  }

  /// PyTorch's `get_lr()` (or `_get_closed_form_lr()`) at the current
  /// `lastEpoch`, without stepping.
  public func currentLRs(_ lrs: UnsafeMutableBufferPointer<Double>, closedForm: Bool) throws(SchedulerError) {
    guard lrs.count == groupCount else {
      throw .value("expected \(groupCount) learning rates (one per param group), got \(lrs.count)")
    }
    if closedForm {
      guard Self.hasClosedForm else { throw .init(.type, "\(Self.self) has no closed form") }
      for i in 0..<lrs.count { lrs[i] = closedFormLR(group: i) ?? lrs[i] }
    } else {
      for i in 0..<lrs.count { lrs[i] = chainedLR(group: i, current: lrs[i]) }
    }
  }

  /// One step over an array of lrs; see `step(_:epoch:inputs:)`.
  public mutating func step(_ lrs: inout [Double], epoch: Double? = nil, inputs: [Double] = []) throws(SchedulerError) {
    var failure: SchedulerError?
    inputs.withUnsafeBufferPointer { input in
      lrs.withUnsafeMutableBufferPointer { buffer in
        do throws(SchedulerError) { try step(buffer, epoch: epoch, inputs: input) } catch { failure = error }
      }
    }
    if let failure { throw failure }
  }

  // MARK: Fields by name

  /// Reads a field by its PyTorch name.
  public func field(_ name: String) -> SchedulerValue? {
    Self.allFields.first { $0.name == name }.map { $0.read(self) }
  }

  /// Sets fields by name, all or none: on any error `self` is unchanged.
  public mutating func update(_ values: [String: SchedulerValue]) throws(SchedulerError) {
    var next = self
    let fields = Self.allFields
    for (name, value) in values {
      guard let field = fields.first(where: { $0.name == name }) else {
        throw .init(.key, "\(Self.self) has no field '\(name)'")
      }
      try field.write(&next, value)
    }
    let groups = baseLRs.count
    guard next.baseLRs.count == groups else {
      throw .value("base_lrs has \(next.baseLRs.count) values, the scheduler has \(groups) param groups")
    }
    try next.validate()
    self = next
  }
}

// MARK: - Checked arithmetic

/// `value + 1`, or an OverflowError instead of a trap.
@inlinable
func checkedIncrement(_ value: Int) throws(SchedulerError) -> Int {
  let (sum, overflow) = value.addingReportingOverflow(1)
  if overflow { throw .overflow("last_epoch is too large to step: \(value)") }
  return sum
}

/// An integral epoch from the deprecated `step(epoch)` argument.
func exactEpoch(_ epoch: Double) throws(SchedulerError) -> Int {
  guard epoch.isFinite, epoch == epoch.rounded(.towardZero) else {
    throw .type("epoch must be an integer, got \(epoch)")
  }
  guard let e = Int(exactly: epoch) else { throw .overflow("epoch is out of range: \(epoch)") }
  return e
}

/// Python's `a // b` (floor division) for `b > 0`.
@inlinable
func floorDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a < 0) ? q - 1 : q
}

/// Checks `base_lrs` and `last_epoch` the way every scheduler needs them.
func validateCommon(baseLRs: [Double], lastEpoch: Int) throws(SchedulerError) {
  guard !baseLRs.isEmpty else { throw .value("the optimizer has no param groups") }
  guard lastEpoch >= -1 else { throw .value("last_epoch must be -1 or a non-negative integer, got \(lastEpoch)") }
}
