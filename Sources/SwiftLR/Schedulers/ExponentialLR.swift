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
public struct ExponentialLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var gamma: Double
  public var isInitial = false

  public init(baseLRs: [Double], gamma: Double, lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.gamma = gamma
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static let arguments: [SchedulerArgument] = [.float("gamma")]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(baseLRs: a.doubles("base_lrs"), gamma: a.double("gamma"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<ExponentialLR>] = [
    .double("gamma", \.gamma)
  ]

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
