#if canImport(Glibc)
  import Glibc
#endif

/// Decays each group's lr by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
///
/// The step rule multiplies the *current* lr by `gamma` when `lastEpoch` is a
/// non-zero multiple of `stepSize`; the closed form is
/// `base_lr * gamma ** (last_epoch // step_size)`.
///
/// - Parameters:
///   - stepSize: period of the decay, in epochs; must be positive. An int or
///     a float, as PyTorch computes `last_epoch % step_size` with either.
///   - gamma: multiplicative factor of the decay. Default: 0.1.
///
/// Edge cases: PyTorch accepts `step_size = 0` and then divides by zero at the
/// first step; this type rejects a non-positive step size up front.
public struct StepLR: DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var stepSize: IntOrFloat = 1
  public var gamma = 0.0

  public init() {}

  public init(baseLRs: [Double], stepSize: IntOrFloat, gamma: Double = 0.1, lastEpoch: Int = -1) throws(SchedulerError)
  {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.stepSize = stepSize
      $0.gamma = gamma
    }
  }

  public static let hyperparameters: [Hyperparameter<StepLR>] = [
    .intOrFloat("step_size", \.stepSize) { (v) throws(SchedulerError) in
      guard v.double > 0 else { throw .value("step_size must be positive, got \(v)") }
    },
    .float("gamma", \.gamma, default: 0.1),
  ]

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    if lastEpoch == 0 || !stepSize.divides(lastEpoch) { return current }
    return current * gamma
  }

  public static var hasClosedForm: Bool { true }

  public func checkClosedFormLR(at epoch: Int) throws(SchedulerError) {
    try checkPower(gamma, stepSize.floorQuotient(of: epoch))
  }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    baseLR(group, like: current) * pow(gamma, stepSize.floorQuotient(of: lastEpoch))
  }
}
