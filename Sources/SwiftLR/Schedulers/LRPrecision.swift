/// The dtype of a group's lr: a Python float (`float64`, as a float64 tensor
/// behaves the same) or a 0-d tensor of a narrower float type.
///
/// PyTorch's chainable rules run on whatever `group["lr"]` is, so with a
/// tensor lr every operation rounds to the tensor's dtype. The raw values are
/// the codes the C ABI passes per group.
public enum LRPrecision: Int32, Sendable, CaseIterable {
  case float64 = 0
  case float32 = 1
  case float16 = 2
  case bfloat16 = 3

  /// A float32 result stored in this dtype: float16 and bfloat16 tensors
  /// compute in float32 (PyTorch's opmath type) and round once to the dtype.
  @inlinable
  public func narrow(_ x: Float) -> Double {
    switch self {
    case .float64, .float32: return Double(x)
    case .float16: return Double(Float(Float16(x)))  // round to nearest even, as c10::Half
    case .bfloat16: return Double(roundToBFloat16(x))
    }
  }

  /// `tensor.fill_(x)` of a Python float: c10 converts the double to float,
  /// then to the 16-bit type (two roundings, not one).
  @inlinable
  public func stored(_ x: Double) -> Double {
    self == .float64 ? x : narrow(Float(x))
  }
}

/// c10::BFloat16's round-to-nearest-even from float32: keep the top 16 bits
/// after adding half an ulp (plus one when the kept part is odd).
@inlinable
public func roundToBFloat16(_ x: Float) -> Float {
  if x.isNaN { return Float(bitPattern: 0x7FC0_0000) }
  let bits = x.bitPattern
  let bias = ((bits >> 16) & 1) &+ 0x7FFF
  return Float(bitPattern: (bits &+ bias) & 0xFFFF_0000)
}

/// A learning rate as PyTorch's rules see `group["lr"]` or a base lr: a
/// Python float (`Double`) or a 0-d tensor (`TensorLR`). Each rule is written
/// once, generic over this, with the lr operands typed as lrs and Python
/// floats as `Double`, so it reads as PyTorch's expression and rounds as it
/// does. With `Double` every operator is the plain float64 one: the float
/// path compiles to what it was before tensor lrs existed.
public protocol LRValue {
  /// `float(lr)`.
  var double: Double { get }
  /// The same kind of lr holding `x`, as `_update_param_group_val` stores a
  /// Python float into it (`fill_` for a tensor).
  func storing(_ x: Double) -> Self

  // An lr and a Python float, in either order (Python's reflected operators
  // make `x * lr` and `x + lr` the same tensor ops as `lr * x`, `lr + x`).
  static func * (lhs: Self, rhs: Double) -> Self
  static func * (lhs: Double, rhs: Self) -> Self
  static func / (lhs: Self, rhs: Double) -> Self
  static func + (lhs: Self, rhs: Double) -> Self
  static func + (lhs: Double, rhs: Self) -> Self
  static func - (lhs: Self, rhs: Double) -> Self
  // Two lrs (a group's lr and its base lr, of the same dtype).
  static func + (lhs: Self, rhs: Self) -> Self
  static func - (lhs: Self, rhs: Self) -> Self
}

extension Double: LRValue {
  @inlinable public var double: Double { self }
  @inlinable public func storing(_ x: Double) -> Double { x }
}

/// A 0-d tensor lr of a given dtype; `value` is always representable in it.
///
/// Its operators follow PyTorch's CPU kernels: `*` and `/` convert the Python
/// float to float32 (the opmath type) and compute in float32; `+` and `-`
/// first store the Python float in the tensor's dtype (for float16 and
/// bfloat16 that is a coarser rounding), then compute in float32; every
/// result rounds once to the dtype. float64 tensors compute in float64.
public struct TensorLR: LRValue, Equatable, Sendable {
  public let value: Double
  public let precision: LRPrecision

  /// A tensor of `precision` holding `value` (rounded as `fill_` would).
  @inlinable
  public init(_ value: Double, _ precision: LRPrecision) {
    self.value = precision.stored(value)
    self.precision = precision
  }

  @inlinable init(exact value: Double, _ precision: LRPrecision) {
    self.value = value
    self.precision = precision
  }

  @inlinable public var double: Double { value }
  @inlinable public func storing(_ x: Double) -> TensorLR { TensorLR(x, precision) }

  /// Applies a float32 operation (or its float64 twin) and rounds to the dtype.
  @inlinable
  func apply(_ other: Float, _ wide: Double, _ f32: (Float, Float) -> Float, _ f64: (Double, Double) -> Double)
    -> TensorLR
  {
    if precision == .float64 { return TensorLR(exact: f64(value, wide), precision) }
    return TensorLR(exact: precision.narrow(f32(Float(value), other)), precision)
  }

  /// A Python float as `*` and `/` see it: converted to float32.
  @inlinable func opmath(_ x: Double) -> Float { Float(x) }
  /// A Python float as `+` and `-` see it: stored in the tensor's dtype.
  @inlinable func cast(_ x: Double) -> Float { Float(precision.stored(x)) }

  @inlinable public static func * (lhs: TensorLR, rhs: Double) -> TensorLR {
    lhs.apply(lhs.opmath(rhs), rhs, *, *)
  }
  @inlinable public static func * (lhs: Double, rhs: TensorLR) -> TensorLR { rhs * lhs }
  @inlinable public static func / (lhs: TensorLR, rhs: Double) -> TensorLR {
    lhs.apply(lhs.opmath(rhs), rhs, /, /)
  }
  @inlinable public static func + (lhs: TensorLR, rhs: Double) -> TensorLR {
    lhs.apply(lhs.cast(rhs), rhs, +, +)
  }
  @inlinable public static func + (lhs: Double, rhs: TensorLR) -> TensorLR { rhs + lhs }
  @inlinable public static func - (lhs: TensorLR, rhs: Double) -> TensorLR {
    lhs.apply(lhs.cast(rhs), rhs, -, -)
  }
  @inlinable public static func + (lhs: TensorLR, rhs: TensorLR) -> TensorLR {
    lhs.apply(Float(rhs.value), rhs.value, +, +)
  }
  @inlinable public static func - (lhs: TensorLR, rhs: TensorLR) -> TensorLR {
    lhs.apply(Float(rhs.value), rhs.value, -, -)
  }
}

extension LRScheduler {
  /// A group's base lr as PyTorch holds it: of the same kind as the group's
  /// lr (`initial_lr` is a clone of a tensor lr).
  @inlinable
  public func baseLR<L: LRValue>(_ group: Int, like current: L) -> L { current.storing(baseLRs[group]) }
}
