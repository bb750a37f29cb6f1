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
  public var userFactors: UserFactors

  public init(userFactors: UserFactors) { self.userFactors = userFactors }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    baseLR(group, like: current) * factors[group]
  }
}
