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
public struct StepLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var stepSize: IntOrFloat
  public var gamma: Double

  public init(baseLRs: [Double], stepSize: IntOrFloat, gamma: Double = 0.1, lastEpoch: Int = -1) throws(SchedulerError)
  {
    self.baseLRs = baseLRs
    self.stepSize = stepSize
    self.gamma = gamma
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [
    .intOrFloat("step_size") { (v) throws(SchedulerError) in
      guard v.double > 0 else { throw .value("step_size must be positive, got \(v)") }
    },
    .float("gamma", default: 0.1),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), stepSize: a.intOrFloat("step_size"), gamma: a.double("gamma"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<StepLR>] = [
    .intOrFloat("step_size", \.stepSize), .double("gamma", \.gamma),
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
