/// One constructor argument of a scheduler, declared once.
///
/// A scheduler lists its arguments in `LRScheduler.arguments`, in PyTorch's
/// order: the PyTorch name, the type, the default, whether it takes one value
/// per param group, whether PyTorch checks it before it touches the optimizer,
/// and the check. Everything else derives from that list:
/// - `SchedulerConfig.resolved(for:)` fills defaults, converts and checks, so
///   `init(arguments:)` reads values that are known good;
/// - `update` runs the same check when a field of that name is written
///   (`load_state_dict`, `scheduler.step_size = 0`);
/// - the C ABI exports the list (`swiftlr_scheduler_argument`), so the Python
///   constructors and `swiftlr.schedules` take their checks from here.
///
/// Edge cases: a check sees the value after conversion (`10.0` for an `int`
/// argument is `10`), except where `strict` says the Python type matters, as
/// PyTorch's `isinstance(total_steps, int)` does.
public struct SchedulerArgument: Sendable {
  /// How a value is converted: the `SchedulerValue` case it becomes.
  public enum Conversion: String, Sendable {
    case int, float, bool, str, ints, floats
    /// An int or a float, kept as given (`IntOrFloat`).
    case intOrFloat = "int_or_float"
    /// A float, or a list with one per param group (PyTorch's `_format_param`).
    case perGroup = "per_group"
  }

  public let name: String
  public let conversion: Conversion
  /// The default, or nil when the argument is required. `.none` is Python's None.
  public private(set) var defaultValue: SchedulerValue?
  /// PyTorch checks this argument before it looks at the optimizer, so a bad
  /// value wins over a bad optimizer.
  public let checkedFirst: Bool
  /// Whether None is a value (an `Optional` argument such as `step_size_down`).
  public private(set) var acceptsNone: Bool
  let check: @Sendable (SchedulerValue) throws(SchedulerError) -> Void
  /// For `perGroup`: the message for a list whose length is not the group count.
  var countMessage: (@Sendable (Int, Int) -> String)?

  init(
    _ name: String, _ conversion: Conversion, default value: SchedulerValue?, first: Bool, acceptsNone: Bool = false,
    check: @escaping @Sendable (SchedulerValue) throws(SchedulerError) -> Void
  ) {
    self.name = name
    self.conversion = conversion
    self.defaultValue = value
    self.checkedFirst = first
    self.acceptsNone = acceptsNone || value == SchedulerValue.none
    self.check = check
  }

  // MARK: Declarations

  /// An int; `exact` refuses bools and floats (`10.0`) with a TypeError,
  /// where the default takes them as Python's `int()` of an integral value.
  public static func int(
    _ name: String, default value: Int? = nil, first: Bool = false, exact: Bool = false,
    where check: (@Sendable (Int) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(name, .int, default: value.map(SchedulerValue.int), first: first) { (v) throws(SchedulerError) in
      if exact, case .bool = v { throw .type("\(name) must be an int, got bool") }
      if exact, case .double = v { throw .type("\(name) must be an int, got float") }
      try check?(v.asInt(name))
    }
  }

  /// An int that may be None (PyTorch's `Optional[int]`), e.g. OneCycleLR's `epochs`.
  public static func optionalInt(
    _ name: String, exact: Bool = false, where check: (@Sendable (Int) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    var argument = int(name, exact: exact, where: check)
    argument.defaultValue = SchedulerValue.none
    argument.acceptsNone = true
    return argument
  }

  /// An int that must be a Python int (or bool): PyTorch's `isinstance(x, int)`
  /// checks reject `10.0` with the argument's own message.
  public static func strictInt(
    _ name: String, default value: SchedulerValue? = nil, first: Bool = false,
    where check: @escaping @Sendable (SchedulerValue, Int?) throws(SchedulerError) -> Void
  ) -> Self {
    .init(name, .int, default: value, first: first) { (v) throws(SchedulerError) in
      switch v {
      case .int(let i): try check(v, i)
      case .bool(let b): try check(v, b ? 1 : 0)
      case .double(let d) where d.isFinite && d == d.rounded(.towardZero) && Int(exactly: d) == nil:
        throw v.outOfRange(name)
      default: try check(v, nil)
      }
    }
  }

  /// An int or a float, kept as given: a count PyTorch only computes with
  /// (`T_max=10.5` is fine there, and `10.0` stays a float in its state).
  public static func intOrFloat(
    _ name: String, default value: IntOrFloat? = nil,
    where check: (@Sendable (IntOrFloat) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(name, .intOrFloat, default: value?.value, first: false) { (v) throws(SchedulerError) in
      try check?(v.asIntOrFloat(name))
    }
  }

  /// A float; `exact` refuses bools with a TypeError.
  public static func float(
    _ name: String, default value: Double? = nil, first: Bool = false, exact: Bool = false,
    where check: (@Sendable (Double) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(name, .float, default: value.map(SchedulerValue.double), first: first) { (v) throws(SchedulerError) in
      if exact, case .bool = v { throw .type("\(name) must be a float, got bool") }
      try check?(v.asDouble(name))
    }
  }

  public static func optionalFloat(_ name: String) -> Self {
    .init(name, .float, default: SchedulerValue.none, first: false) { (v) throws(SchedulerError) in
      _ = try v.asDouble(name)
    }
  }

  public static func bool(_ name: String, default value: Bool? = nil) -> Self {
    .init(name, .bool, default: value.map(SchedulerValue.bool), first: false) { (v) throws(SchedulerError) in
      _ = try v.asBool(name)
    }
  }

  public static func floats(
    _ name: String, where check: (@Sendable ([Double]) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(name, .floats, default: nil, first: false) { (v) throws(SchedulerError) in try check?(v.asDoubles(name)) }
  }

  public static func ints(
    _ name: String, default value: [Int]? = nil, where check: (@Sendable ([Int]) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    .init(name, .ints, default: value.map(SchedulerValue.ints), first: false) { (v) throws(SchedulerError) in
      try check?(v.asInts(name))
    }
  }

  /// One float per param group, given as one value or a list; `count`
  /// words the error for a list of the wrong length (PyTorch's
  /// `_format_param` wording by default).
  public static func perGroup(
    _ name: String, default value: SchedulerValue? = nil,
    count: (@Sendable (_ given: Int, _ groups: Int) -> String)? = nil,
    where check: (@Sendable (Double) throws(SchedulerError) -> Void)? = nil
  ) -> Self {
    var argument = Self(name, .perGroup, default: value, first: false) {
      (v) throws(SchedulerError) in
      switch v {
      case .doubles, .ints: for x in try v.asDoubles(name) { try check?(x) }
      default: try check?(v.asDouble(name))
      }
    }
    argument.countMessage =
      count ?? { (given, groups) in
        "\(name) must have the same length as optimizer.param_groups. "
          + "\(name) has \(given) values, param_groups has \(groups)."
      }
    return argument
  }

  /// One of the cases of `E`, by raw value; `message` words the error for
  /// anything else (PyTorch's wording, e.g. "mode foo is unknown!").
  public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ type: E.Type, default value: E? = nil, first: Bool = false,
    message: @escaping @Sendable (String) -> String
  ) -> Self where E.RawValue == String {
    .init(name, .str, default: value.map { .string($0.rawValue) }, first: first) { (v) throws(SchedulerError) in
      let text = try v.asString(name)
      guard E(rawValue: text) != nil else { throw .value(message(text)) }
    }
  }

  /// A string checked elsewhere (where the check needs other arguments).
  public static func string(_ name: String, default value: String? = nil) -> Self {
    .init(name, .str, default: value.map(SchedulerValue.string), first: false) { (v) throws(SchedulerError) in
      _ = try v.asString(name)
    }
  }

  // MARK: Resolving a value

  /// The value converted as this argument declares (`conversion`) and checked. A per-group
  /// argument stays one `.double` when one value was given (so the scheduler
  /// can tell, as ReduceLROnPlateau's `default_min_lr` does), else a list
  /// with one value per group.
  func resolve(_ given: SchedulerValue?, groups: Int) throws(SchedulerError) -> SchedulerValue {
    guard let value = given ?? defaultValue else { throw .type("missing required argument: '\(name)'") }
    if value == .none {
      guard acceptsNone else { throw .type("\(name) must not be None") }
      return .none
    }
    try check(value)
    switch conversion {
    case .int: return .int(try value.asInt(name))
    case .float: return .double(try value.asDouble(name))
    case .intOrFloat: return try value.asIntOrFloat(name).value
    case .bool: return .bool(try value.asBool(name))
    case .str: return .string(try value.asString(name))
    case .ints: return .ints(try value.asInts(name))
    case .floats: return .doubles(try value.asDoubles(name))
    case .perGroup:
      switch value {
      case .doubles, .ints:
        let list = try value.asDoubles(name)
        guard list.count == groups else { throw .value(countMessage?(list.count, groups) ?? name) }
        return .doubles(list)
      default: return .double(try value.asDouble(name))
      }
    }
  }
}

/// A configuration whose declared arguments are all present, converted and
/// checked: what `init(arguments:)` reads.
public struct SchedulerArguments: Sendable {
  public let config: SchedulerConfig
  public var groupCount: Int { (try? config.doubles("base_lrs").count) ?? 0 }

  public func int(_ name: String) throws(SchedulerError) -> Int { try config.int(name) }
  public func double(_ name: String) throws(SchedulerError) -> Double { try config.double(name) }
  public func bool(_ name: String) throws(SchedulerError) -> Bool { try config.bool(name) }
  public func string(_ name: String) throws(SchedulerError) -> String { try config.string(name) }
  public func doubles(_ name: String) throws(SchedulerError) -> [Double] { try config.doubles(name) }
  public func ints(_ name: String) throws(SchedulerError) -> [Int] { try config.ints(name) }
  public func intOrFloat(_ name: String) throws(SchedulerError) -> IntOrFloat {
    try config.required(name).asIntOrFloat(name)
  }
  /// A per-group argument, one value per group.
  public func perGroup(_ name: String) throws(SchedulerError) -> [Double] {
    try config.perGroup(name, groups: groupCount)
  }

  /// An enum argument, declared with `.choice`.
  public func choice<E: RawRepresentable>(_ name: String) throws(SchedulerError) -> E where E.RawValue == String {
    let text = try config.string(name)
    guard let value = E(rawValue: text) else { throw .value("\(name): unknown value '\(text)'") }
    return value
  }

  /// An argument that may be None: nil then.
  public func optional(_ name: String) -> SchedulerValue? {
    guard let value = config[name], value != .none else { return nil }
    return value
  }
}

extension SchedulerConfig {
  /// Every argument `S` declares, converted, checked and defaulted, in the
  /// declared order (so the first bad argument in PyTorch's order is the one
  /// reported), plus `base_lrs` and `last_epoch`.
  ///
  /// - Throws: TypeError for a missing required or an undeclared argument,
  ///   the argument's own error for a bad value.
  public func resolved<S: LRScheduler>(for type: S.Type) throws(SchedulerError) -> SchedulerArguments {
    var out = SchedulerConfig()
    let baseLRs = try doubles("base_lrs")
    out["base_lrs"] = .doubles(baseLRs)
    out["last_epoch"] = .int(try int("last_epoch", default: S.defaultLastEpoch))
    for argument in S.arguments {
      out[argument.name] = try argument.resolve(values[argument.name], groups: baseLRs.count)
    }
    for name in values.keys where out[name] == nil {
      throw .type("\(S.self) got an unexpected keyword argument '\(name)'")
    }
    return SchedulerArguments(config: out)
  }
}

extension LRScheduler {
  /// Builds the scheduler from PyTorch-named arguments, resolved against
  /// `arguments` first.
  public init(config: SchedulerConfig) throws(SchedulerError) {
    try self.init(arguments: config.resolved(for: Self.self))
  }

  /// Runs the declared checks of the named arguments only (values as given,
  /// before the optimizer is looked at: PyTorch's `checkedFirst` order).
  /// The group count is unknown then: a per-group list is checked value by
  /// value, its length when the scheduler is built.
  public static func check(_ values: [String: SchedulerValue]) throws(SchedulerError) {
    for argument in arguments {
      guard let value = values[argument.name] else { continue }
      let groups: Int
      switch value {
      case .doubles(let list): groups = list.count
      case .ints(let list): groups = list.count
      default: groups = 1
      }
      _ = try argument.resolve(value, groups: groups)
    }
  }

  /// The declared checks over the fields that are arguments, then what
  /// every scheduler needs of `base_lrs`, then the scheduler's own
  /// invariants: what every initializer and update runs.
  public func checkState() throws(SchedulerError) {
    for argument in Self.arguments {
      guard let field = Self.allFields.first(where: { $0.name == argument.name }) else { continue }
      let value = field.read(self)
      if value == .none && argument.acceptsNone { continue }
      try argument.check(value)
    }
    try validateCommon(baseLRs: baseLRs)
    try validate()
  }
}
