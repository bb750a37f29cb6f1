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
/// `!=`.
public enum IntOrFloat: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
  case int(Int)
  case float(Double)

  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .float(value) }

  /// Python's `float(self)`.
  public var double: Double {
    switch self {
    case .int(let i): return Double(i)
    case .float(let d): return d
    }
  }

  /// The value as a `SchedulerValue` of the type it was given as.
  public var value: SchedulerValue {
    switch self {
    case .int(let i): return .int(i)
    case .float(let d): return .double(d)
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
    }
  }

  /// Python's `epoch // self`, as a float; `self` is positive.
  public func floorQuotient(of epoch: Int) -> Double {
    switch self {
    case .int(let i): return Double(floorDivide(epoch, i))
    case .float(let d): return pythonFloorDivide(Double(epoch), d)
    }
  }

  /// Python's `self - 1`; `self` is above 0.
  public var decremented: IntOrFloat {
    switch self {
    case .int(let i): return .int(i - 1)
    case .float(let d): return .float(d - 1)
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
    }
  }

  public static func < (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == -1 }
  public static func > (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == 1 }
  public static func >= (epoch: Int, count: IntOrFloat) -> Bool { (count.compare(epoch) ?? -1) >= 0 }
  public static func == (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) == 0 }
  public static func != (epoch: Int, count: IntOrFloat) -> Bool { count.compare(epoch) != 0 }
}

extension IntOrFloat: CustomStringConvertible {
  /// As Python's `str()` shows it.
  public var description: String { value.pythonText }
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
