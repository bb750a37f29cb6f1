/// Multiplies each group's current lr by a user factor every step
/// (PyTorch's `MultiplicativeLR`).
///
/// The user's functions run in the caller (Python); each step takes their
/// values at the epoch it goes to, one per group, as `inputs`. PyTorch does
/// not call them on the constructor's initial step; the caller passes 1.0
/// there, which leaves every lr exactly as it is.
///
/// Edge cases: `step(epoch)` has no closed form: it multiplies the current
/// lrs by the factors at `epoch`, as PyTorch does.
public struct MultiplicativeLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  /// The factors of the most recent step, one per group.
  public private(set) var factors: [Double]

  public init(baseLRs: [Double], lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.factors = Array(repeating: 1, count: baseLRs.count)
    try validate()
  }

  public init(config: SchedulerConfig) throws(SchedulerError) {
    try self.init(baseLRs: config.doubles("base_lrs"), lastEpoch: config.int("last_epoch", default: -1))
  }

  public static let fields: [SchedulerField<MultiplicativeLR>] = []

  public var inputCount: Int { baseLRs.count }

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
  }

  public mutating func advance(inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try checkedIncrement(lastEpoch)
    setFactors(inputs)
  }

  public mutating func advance(toEpoch epoch: Double, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = try exactEpoch(epoch)
    setFactors(inputs)
  }

  public func chainedLR(group: Int, current: Double) -> Double {
    current * factors[group]
  }

  /// Copies the step's factors in place when the count is unchanged: no allocation per step.
  mutating func setFactors(_ inputs: UnsafeBufferPointer<Double>) {
    if factors.count == inputs.count {
      factors.withUnsafeMutableBufferPointer { _ = $0.initialize(fromContentsOf: inputs) }
    } else {
      factors = Array(inputs)
    }
  }
}
