/// Multiplies each group's lr by `factor` until `lastEpoch` reaches
/// `totalIters`, then restores it (PyTorch's `ConstantLR`).
///
/// - Parameters:
///   - factor: the multiplier, in (0, 1]. Default: 1/3.
///   - totalIters: the epoch at which the lr is divided back by `factor`. Default: 5.
///
/// Edge cases: PyTorch accepts `factor = 0` and then divides by zero when
/// `lastEpoch` reaches `totalIters`; this type rejects it up front.
public struct ConstantLR: DeclaredScheduler {
  public var baseLRs: [Double] = []
  public var lastEpoch = -1
  public var factor = 1.0
  public var totalIters: IntOrFloat = 0

  public init() {}

  public init(baseLRs: [Double], factor: Double = 1.0 / 3, totalIters: IntOrFloat = 5, lastEpoch: Int = -1)
    throws(SchedulerError)
  {
    try self.init(baseLRs: baseLRs, lastEpoch: lastEpoch) {
      $0.factor = factor
      $0.totalIters = totalIters
    }
  }

  public static let hyperparameters: [Hyperparameter<ConstantLR>] = [
    .float("factor", \.factor, default: 1.0 / 3, first: true) { (v) throws(SchedulerError) in
      if v > 1.0 || v < 0 { throw .value("Constant multiplicative factor expected to be between 0 and 1.") }
      if v == 0 { throw .value("factor must be greater than 0: the lr is divided by factor at total_iters") }
    },
    .intOrFloat("total_iters", \.totalIters, default: 5),
  ]

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    if lastEpoch == 0 { return current * factor }
    if lastEpoch != totalIters { return current }
    return current * (1.0 / factor)
  }

  /// After epoch 0 the lr changes at `totalIters` alone (an integral one).
  public func lrUnchangedThrough() -> Int {
    guard lastEpoch >= 0 else { return lastEpoch }
    return totalIters.nextEqualEpoch(after: lastEpoch).map { $0 - 1 } ?? Int.max
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    // PyTorch: factor + (last_epoch >= total_iters) * (1 - factor); bool * float.
    let reached: Double = lastEpoch >= totalIters ? 1 : 0
    return baseLR(group, like: current) * (factor + reached * (1 - factor))
  }
}
