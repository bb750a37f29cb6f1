#if canImport(Glibc)
  import Glibc
#endif

/// Anneals each group's lr to its `swa_lr` over `anneal_epochs` steps, then
/// holds it there (PyTorch's `torch.optim.swa_utils.SWALR`).
///
/// PyTorch's rule is chained: it recovers the lr the annealing started from
/// out of the current lr and the previous step's weight `alpha`, then mixes
/// it with `swa_lr` by this step's `alpha` (`t` for `"linear"`,
/// `(1 - cos(pi t)) / 2` for `"cos"`, with `t = step / anneal_epochs` in
/// [0, 1]). The step number is PyTorch's `_step_count - 1` (from `step`'s
/// context), and `swa_lr` lives in each param group, so each step takes one
/// input per group: its `swa_lr`.
///
/// - Parameters:
///   - annealEpochs: steps of the annealing phase, >= 0. Default: 10.
///   - annealStrategy: `"cos"` or `"linear"` (PyTorch's `_anneal_strategy`).
///
/// Edge cases: a step number that is not an integer throws; `anneal_epochs = 0`
/// jumps to `swa_lr` at once, as in PyTorch.
public struct SWALR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  public var annealEpochs: Int
  public var annealStrategy: AnnealStrategy
  /// PyTorch's `_step_count - 1` at the last step.
  public var stepNumber = 0
  /// Each group's `swa_lr` at the last step.
  public var swaLRs: [Double]

  public init(
    baseLRs: [Double], swaLRs: [Double], annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos,
    lastEpoch: Int = -1
  ) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.swaLRs = swaLRs
    self.annealEpochs = annealEpochs
    self.annealStrategy = annealStrategy
    self.lastEpoch = lastEpoch
    try checkState()
  }

  public static func groupInputKeys(cycleMomentum: Bool) -> [String] { ["swa_lr"] }

  /// In PyTorch's order; `anneal_epochs` must be a Python int (`isinstance`).
  public static let arguments: [SchedulerArgument] = [
    .perGroup("swa_lr"),
    .choice("anneal_strategy", AnnealStrategy.self, default: .cos, message: AnnealStrategy.unknown),
    .strictInt("anneal_epochs", default: .int(10)) { (v, i) throws(SchedulerError) in
      guard let i, i >= 0 else { throw .value("anneal_epochs must be equal or greater than 0, got \(v.pythonText)") }
    },
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(
      baseLRs: a.doubles("base_lrs"), swaLRs: a.perGroup("swa_lr"), annealEpochs: a.int("anneal_epochs"),
      annealStrategy: a.choice("anneal_strategy"), lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<SWALR>] = [
    .int("anneal_epochs", \.annealEpochs), .choice("_anneal_strategy", \.annealStrategy),
  ]

  public var inputCount: Int { baseLRs.count }
  public var stepCount = 0

  public func validate() throws(SchedulerError) {
    guard swaLRs.count == baseLRs.count else { throw .value("expected \(baseLRs.count) swa_lrs, got \(swaLRs.count)") }
  }

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    // PyTorch's `_step_count - 1`, kept well inside Int for the arithmetic below.
    guard stepCount > Int.min / 2 + 1, stepCount < Int.max / 2 else {
      throw .overflow("_step_count is out of range: \(stepCount)")
    }
    stepNumber = stepCount - 1
    keep(inputs, in: &swaLRs)
    lastEpoch = epoch
  }

  /// Python's `max(0, min(1, x))`.
  func clamp(_ x: Double) -> Double {
    let upper = x < 1 ? x : 1
    return upper > 0 ? upper : 0
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    guard group < swaLRs.count else { return current }
    let swa = swaLRs[group]
    let step = annealEpochs == 0 ? max(1, stepNumber) : stepNumber
    // Python's int divisions, correctly rounded (a loaded `_step_count` may pass 2**53).
    let span = max(1, annealEpochs)
    let prevAlpha = annealStrategy.weight(clamp(step > Int.min ? trueDivide(step - 1, span) : -.infinity))
    let alpha = annealStrategy.weight(clamp(trueDivide(step, span)))
    // PyTorch's `_get_initial_lr`: the lr the annealing started from; it is
    // the Python float `swa_lr` when alpha was 1, else the lr's kind.
    if prevAlpha == 1 { return current.storing(swa * alpha + swa * (1 - alpha)) }
    let start = (current - prevAlpha * swa) / (1 - prevAlpha)
    return swa * alpha + start * (1 - alpha)
  }
}
