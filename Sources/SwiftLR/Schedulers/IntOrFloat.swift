#if canImport(Glibc)
  import Glibc
#endif

/// A count PyTorch only computes with (`step_size`, `T_max`, `total_iters`,
/// `patience`): the int or the float the caller gave, kept as given.
///
/// PyTorch stores such an argument untouched and uses it in arithmetic, so
/// `CosineAnnealingLR(opt, T_max=10.5)` works there, and `T_max=10.0` stays a
/// float in its `state_dict()`. The operations below are Python's operators
/// between an int epoch and this value, bit for bit: an int's are integer
/// arithmetic, a float's convert the epoch to a double first (rounding to
/// nearest, as `float(epoch)` does) and follow CPython's float operators.
///
/// Edge cases: comparisons are exact, as Python compares an int with a float
/// (`2**53 + 1 > 2.0**53`), and every comparison with NaN is false except
/// `!=`. A bool (`step_size=True`) is Python's 0 or 1 in every operation and
/// stays a bool in the state, as PyTorch stores it.
public enum IntOrFloat: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
  case int(Int)
  case float(Double)
  case bool(Bool)

  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .float(value) }

  /// Python's `float(self)`.
  public var double: Double {
    switch self {
    case .int(let i): return Double(i)
    case .float(let d): return d
    case .bool(let b): return b ? 1 : 0
    }
  }

  /// What Python computes with: a bool is the int 0 or 1.
  var number: IntOrFloat {
    if case .bool(let b) = self { return .int(b ? 1 : 0) }
    return self
  }

  /// The value as a `SchedulerValue` of the type it was given as.
  public var value: SchedulerValue {
    switch self {
    case .int(let i): return .int(i)
    case .float(let d): return .double(d)
    case .bool(let b): return .bool(b)
    }
  }

  // MARK: Python's operators with an int epoch

  /// Python's `epoch % self == 0`; `self` is not zero.
  public func divides(_ epoch: Int) -> Bool {
    switch self {
    case .int(let i): return epoch.remainderReportingOverflow(dividingBy: i).partialValue == 0
    // CPython's float % is fmod then a sign fix that never turns a nonzero
    // remainder into zero (|fmod| < |divisor|).
    case .float(let d): return fmod(Double(epoch), d) == 0
    case .bool: return number.divides(epoch)
    }
  }

  /// Python's `epoch // self`, as a float; `self` is positive.
  public func floorQuotient(of epoch: Int) -> Double {
    switch self {
    case .int(let i): return Double(floorDivide(epoch, i))
    case .float(let d): return pythonFloorDivide(Double(epoch), d)
    case .bool: return number.floorQuotient(of: epoch)
    }
  }

  /// Python's `epoch / self`: correctly rounded for an int (`trueDivide`),
  /// `float(epoch) / self` for a float.
  public func quotient(of epoch: Int) -> Double {
    switch self {
    case .int(let i): return trueDivide(epoch, i)
    case .float(let d): return Double(epoch) / d
    case .bool: return number.quotient(of: epoch)
    }
  }

  /// Python's `self - 1`; `self` is above 0.
  public var decremented: IntOrFloat {
    switch self {
    case .int(let i): return .int(i - 1)
    case .float(let d): return .float(d - 1)
    case .bool(let b): return .int(b ? 0 : -1)
    }
  }

  /// Python's `float(min(self, epoch))`: `self` unless the epoch is smaller.
  public func minimum(_ epoch: Int) -> Double {
    epoch < self ? Double(epoch) : double
  }

  /// The least epoch above `epoch` that Python's `epoch == self` holds for;
  /// nil when there is none (a fraction, NaN, beyond `Int`, not above `epoch`).
  public func nextEqualEpoch(after epoch: Int) -> Int? {
    let equal: Int? =
      switch self {
      case .int(let i): i
      case .float(let d): Int(exactly: d)
      case .bool(let b): b ? 1 : 0
      }
    return equal.flatMap { $0 > epoch ? $0 : nil }
  }

  /// Whether Python's `epoch + 1 > self` holds (false where `epoch + 1` passes `Int.max`).
  public func isBelow(epochAfter epoch: Int) -> Bool {
    let (next, overflow) = epoch.addingReportingOverflow(1)
    return !overflow && next > self
  }

  /// -1, 0 or 1 as `epoch` is below, equal to or above `self`, exactly; nil for NaN.
  func compare(_ epoch: Int) -> Int? {
    switch self {
    case .int(let i): return epoch < i ? -1 : epoch == i ? 0 : 1
    case .float(let d):
      if d.isNaN { return nil }
      // 2**63 and beyond, -2**63 - 1 and below: outside every Int.
      if d >= 0x1p63 { return -1 }
      if d < -0x1p63 { return 1 }
      let whole = d.rounded(.down)
      let w = Int(whole)
      if epoch != w { return epoch < w ? -1 : 1 }
      return d > whole ? -1 : 0
    case .bool: return number.compare(epoch)
    }
  }

  public static func < (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == -1 }
  public static func > (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == 1 }
  public static func >= (epoch: Int, count: IntOrFloat) -> Bool { (count.compare(epoch) ?? -1) >= 0 }
  public static func <= (epoch: Int, count: IntOrFloat) -> Bool { (count.compare(epoch) ?? 1) <= 0 }
  public static func == (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == 0 }
  public static func != (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) != 0 }
}

extension IntOrFloat: CustomStringConvertible {
  /// As Python's `str()` shows it.
  public var description: String { value.pythonText }
}

/// Python's `a / b` for ints, `b != 0`: the exact quotient rounded once to
/// the nearest double, ties to even (CPython's `long_true_divide`), where
/// `Double(a) / Double(b)` rounds three times once `a` or `b` passes 2**53.
///
/// Edge cases: below 2**53 in magnitude both conversions are exact and the
/// one division rounds once; beyond, the quotient is taken to 55 or more
/// bits in 128-bit integers with a sticky bit for the remainder, and then
/// converted (one rounding) and scaled by a power of two (exact).
public func trueDivide(_ a: Int, _ b: Int) -> Double {
  let exact = 1 << 53
  if a.magnitude <= UInt(exact) && b.magnitude <= UInt(exact) { return Double(a) / Double(b) }
  let (n, d) = (UInt128(a.magnitude), UInt128(b.magnitude))
  if n == 0 { return (a < 0) == (b < 0) ? 0.0 : -0.0 }
  let bits = { (x: UInt128) in 128 - x.leadingZeroBitCount }
  // n << shift has at least 55 bits more than d (at most 55 + 64 < 128 bits).
  let shift = max(0, 55 + bits(d) - bits(n))
  let scaled = n << shift
  var q = scaled / d
  if scaled % d != 0 { q |= 1 }  // sticky: below the rounding bit, breaks ties
  // q < 2**64: 55 or 56 bits after a shift, at most 64 without one.
  let magnitude = Double(UInt64(q)) * Double(sign: .plus, exponent: -shift, significand: 1)
  return (a < 0) == (b < 0) ? magnitude : -magnitude
}

/// Python's float `x ** y` where it raises and `pow` does not: OverflowError
/// when a finite base and exponent give an infinite power (`2.0 ** 1024`),
/// ZeroDivisionError for zero to a negative power.
public func checkPower(_ x: Double, _ y: Double) throws(SchedulerError) {
  guard x.isFinite && y.isFinite else { return }
  if x == 0 && y < 0 { throw SchedulerError(.zeroDivision, "0.0 cannot be raised to a negative power") }
  if pow(x, y).isInfinite { throw .overflow("(34, 'Numerical result out of range')") }
}

/// CPython's `x // y` for floats (`_float_div_mod`): the quotient of `x` minus
/// its `fmod` remainder, floored, with the remainder's sign fixed to `y`'s.
func pythonFloorDivide(_ x: Double, _ y: Double) -> Double {
  let remainder = fmod(x, y)
  var quotient = (x - remainder) / y
  if remainder != 0 && (y < 0) != (remainder < 0) { quotient -= 1 }
  guard quotient != 0 else { return Double(signOf: x / y, magnitudeOf: 0) }
  var floored = quotient.rounded(.down)
  if quotient - floored > 0.5 { floored += 1 }
  return floored
}
