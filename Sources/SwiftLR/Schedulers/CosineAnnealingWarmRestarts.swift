#if canImport(Glibc)
  import Glibc
#endif

/// Cosine annealing with warm restarts, SGDR (PyTorch's `CosineAnnealingWarmRestarts`).
///
/// `lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`,
/// where `T_cur` counts epochs since the last restart and `T_i`, the length
/// of the current period, starts at `T_0` and is multiplied by `T_mult` at
/// each restart. A step without an epoch advances `T_cur` by one; PyTorch's
/// `step(epoch)` accepts fractional epochs and finds the period from the
/// epoch, with a logarithm when `T_mult != 1` (ported as PyTorch computes
/// it). The lr never depends on the current one (no chaining).
///
/// - Parameters:
///   - t0: `T_0`, the first period, a positive integer.
///   - tMult: `T_mult`, an integer >= 1. Default: 1.
///   - etaMin: the minimum lr. Default: 0.
///
/// Edge cases: a negative epoch throws PyTorch's ValueError; NaN or infinite
/// epochs throw (PyTorch fails in `math.floor`) rather than storing NaN;
/// period lengths and epochs are checked for overflow. `T_cur` is an int or
/// a float as in PyTorch, so int epochs beyond 2**53 stay exact, and the
/// arithmetic on them is Python's (`epoch % T_0` in ints, `epoch / T_0`
/// correctly rounded).
public struct CosineAnnealingWarmRestarts: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var t0: Int
  public var tI: Int
  public var tMult: Int
  public var etaMin: Double
  /// `T_cur`: an int unless a float epoch or the `T_mult > 1` formula made it a float.
  public var tCur: IntOrFloat

  public init(baseLRs: [Double], t0: Int, tMult: Int = 1, etaMin: Double = 0, lastEpoch: Int = -1)
    throws(SchedulerError)
  {
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.t0 = t0
    self.tI = t0
    self.tMult = tMult
    self.etaMin = etaMin
    self.tCur = .int(lastEpoch)
    try checkState()
  }

  /// PyTorch checks all three before it looks at the optimizer, and the
  /// Python type too (`isinstance(T_0, int)`): `T_0=10.0` is refused.
  public static let arguments: [SchedulerArgument] = [
    .strictInt("T_0", first: true) { (v, i) throws(SchedulerError) in
      guard let i, i > 0 else { throw .value("Expected positive integer T_0, but got \(v.pythonText)") }
    },
    .strictInt("T_mult", default: .int(1), first: true) { (v, i) throws(SchedulerError) in
      guard let i, i >= 1 else { throw .value("Expected integer T_mult >= 1, but got \(v.pythonText)") }
    },
    .init("eta_min", .float, default: .double(0), first: true) { (v) throws(SchedulerError) in
      switch v {
      case .int, .double, .bool: return
      default:
        throw .value("Expected float or int eta_min, but got \(v.pythonText) of type <class '\(v.pythonTypeName)'>")
      }
    },
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), t0: a.int("T_0"), tMult: a.int("T_mult"), etaMin: a.double("eta_min"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<CosineAnnealingWarmRestarts>] = [
    .int("T_0", \.t0), .int("T_i", \.tI), .int("T_mult", \.tMult), .double("eta_min", \.etaMin),
    .intOrFloat("T_cur", \.tCur),
  ]

  public func validate() throws(SchedulerError) {
    guard tI > 0 else { throw .value("T_i must be a positive integer, got \(tI)") }
  }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    if lastEpoch < 0 { return try advance(toEpoch: .int(0), inputs: inputs) }
    let epoch = try checkedIncrement(lastEpoch)
    var cur: IntOrFloat
    switch tCur.number {
    case .float(let d): cur = .float(d + 1)
    default:
      guard case .int(let i) = tCur.number, i < Int.max else { throw .overflow("T_cur is too large to step: \(tCur)") }
      cur = .int(i + 1)
    }
    var period = tI
    if period <= cur {
      // Python's T_cur % T_i: T_cur >= T_i > 0.
      cur = if case .int(let i) = cur { .int(i % period) } else { .float(pythonMod(cur.double, Double(period))) }
      let (next, overflow) = period.multipliedReportingOverflow(by: tMult)
      if overflow { throw .overflow("T_i is too large: \(period) * \(tMult)") }
      period = next
    }
    (tCur, tI, lastEpoch) = (cur, period, epoch)
  }

  public mutating func advance(toEpoch given: IntOrFloat, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    let epoch = given.number
    let floored: Int
    switch epoch {
    case .float(let d):
      if d < 0 { throw .value("Expected non-negative epoch, but got \(d)") }
      if d.isNaN { throw .value("cannot convert float NaN to integer") }
      if d.isInfinite { throw .overflow("cannot convert float infinity to integer") }
      guard let f = Int(exactly: d.rounded(.down)) else { throw .overflow("epoch is out of range: \(d)") }
      floored = f
    default:
      guard case .int(let e) = epoch, e >= 0 else { throw .value("Expected non-negative epoch, but got \(epoch)") }
      floored = e
    }
    var cur = epoch
    var period = tI
    if t0 <= epoch {
      if tMult == 1 {
        // Python's epoch % T_0: in ints for an int epoch.
        cur = if case .int(let e) = epoch { .int(e % t0) } else { .float(pythonMod(epoch.double, Double(t0))) }
      } else {
        // n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)); math.log(x, b) is log(x) / log(b),
        // and an int epoch / T_0 is Python's correctly rounded int division.
        let ratio = if case .int(let e) = epoch { trueDivide(e, t0) } else { epoch.double / Double(t0) }
        let n = Int(log(ratio * Double(tMult - 1) + 1) / log(Double(tMult)))
        let power = try checkedPower(tMult, n)
        let (span, o1) = t0.multipliedReportingOverflow(by: power - 1)
        let (length, o2) = t0.multipliedReportingOverflow(by: power)
        if o1 || o2 { throw .overflow("T_i is too large for epoch \(epoch)") }
        // epoch - T_0 * (T_mult**n - 1) / (T_mult - 1): an int quotient, then float(epoch) minus it.
        cur = .float(epoch.double - trueDivide(span, tMult - 1))
        period = length
      }
    } else {
      period = t0
    }
    (tCur, tI, lastEpoch) = (cur, period, floored)
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    let wave: Double = 1 + cos(Double.pi * tCur.double / Double(tI))
    return etaMin + (baseLR(group, like: current) - etaMin) * wave / 2
  }
}

/// Python's float `a % b`: the result takes the sign of `b`.
func pythonMod(_ a: Double, _ b: Double) -> Double {
  var r = fmod(a, b)
  if r != 0 {
    if (b < 0) != (r < 0) { r += b }
  } else {
    r = b < 0 ? -0.0 : 0.0
  }
  return r
}

/// `base ** exponent` for a non-negative exponent, or an OverflowError.
func checkedPower(_ base: Int, _ exponent: Int) throws(SchedulerError) -> Int {
  guard exponent >= 0 else { throw .value("negative exponent \(exponent)") }
  var result = 1
  for _ in 0..<exponent {
    let (next, overflow) = result.multipliedReportingOverflow(by: base)
    if overflow { throw .overflow("\(base) ** \(exponent) is too large") }
    result = next
  }
  return result
}

// MARK: - Schedule evaluation

extension CosineAnnealingWarmRestarts {
  /// `stepValuesInOrder`'s steps, a block at a time: each block's angles
  /// `pi * T_cur / T_i` are stored first, then turned into cosines by
  /// `cosines` (bit for bit `cos`, mostly vectorized), then into lrs by
  /// `chainedLR`'s formula (restated on doubles: shared helpers, the
  /// formula generic over `LRValue` as `chainedLR` is, measured 4-6% slower). A step that
  /// throws leaves the block's angles. The values are group 0's, from
  /// `baseLRs[0]`, as `LRScheduler.stepValues` promises (a schedule
  /// evaluates group 0 only).
  public mutating func stepValues(
    from lr: Double, into out: UnsafeMutableBufferPointer<Double>, inputs: UnsafeBufferPointer<Double>
  ) throws(SchedulerError) {
    let (base, etaMin) = (baseLRs[0], self.etaMin)
    var start = 0
    while start < out.count {
      let block = UnsafeMutableBufferPointer(rebasing: out[start..<min(start + 512, out.count)])
      for j in block.indices {
        stepCount = stepCount == Int.max ? Int.max : stepCount + 1
        try advance(inputs: inputs)
        block[j] = Double.pi * tCur.double / Double(tI)
      }
      cosines(block)
      for j in block.indices {
        let wave: Double = 1 + block[j]
        block[j] = etaMin + (base - etaMin) * wave / 2
      }
      start += block.count
    }
  }
}
