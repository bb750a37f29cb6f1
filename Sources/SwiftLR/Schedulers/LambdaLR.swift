/// Sets each group's lr to its base lr times a user factor (PyTorch's `LambdaLR`).
///
/// The user's functions are Swift closures (`lrLambdas`) or run in the
/// caller (Python); see `UserFactorScheduler`.
///
/// - Parameters:
///   - baseLRs: each group's initial lr.
///
/// Edge cases: the factors are not state (PyTorch does not save the functions'
/// values either); `factors` holds those of the last step only, for
/// `chainedLR`.
public struct LambdaLR: UserFactorScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var factors: [Double]
  /// The Swift functions of the epoch that give each group's factor, when
  /// built on an optimizer (`init(_:lrLambdas:lastEpoch:)`); empty when the
  /// caller passes the factors (the Python build).
  public var lrLambdas: [(Int) -> Double] = []

  public init(baseLRs: [Double], lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.factors = Array(repeating: 1, count: baseLRs.count)
    try checkState()
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    baseLR(group, like: current) * factors[group]
  }
}
