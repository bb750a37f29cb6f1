#if canImport(Glibc)
  import Glibc
#endif

/// Decays each group's lr polynomially to zero over `totalIters` epochs
/// (PyTorch's `PolynomialLR`): `base_lr * (1 - t / total_iters) ** power`.
///
/// The step rule multiplies the current lr by the ratio of successive
/// factors, raised to `power`, as PyTorch's chained `get_lr` does.
///
/// - Parameters:
///   - totalIters: epochs until the lr reaches zero. Default: 5.
///   - power: the polynomial's power. Default: 1.0.
///   - isInitial: PyTorch's `_is_initial` (set by the Python layer during the
///     constructor's initial step).
///
/// Edge cases: PyTorch accepts `totalIters = 0` (it divides by zero in the
/// closed form) and a negative `power` (it raises `0.0 ** power` at
/// `totalIters`, a ZeroDivisionError); this type rejects both up front.
public struct PolynomialLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var totalIters: IntOrFloat
  public var power: Double
  public var isInitial = false

  public init(baseLRs: [Double], totalIters: IntOrFloat = 5, power: Double = 1.0, lastEpoch: Int = -1)
    throws(SchedulerError)
  {
    self.baseLRs = baseLRs
    self.totalIters = totalIters
    self.power = power
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .intOrFloat("total_iters", default: 5) { (v) throws(SchedulerError) in
      guard v.double != 0 else { throw .value("total_iters must not be 0: the schedule divides by total_iters") }
    },
    .float("power", default: 1.0) { (v) throws(SchedulerError) in
      guard !(v < 0) else {
        throw .value("power must be non-negative: 0.0 ** power at total_iters is a division by zero")
      }
    },
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), totalIters: a.intOrFloat("total_iters"), power: a.double("power"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<PolynomialLR>] = [
    .intOrFloat("total_iters", \.totalIters), .double("power", \.power),
  ]

  /// One chained step. Past 2**53, `(last_epoch - 1) / total_iters` can
  /// round to 1 before `last_epoch` passes `total_iters`; PyTorch then raises
  /// ZeroDivisionError, and so does this, changing nothing.
  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    let epoch = try checkedIncrement(lastEpoch)
    try checkRatio(at: epoch)
    lastEpoch = epoch
  }

  /// `get_lr()` at the current state divides as a step to it does.
  public func checkChainedLR() throws(SchedulerError) {
    try checkRatio(at: lastEpoch)
  }

  func checkRatio(at epoch: Int) throws(SchedulerError) {
    if !isInitial && !(epoch > totalIters) && 1.0 - quotientBefore(epoch) == 0 {
      throw SchedulerError(.zeroDivision, "float division by zero")
    }
  }

  /// Python's `(epoch - 1) / total_iters`: correctly rounded for two ints. At
  /// `epoch == Int.min` (Python's ints do not wrap) the 65-bit difference is
  /// rounded before the division: the one epoch that may be an ulp off.
  func quotientBefore(_ epoch: Int) -> Double {
    epoch > Int.min ? totalIters.quotient(of: epoch - 1) : floatOfDifference(epoch, 1) / totalIters.double
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    if isInitial || lastEpoch > totalIters { return current }
    let ratio = (1.0 - totalIters.quotient(of: lastEpoch)) / (1.0 - quotientBefore(lastEpoch))
    return current * pow(ratio, power)
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    // min(total_iters, last_epoch) / total_iters, each division Python's.
    let reached = lastEpoch < totalIters ? totalIters.quotient(of: lastEpoch) : totalIters.double / totalIters.double
    return baseLR(group, like: current) * pow(1.0 - reached, power)
  }
}

// MARK: - Schedule evaluation

extension PolynomialLR {
  /// Past `totalIters` the lr stays.
  public func lrUnchangedThrough() -> Int {
    totalIters.isBelow(epochAfter: lastEpoch) ? Int.max : lastEpoch
  }

  /// The steps up to `totalIters` multiply the lr by `pow(ratio, power)`,
  /// which do not depend on the lr: they run on the worker pool, each block
  /// computing its ratios from the same doubles as `chainedLR` and raising
  /// them with `polynomialPows` (bit for bit `pow`, mostly vectorized, in
  /// the kernels for this CPU); then one
  /// pass multiplies them in, in step order. The steps after `totalIters`
  /// are one value filled (`stepValuesInOrder`).
  public mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    // Epochs lastEpoch + 1 ... last take the pow route: 0 <= lastEpoch < last <= totalIters < 2**53.
    let total = totalIters.double
    guard !isInitial, lastEpoch >= 0, total > 0, total < 0x1p53, Int(total) > lastEpoch else {
      return try stepValuesInOrder(from: lr, into: out, inputs: inputs)
    }
    let first = lastEpoch + 1
    let count = min(out.count, Int(total) - lastEpoch)
    let power = self.power
    parallelRanges(total: count, minimumPerThread: 1 << 12) { range in
      polynomialPows(
        before: Double(first + range.lowerBound - 1), total: total, power: power,
        into: UnsafeMutableBufferPointer(rebasing: out[range]))
    }
    var value = lr
    for j in 0..<count {
      value = value * out[j]
      out[j] = value
    }
    lastEpoch += count
    if count < out.count {
      try stepValuesInOrder(from: value, into: UnsafeMutableBufferPointer(rebasing: out[count...]), inputs: inputs)
    }
  }
}
