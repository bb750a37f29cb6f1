/// Scales each group's lr by a factor moving linearly from `startFactor` to
/// `endFactor` over `totalIters` epochs (PyTorch's `LinearLR`).
///
/// The step rule multiplies the current lr by the ratio of successive
/// factors, as PyTorch's chained `get_lr` does.
///
/// - Parameters:
///   - startFactor: factor at epoch 0, in (0, 1]. Default: 1/3.
///   - endFactor: factor from `totalIters` on, in [0, 1]. Default: 1.0.
///   - totalIters: length of the ramp, in epochs. Default: 5.
///   - isInitial: PyTorch's `_is_initial`, true only during the constructor's
///     initial step (the Python layer sets and clears it).
///
/// Edge cases: PyTorch accepts `totalIters = 0` and then divides by zero in
/// the closed form (`step(epoch)`); this type rejects it up front.
public struct LinearLR: DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var startFactor = 1.0
  public var endFactor = 1.0
  public var totalIters: IntOrFloat = 1
  public var isInitial = false

  public init() {}

  public init(
    baseLRs: [Double], startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: IntOrFloat = 5,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.startFactor = startFactor
      $0.endFactor = endFactor
      $0.totalIters = totalIters
    }
  }

  public static let hyperparameters: [Hyperparameter<LinearLR>] = [
    .float("start_factor", \.startFactor, default: 1.0 / 3, first: true) { (v) throws(SchedulerError) in
      if v > 1.0 || v <= 0 {
        throw .value("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
      }
    },
    .float("end_factor", \.endFactor, default: 1.0, first: true) { (v) throws(SchedulerError) in
      if v > 1.0 || v < 0 { throw .value("Ending multiplicative factor expected to be between 0 and 1.") }
    },
    .intOrFloat("total_iters", \.totalIters, default: 5) { (v) throws(SchedulerError) in
      guard v.double != 0 else { throw .value("total_iters must not be 0: the closed form divides by total_iters") }
    },
  ]

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    if lastEpoch == 0 { return current * startFactor }
    if isInitial || lastEpoch > totalIters { return current }
    // lastEpoch <= totalIters, but step(epoch) can leave it at Int.min: take
    // lastEpoch - 1 in 128 bits (Python's int), then round it to a double.
    let span = endFactor - startFactor
    return current * (1.0 + span / (totalIters.double * startFactor + floatOfDifference(lastEpoch, 1) * span))
  }

  /// After epoch 0, past `totalIters` the lr stays.
  public func lrUnchangedThrough() -> Int {
    lastEpoch >= 0 && totalIters.isBelow(epochAfter: lastEpoch) ? Int.max : lastEpoch
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    let reached = totalIters.minimum(lastEpoch)
    return baseLR(group, like: current) * (startFactor + (endFactor - startFactor) * reached / totalIters.double)
  }
}
