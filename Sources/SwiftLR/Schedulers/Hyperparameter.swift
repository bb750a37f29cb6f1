// MARK: - One declaration per hyperparameter

/// One hyperparameter of a scheduler `S`, declared once: its PyTorch name,
/// type, default and check (a `SchedulerArgument`) together with the stored
/// property that holds it (a `SchedulerField` over a key path).
///
/// A `DeclaredScheduler` lists its hyperparameters in PyTorch's order;
/// `arguments`, `fields` and `init(arguments:)` derive from that list, so a
/// name, a default or a check is written in one place.
///
/// Edge cases: the key path is used to build, read and write the scheduler
/// by name (construction, `state_dict`, `load_state_dict`), never by a step,
/// which reads the stored properties.
public struct Hyperparameter<S>: Sendable {
  /// The constructor argument: name, conversion, default and check.
  public let argument: SchedulerArgument
  /// The stored property it is written to and read from, by the same name.
  public let field: SchedulerField<S>

  public init(_ argument: SchedulerArgument, _ field: SchedulerField<S>) {
    self.argument = argument
    self.field = field
  }

  // MARK: Declarations

  /// A float (see `SchedulerArgument.float`).
  public static func float(
    _ name: String, _ path: WritableKeyPath<S, Double> & Sendable, default value: Double? = nil, first: Bool = false,
    exact: Bool = false, where check: (@Sendable (Double) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(.float(name, default: value, first: first, exact: exact, where: check), .double(name, path))
  }

  /// An int (see `SchedulerArgument.int`).
  public static func int(
    _ name: String, _ path: WritableKeyPath<S, Int> & Sendable, default value: Int? = nil, first: Bool = false,
    exact: Bool = false, where check: (@Sendable (Int) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(.int(name, default: value, first: first, exact: exact, where: check), .int(name, path))
  }

  /// An int or a float, kept as given (see `SchedulerArgument.intOrFloat`).
  public static func intOrFloat(
    _ name: String, _ path: WritableKeyPath<S, IntOrFloat> & Sendable, default value: IntOrFloat? = nil,
    where check: (@Sendable (IntOrFloat) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(.intOrFloat(name, default: value, where: check), .intOrFloat(name, path))
  }

  /// A list of ints (see `SchedulerArgument.ints`).
  public static func ints(
    _ name: String, _ path: WritableKeyPath<S, [Int]> & Sendable, default value: [Int]? = nil,
    where check: (@Sendable ([Int]) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(.ints(name, default: value, where: check), .ints(name, path))
  }

  /// A list of floats (see `SchedulerArgument.floats`).
  public static func floats(
    _ name: String, _ path: WritableKeyPath<S, [Double]> & Sendable,
    where check: (@Sendable ([Double]) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(.floats(name, where: check), .doubles(name, path))
  }

  /// One of the cases of `E`, by raw value (see `SchedulerArgument.choice`).
  public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ path: WritableKeyPath<S, E> & Sendable, default value: E? = nil, first: Bool = false,
    message: @escaping @Sendable (String) -> String
  ) -> Self where E.RawValue == String {
    .init(.choice(name, E.self, default: value, first: first, message: message), .choice(name, path))
  }
}

// MARK: - Schedulers declared by their hyperparameters

/// A scheduler whose constructor arguments are its stored hyperparameters,
/// declared once in `hyperparameters`; `arguments`, `fields` and
/// `init(arguments:)` come from that list.
///
/// A conforming type gives its stored properties initial values (any valid
/// ones: they are overwritten before anything reads them) and `init()`, the
/// start every checked initializer writes over. Its typed initializer is
/// `init(baseLRs:lastEpoch:setting:)` with the values in the closure.
///
/// Edge cases: `init()` is not checked and has no groups; build a scheduler
/// with a typed initializer or `init(config:)`.
public protocol DeclaredScheduler: LRScheduler {
  /// The hyperparameters in PyTorch's argument order.
  static var hyperparameters: [Hyperparameter<Self>] { get }

  /// State the scheduler keeps besides its hyperparameters (none by default):
  /// listed after them in `fields`.
  static var stateFields: [SchedulerField<Self>] { get }

  /// No groups, every property at its initial value: what the checked
  /// initializers start from.
  init()
}

extension DeclaredScheduler {
  public static var stateFields: [SchedulerField<Self>] { [] }

  public static var arguments: [SchedulerArgument] { hyperparameters.map(\.argument) }

  public static var fields: [SchedulerField<Self>] { hyperparameters.map(\.field) + stateFields }

  /// Starts from `init()`, takes `baseLRs` and `lastEpoch`, lets `set` write
  /// the hyperparameters, then runs `checkState()`: the one path of the typed
  /// initializers.
  public init(baseLRs: [Double], lastEpoch: Int, setting set: (inout Self) -> Void) throws(SchedulerError) {
    self.init()
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    set(&self)
    try checkState()
  }

  /// Writes every resolved argument through its hyperparameter's key path.
  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    let config = a.config
    self.init()
    baseLRs = try config.doubles("base_lrs")
    lastEpoch = try config.int("last_epoch")
    for hyperparameter in Self.hyperparameters {
      guard let value = config[hyperparameter.argument.name], value != .none else { continue }
      try hyperparameter.field.write(&self, value)
    }
    try checkState()
  }
}
