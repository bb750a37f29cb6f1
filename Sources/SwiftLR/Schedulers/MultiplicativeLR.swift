/// Multiplies each group's current lr by a user factor every step
/// (PyTorch's `MultiplicativeLR`).
///
/// The user's functions are Swift closures (`lrLambdas`) or run in the
/// caller (Python); see `UserFactorScheduler`.
/// PyTorch does not call them on the constructor's initial step; the caller
/// passes 1.0 there, which leaves every lr exactly as it is.
///
/// Edge cases: `step(epoch)` has no closed form: it multiplies the current
/// lrs by the factors at `epoch`, as PyTorch does.
public struct MultiplicativeLR: UserFactorScheduler {
  public var userFactors: UserFactors

  public init(userFactors: UserFactors) { self.userFactors = userFactors }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    current * factors[group]
  }
}

extension MultiplicativeLR {
  /// PyTorch calls no function on the initial step (a factor of 1 leaves each lr as it is).
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    isInitial ? Array(repeating: 1, count: baseLRs.count) : try lambdaFactors(at: epoch)
  }
}
