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
public protocol LRScheduler: OptimizerScheduler {
  /// PyTorch's `last_epoch`: -1 before the first (initial) step.
  var lastEpoch: Int { get set }
  /// PyTorch's `base_lrs`: one per param group.
  var baseLRs: [Double] { get set }

  /// The constructor's arguments, in PyTorch's order: names, types,
  /// defaults and checks, declared once (see `SchedulerArgument`).
  static var arguments: [SchedulerArgument] { get }

  /// `last_epoch` when the caller gives none: -1 (0 for ReduceLROnPlateau).
  static var defaultLastEpoch: Int { get }

  /// Builds the scheduler from its arguments, resolved against `arguments`
  /// (every one present, converted and checked); `init(config:)` resolves them.
  init(arguments: SchedulerArguments) throws(SchedulerError)

  /// The scheduler's own hyperparameters and state, by PyTorch's attribute
  /// names (`last_epoch` and `base_lrs` are added to these by `allFields`).
  static var fields: [SchedulerField<Self>] { get }

  /// How many values each `step` takes from the caller: per-group factors of
  /// user functions, a metric. Zero for most schedulers.
  var inputCount: Int { get }

  /// The param-group keys whose values a step takes as its inputs, one run
  /// per group in this order, where they live in the groups (PyTorch reads
  /// them there at every step): OneCycleLR's bounds, SWALR's `swa_lr`; none
  /// by default. `cycleMomentum`: the scheduler's `cycle_momentum`.
  static func groupInputKeys(cycleMomentum: Bool) -> [String]

  /// Checks what the argument declarations cannot: invariants between
  /// fields and of the state. `checkState()` runs the declared checks and
  /// the common one of `base_lrs`, then this, after construction and after
  /// every update of fields (which is rolled back when it throws).
  func validate() throws(SchedulerError)

  /// Moves the state to `epoch`, taking the step's inputs (by default:
  /// `lastEpoch = epoch`). Both `advance`s come here unless a rule has its
  /// own notion of an epoch (CosineAnnealingWarmRestarts' fractions).
  ///
  /// Atomic: it either throws before changing anything or succeeds, so
  /// `step` needs no copy of the state (whose arrays would then be copied
  /// on write at every step).
  mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError)

  /// Advances the state by one step: `move(to: lastEpoch + 1)`, checked.
  mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError)

  /// Advances to `epoch` on PyTorch's deprecated `step(epoch)` path:
  /// `move(to:)` an int epoch (kept exactly), or an integral float one.
  mutating func advance(toEpoch epoch: IntOrFloat, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError)

  /// Throws where PyTorch's `get_lr()` raises at the current state (a
  /// division by zero); a step checks the same before it changes anything.
  func checkChainedLR() throws(SchedulerError)

  /// Throws where PyTorch's `_get_closed_form_lr()` raises at `epoch` (a
  /// float power that overflows); `step(epoch)` checks it before moving.
  func checkClosedFormLR(at epoch: Int) throws(SchedulerError)

  /// PyTorch's `get_lr()` for one group, from that group's current lr: a
  /// Python float (`Double`) or a tensor lr (`TensorLR`), which rounds each
  /// operation to its dtype as PyTorch does (see `LRValue`).
  func chainedLR<L: LRValue>(group: Int, current: L) -> L

  /// PyTorch's `_get_closed_form_lr()` for one group, or nil where PyTorch
  /// has none. `current` is the group's lr: the base lr is of its kind.
  func closedFormLR<L: LRValue>(group: Int, current: L) -> L?

  /// Whether the deprecated `step(epoch)` path uses `closedFormLR`.
  static var hasClosedForm: Bool { get }

  /// PyTorch's `_step_count` and `_is_initial`: how many `step()` calls have
  /// begun (the constructor's initial step is the first), and whether this is
  /// that initial step. The few rules that read them (CosineAnnealingLR,
  /// LinearLR, ...) store them; for the others the default ignores them.
  /// `step` sets both from its context before applying the rule.
  var stepCount: Int { get set }
  var isInitial: Bool { get set }

  /// The momentum PyTorch's `get_lr()` writes into `group` as a side effect
  /// (schedulers that cycle momentum: `CyclicLR`, `OneCycleLR`), at the
  /// current state; nil when the scheduler leaves momentum alone (default).
  func momentum(group: Int) -> Double?

  /// The `inputCount` values a step to `epoch` takes when the scheduler is
  /// stepped on an optimizer (`step(_:)`): from its Swift closures (LambdaLR's
  /// `lrLambdas`, CyclicLR's `scaleFunction`) or its stored group values
  /// (OneCycleLR, SWALR). `isInitial`: the constructor's initial step.
  /// Default: none; throws when the scheduler needs inputs it cannot compute.
  func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double]

  /// `steps` calls of `step` over `lrs`, the body of `fastForward` (which
  /// runs it on a copy and checks the counts first). A type may take a
  /// cheaper route that gives the same state and lrs bit for bit (OneCycleLR,
  /// CosineAnnealingLR). Default: `step`, `steps` times.
  mutating func stepRepeatedly(
    _ lrs: UnsafeMutableBufferPointer<Double>, steps: Int, inputs: UnsafeBufferPointer<Double>, stepCount: Int?,
    countingSteps: Bool, precisions: UnsafeBufferPointer<Int32>) throws(SchedulerError)

  /// The last epoch of the stretch, starting at the next step, through which
  /// every step keeps each group's Python-float lr as it is (`chainedLR`
  /// returns `current`) and changes no state but `lastEpoch` (and the step
  /// count): `lastEpoch` itself when the next step may change the lr or the
  /// state. Outside the constructor's initial step. Schedule evaluation fills
  /// such a stretch with one value instead of stepping it (`stepValues`).
  /// Default: `lastEpoch` (no stretch).
  func lrUnchangedThrough() -> Int

  /// Group 0's lr after each of the next `out.count` steps (`out[j]` after
  /// step `j + 1`) from its lr `lr`, counting its own steps, with the same
  /// `inputs` at every step, after the constructor's initial step: the body
  /// of `ScheduleEvaluation`'s stepping. Bit for bit `advance` then
  /// `chainedLR` at each step; a type may take a cheaper route that gives the
  /// same values and state (PolynomialLR's `pow` and CosineAnnealingLR's `cos`
  /// calls on the worker pool). Default: `stepValuesInOrder`, which fills the
  /// stretches of `lrUnchangedThrough`.
  ///
  /// Edge cases: on a throw, `out` is written up to the failing step and the
  /// scheduler is left at an unspecified state (evaluation drops it).
  mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError)
}

extension LRScheduler {
  public static var defaultLastEpoch: Int { -1 }
  public var inputCount: Int { 0 }
  public static func groupInputKeys(cycleMomentum: Bool) -> [String] { [] }
  public static var hasClosedForm: Bool { false }
  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? { nil }

  /// The closed form for a Python float lr.
  public func closedFormLR(group: Int) -> Double? { closedFormLR(group: group, current: 0.0) }
  public func validate() throws(SchedulerError) {}
  public func momentum(group: Int) -> Double? { nil }
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    guard inputCount == 0 else {
      throw .type("\(Self.self) needs \(inputCount) values with each step: step(_:inputs:)")
    }
    return []
  }
  public var stepCount: Int {
    get { 0 }
    set {}
  }
  public var isInitial: Bool {
    get { false }
    set {}
  }

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = epoch
  }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    try move(to: checkedIncrement(lastEpoch), inputs: inputs)
  }

  public mutating func advance(toEpoch epoch: IntOrFloat, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    let e: Int
    switch epoch {
    case .int(let i): e = i
    case .bool(let b): e = b ? 1 : 0
    case .float(let d): e = try exactEpoch(d)
    }
    if Self.hasClosedForm { try checkClosedFormLR(at: e) }
    try move(to: e, inputs: inputs)
  }

  public func checkChainedLR() throws(SchedulerError) {}
  public func checkClosedFormLR(at epoch: Int) throws(SchedulerError) {}

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
  ///   - epoch: PyTorch's deprecated explicit epoch (an int, kept exactly, or a float), or nil.
  ///   - inputs: `inputCount` values (user factors, a metric, group values).
  ///   - context: PyTorch's `_step_count` (already counting this step) and
  ///     `_is_initial`, when the caller keeps them (the Python layer does).
  ///     Without it the scheduler counts its own steps, and `isInitial` is
  ///     what the caller set (true for the step PyTorch's constructor takes);
  ///     it is false again after the step.
  ///   - precisions: each group's `LRPrecision` code (the dtype of a tensor
  ///     lr), or empty when every lr is a Python float.
  /// - Throws: when the counts do not match the scheduler, a precision code
  ///   is unknown, or the state would overflow. Nothing changes then.
  public mutating func step(
    _ lrs: UnsafeMutableBufferPointer<Double>, epoch: IntOrFloat? = nil,
    inputs: UnsafeBufferPointer<Double> = .init(start: nil, count: 0),
    context: StepContext? = nil, precisions: UnsafeBufferPointer<Int32> = .init(start: nil, count: 0)
  ) throws(SchedulerError) {
    guard lrs.count == groupCount else {
      throw .value("expected \(groupCount) learning rates (one per param group), got \(lrs.count)")
    }
    guard inputs.count == inputCount else {
      throw .value("expected \(inputCount) step inputs, got \(inputs.count)")
    }
    try checkPrecisions(precisions, groups: lrs.count)
    let (savedCount, savedInitial) = (stepCount, isInitial)
    if let context {
      stepCount = context.stepCount
      isInitial = context.isInitial
    } else {
      let (count, overflow) = stepCount.addingReportingOverflow(1)
      stepCount = overflow ? stepCount : count
    }
    do throws(SchedulerError) {
      // `advance` is atomic, so a failure leaves all but the context as it was.
      if let epoch {
        try advance(toEpoch: epoch, inputs: inputs)
      } else {
        try advance(inputs: inputs)
      }
    } catch {
      (stepCount, isInitial) = (savedCount, savedInitial)
      throw error
    }
    let closedForm = epoch != nil && Self.hasClosedForm
    if !precisions.isEmpty {
      for i in 0..<lrs.count { lrs[i] = nextLR(group: i, lrs[i], LRPrecision(rawValue: precisions[i])!, closedForm) }
    } else if closedForm {
      for i in 0..<lrs.count { lrs[i] = closedFormLR(group: i) ?? lrs[i] }
    } else {
      for i in 0..<lrs.count { lrs[i] = chainedLR(group: i, current: lrs[i]) }
    }
    isInitial = false
  }

  /// One group's next lr, computed as its dtype computes (`checkPrecisions` ran).
  @inline(__always)
  func nextLR(group i: Int, _ lr: Double, _ precision: LRPrecision, _ closedForm: Bool) -> Double {
    if precision == .float64 {
      return closedForm ? (closedFormLR(group: i, current: lr) ?? lr) : chainedLR(group: i, current: lr)
    }
    let tensor = TensorLR(lr, precision)
    return (closedForm ? (closedFormLR(group: i, current: tensor) ?? tensor) : chainedLR(group: i, current: tensor))
      .value
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
      try checkChainedLR()
      for i in 0..<lrs.count { lrs[i] = chainedLR(group: i, current: lrs[i]) }
    }
  }

  /// One step over an array of lrs; see `step(_:epoch:inputs:context:precisions:)`.
  public mutating func step(
    _ lrs: inout [Double], epoch: IntOrFloat? = nil, inputs: [Double] = [], precisions: [LRPrecision] = []
  ) throws(SchedulerError) {
    var failure: SchedulerError?
    let codes = precisions.map(\.rawValue)
    codes.withUnsafeBufferPointer { codes in
      inputs.withUnsafeBufferPointer { input in
        lrs.withUnsafeMutableBufferPointer { buffer in
          do throws(SchedulerError) {
            try step(buffer, epoch: epoch, inputs: input, precisions: codes)
          } catch { failure = error }
        }
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
      // A field that is also an argument is checked as the argument is (its wording).
      if let argument = Self.arguments.first(where: { $0.name == name }), value != .none || !argument.acceptsNone {
        try argument.check(value)
      }
      try field.write(&next, value)
    }
    let groups = baseLRs.count
    guard next.baseLRs.count == groups else {
      throw .value("base_lrs has \(next.baseLRs.count) values, the scheduler has \(groups) param groups")
    }
    try next.checkState()
    self = next
  }
}

/// PyTorch's step bookkeeping around one `step` call, kept by the caller.
public struct StepContext: Equatable, Sendable {
  /// `_step_count`, including the step being taken.
  public var stepCount: Int
  /// `_is_initial`: the constructor's initial step.
  public var isInitial: Bool

  public init(stepCount: Int, isInitial: Bool) {
    self.stepCount = stepCount
    self.isInitial = isInitial
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

/// Python's `float(a - b)` for ints: the exact difference, rounded once.
/// Machine arithmetic where it cannot overflow (Int128 is a slow software
/// path on x86-64), 128 bits where it can.
@inlinable
func floatOfDifference(_ a: Int, _ b: Int) -> Double {
  let (d, overflow) = a.subtractingReportingOverflow(b)
  return overflow ? Double(Int128(a) - Int128(b)) : Double(d)
}

/// Python's `(a - b) % (2 * m) == 0` for ints, `m != 0`, without overflow:
/// machine arithmetic where it cannot overflow, 128 bits where it can.
@inlinable
func differenceIsMultiple(_ a: Int, _ b: Int, ofTwice m: Int) -> Bool {
  let (d, overflow) = a.subtractingReportingOverflow(b)
  let (twice, overflowTwice) = m.multipliedReportingOverflow(by: 2)
  if !overflow && !overflowTwice { return d % twice == 0 }
  return (Int128(a) - Int128(b)) % (2 * Int128(m)) == 0
}

/// Checks per-group precision codes: none (all Python floats) or one known code per group.
@inline(__always)
func checkPrecisions(_ codes: UnsafeBufferPointer<Int32>, groups: Int) throws(SchedulerError) {
  guard !codes.isEmpty else { return }  // every step of Python float lrs: no call
  try checkPrecisionCodes(codes, groups: groups)
}

func checkPrecisionCodes(_ codes: UnsafeBufferPointer<Int32>, groups: Int) throws(SchedulerError) {
  guard codes.count == groups else { throw .value("expected \(groups) lr precisions, got \(codes.count)") }
  for code in codes where LRPrecision(rawValue: code) == nil {
    throw .value("unknown lr precision code \(code)")
  }
}

/// Stores per-step inputs in `values`, replacing the array only when a value
/// differs (bit for bit): a step that reads what it read last time then
/// neither allocates nor copies an array that the C step's undo state shares.
@inlinable
func keep(_ inputs: UnsafeBufferPointer<Double>, in values: inout [Double]) {
  let same =
    values.count == inputs.count
    && values.withUnsafeBufferPointer { old in
      var i = 0
      while i < old.count && old[i].bitPattern == inputs[i].bitPattern { i += 1 }
      return i == old.count
    }
  if !same { values = Array(inputs) }
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

/// Checks `base_lrs` the way every scheduler needs them. Any `last_epoch`
/// is valid, as in PyTorch: `step(epoch)` may set a negative one, and every
/// rule's arithmetic on it is checked.
func validateCommon(baseLRs: [Double]) throws(SchedulerError) {
  guard !baseLRs.isEmpty else { throw .value("the optimizer has no param groups") }
}
