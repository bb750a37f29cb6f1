/// Sets each group's lr to its base lr times a user factor (PyTorch's `LambdaLR`).
///
/// The user's functions run in the caller (Python); each step takes their
/// values at the epoch it goes to, one per group, as `inputs`.
///
/// - Parameters:
///   - baseLRs: each group's initial lr.
///
/// Edge cases: the factors are not state (PyTorch does not save the functions'
/// values either); `factors` holds those of the last step only, for
/// `chainedLR`.
public struct LambdaLR: LRScheduler {
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

  public static let fields: [SchedulerField<LambdaLR>] = []

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
    baseLRs[group] * factors[group]
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
