#if canImport(Glibc)
  import Glibc
#endif

/// Decays each group's lr by `gamma` every epoch (PyTorch's `ExponentialLR`).
///
/// - Parameters:
///   - gamma: multiplicative factor of the decay.
///   - isInitial: PyTorch's `_is_initial`, true only during the constructor's
///     initial step, which leaves the lrs as they are (the Python layer sets
///     and clears it).
///
/// Edge cases: the closed form is `base_lr * gamma ** last_epoch`, which
/// differs in the last bits from the chained product; PyTorch uses it only
/// on the deprecated `step(epoch)` path, and so does this type.
public struct ExponentialLR: DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var gamma = 0.0
  public var isInitial = false

  public init() {}

  public init(baseLRs: [Double], gamma: Double, lastEpoch: Int = -1) throws(SchedulerError) {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) { $0.gamma = gamma }
  }

  public static let hyperparameters: [Hyperparameter<ExponentialLR>] = [.float("gamma", \.gamma)]

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    isInitial ? current : current * gamma
  }

  public static var hasClosedForm: Bool { true }

  public func checkClosedFormLR(at epoch: Int) throws(SchedulerError) {
    try checkPower(gamma, Double(epoch))
  }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    baseLR(group, like: current) * pow(gamma, Double(lastEpoch))
  }
}
