/// A hyperparameter or state value, named as PyTorch names the attribute.
///
/// Schedulers are built from, and expose their state as, `[name: value]`
/// maps, so that construction, `state_dict` and `load_state_dict` go through
/// one mechanism for every scheduler.
public enum SchedulerValue: Equatable, Sendable {
  case none
  case bool(Bool)
  case int(Int)
  case double(Double)
  case ints([Int])
  case doubles([Double])
  case string(String)

  /// Reads an integer. An integral double (`10.0`) is accepted, as Python accepts it.
  public func asInt(_ name: String) throws(SchedulerError) -> Int {
    switch self {
    case .int(let v): return v
    case .bool(let b): return b ? 1 : 0
    case .double(let d):
      guard d.isFinite, d == d.rounded(.towardZero) else { throw .type("\(name) must be an integer, got \(d)") }
      guard let v = Int(exactly: d) else { throw outOfRange(name) }
      return v
    default: throw .type("\(name) must be an integer, got \(self.typeName)")
    }
  }

  public func asDouble(_ name: String) throws(SchedulerError) -> Double {
    switch self {
    case .double(let d): return d
    case .int(let v): return Double(v)
    case .bool(let b): return b ? 1 : 0
    default: throw .type("\(name) must be a float, got \(self.typeName)")
    }
  }

  /// Reads an int, a float or a bool as given (a bool computes as an int, as in Python).
  /// An integral double beyond 64 bits is refused as `asInt` refuses it: the
  /// C layer passes a Python int beyond 64 bits as one.
  public func asIntOrFloat(_ name: String) throws(SchedulerError) -> IntOrFloat {
    switch self {
    case .int(let v): return .int(v)
    case .bool(let b): return .bool(b)
    case .double(let d):
      if d.isFinite, d == d.rounded(.towardZero), Int(exactly: d) == nil { throw outOfRange(name) }
      return .float(d)
    default: throw .type("\(name) must be an int or a float, got \(self.typeName)")
    }
  }

  public func asBool(_ name: String) throws(SchedulerError) -> Bool {
    switch self {
    case .bool(let b): return b
    case .int(let v): return v != 0
    default: throw .type("\(name) must be a bool, got \(self.typeName)")
    }
  }

  public func asString(_ name: String) throws(SchedulerError) -> String {
    guard case .string(let s) = self else { throw .type("\(name) must be a str, got \(self.typeName)") }
    return s
  }

  public func asDoubles(_ name: String) throws(SchedulerError) -> [Double] {
    switch self {
    case .doubles(let v): return v
    case .ints(let v): return v.map(Double.init)
    default: throw .type("\(name) must be a list of floats, got \(self.typeName)")
    }
  }

  public func asInts(_ name: String) throws(SchedulerError) -> [Int] {
    switch self {
    case .ints(let v): return v
    case .doubles(let v):
      var out: [Int] = []
      out.reserveCapacity(v.count)
      for d in v { out.append(try SchedulerValue.double(d).asInt(name)) }
      return out
    default: throw .type("\(name) must be a list of integers, got \(self.typeName)")
    }
  }

  /// An integral value beyond 64 bits (a Python int the C layer passed as a float).
  public func outOfRange(_ name: String) -> SchedulerError {
    .overflow("\(name) is out of range: it must fit in a signed 64-bit integer, -2**63 to 2**63-1")
  }

  /// The value as Python's `str()` shows it, for messages in PyTorch's words.
  public var pythonText: String {
    switch self {
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let v): return "\(v)"
    case .double(let d): return d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)"
    case .ints(let v): return "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
    case .doubles(let v): return "[" + v.map { SchedulerValue.double($0).pythonText }.joined(separator: ", ") + "]"
    case .string(let s): return s
    }
  }

  /// The name of the Python type the value came from (`type(x).__name__`).
  public var pythonTypeName: String { self == .none ? "NoneType" : typeName }

  var typeName: String {
    switch self {
    case .none: return "None"
    case .bool: return "bool"
    case .int: return "int"
    case .double: return "float"
    case .ints, .doubles: return "list"
    case .string: return "str"
    }
  }
}

/// The arguments a scheduler is built from: constructor arguments by their
/// PyTorch names, plus `base_lrs` and `last_epoch`.
public struct SchedulerConfig: Sendable {
  public var values: [String: SchedulerValue]

  public init(_ values: [String: SchedulerValue] = [:]) { self.values = values }

  public subscript(name: String) -> SchedulerValue? {
    get { values[name] }
    set { values[name] = newValue }
  }

  func required(_ name: String) throws(SchedulerError) -> SchedulerValue {
    guard let v = values[name], v != .none else { throw .type("missing required argument: '\(name)'") }
    return v
  }

  /// `fallback` when `name` is absent, else the value given, read by `convert`.
  func read<T>(
    _ name: String, default fallback: T?, _ convert: (SchedulerValue) throws(SchedulerError) -> T
  ) throws(SchedulerError) -> T {
    if let fallback, values[name] == nil { return fallback }
    return try convert(required(name))
  }

  public func int(_ name: String, default value: Int? = nil) throws(SchedulerError) -> Int {
    try read(name, default: value) { (v) throws(SchedulerError) in try v.asInt(name) }
  }

  public func double(_ name: String, default value: Double? = nil) throws(SchedulerError) -> Double {
    try read(name, default: value) { (v) throws(SchedulerError) in try v.asDouble(name) }
  }

  public func bool(_ name: String, default value: Bool? = nil) throws(SchedulerError) -> Bool {
    try read(name, default: value) { (v) throws(SchedulerError) in try v.asBool(name) }
  }

  public func string(_ name: String, default value: String? = nil) throws(SchedulerError) -> String {
    try read(name, default: value) { (v) throws(SchedulerError) in try v.asString(name) }
  }

  public func doubles(_ name: String) throws(SchedulerError) -> [Double] {
    try required(name).asDoubles(name)
  }

  public func ints(_ name: String) throws(SchedulerError) -> [Int] {
    try required(name).asInts(name)
  }

  /// A per-group argument: one value for every group, or a list with one per group
  /// (PyTorch's `_format_param`).
  public func perGroup(_ name: String, groups: Int, default value: Double? = nil) throws(SchedulerError) -> [Double] {
    if let value, values[name] == nil { return Array(repeating: value, count: groups) }
    let v = try required(name)
    switch v {
    case .doubles, .ints:
      let list = try v.asDoubles(name)
      guard list.count == groups else {
        throw .value(
          "\(name) must have the same length as optimizer.param_groups. "
            + "\(name) has \(list.count) values, param_groups has \(groups).")
      }
      return list
    default:
      return Array(repeating: try v.asDouble(name), count: groups)
    }
  }
}

extension SchedulerConfig: ExpressibleByDictionaryLiteral {
  /// `["base_lrs": .doubles([0.1]), "step_size": .int(10)]`.
  public init(dictionaryLiteral elements: (String, SchedulerValue)...) {
    self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
}

/// One named, typed, writable property of a scheduler `S`, reached by key path.
///
/// A field is one of PyTorch's attributes (its name in `state_dict()`) unless
/// marked `swiftlrOnly()`: the Python classes derive their state attributes
/// from the declared fields that are PyTorch's (`scheduler_fields` in C).
public struct SchedulerField<S>: Sendable {
  public let name: String
  let read: @Sendable (S) -> SchedulerValue
  let write: @Sendable (inout S, SchedulerValue) throws(SchedulerError) -> Void
  /// Whether PyTorch's scheduler has an attribute of this name.
  public private(set) var isTorchAttribute = true

  /// The same field, kept by swiftlr only (a cache or an extension PyTorch's
  /// scheduler has no attribute for): not one of the Python class's attributes.
  public func swiftlrOnly() -> Self {
    var field = self
    field.isTorchAttribute = false
    return field
  }

  /// A field of type `T` at `path`: `wrap` makes its value, `unwrap` reads
  /// one back (with `name` in its error).
  static func converting<T>(
    _ name: String, _ path: WritableKeyPath<S, T> & Sendable, wrap: @escaping @Sendable (T) -> SchedulerValue,
    unwrap: @escaping @Sendable (SchedulerValue, String) throws(SchedulerError) -> T
  ) -> Self {
    .init(
      name: name, read: { wrap($0[keyPath: path]) },
      write: { (s: inout S, v: SchedulerValue) throws(SchedulerError) in s[keyPath: path] = try unwrap(v, name) })
  }

  public static func int(_ name: String, _ path: WritableKeyPath<S, Int> & Sendable) -> Self {
    converting(name, path, wrap: { .int($0) }) { (v, n) throws(SchedulerError) in try v.asInt(n) }
  }

  public static func intOrFloat(_ name: String, _ path: WritableKeyPath<S, IntOrFloat> & Sendable) -> Self {
    converting(name, path, wrap: { $0.value }) { (v, n) throws(SchedulerError) in try v.asIntOrFloat(n) }
  }

  public static func double(_ name: String, _ path: WritableKeyPath<S, Double> & Sendable) -> Self {
    converting(name, path, wrap: { .double($0) }) { (v, n) throws(SchedulerError) in try v.asDouble(n) }
  }

  public static func bool(_ name: String, _ path: WritableKeyPath<S, Bool> & Sendable) -> Self {
    converting(name, path, wrap: { .bool($0) }) { (v, n) throws(SchedulerError) in try v.asBool(n) }
  }

  public static func string(_ name: String, _ path: WritableKeyPath<S, String> & Sendable) -> Self {
    converting(name, path, wrap: { .string($0) }) { (v, n) throws(SchedulerError) in try v.asString(n) }
  }

  public static func doubles(_ name: String, _ path: WritableKeyPath<S, [Double]> & Sendable) -> Self {
    converting(name, path, wrap: { .doubles($0) }) { (v, n) throws(SchedulerError) in try v.asDoubles(n) }
  }

  public static func ints(_ name: String, _ path: WritableKeyPath<S, [Int]> & Sendable) -> Self {
    converting(name, path, wrap: { .ints($0) }) { (v, n) throws(SchedulerError) in try v.asInts(n) }
  }

  /// An enum field, read and written by its raw value (PyTorch keeps a str).
  public static func choice<E: RawRepresentable & Sendable>(_ name: String, _ path: WritableKeyPath<S, E> & Sendable)
    -> Self where E.RawValue == String
  {
    converting(name, path, wrap: { .string($0.rawValue) }) { (v, n) throws(SchedulerError) in
      let text = try v.asString(n)
      guard let value = E(rawValue: text) else { throw .value("\(n): unknown value '\(text)'") }
      return value
    }
  }
}
