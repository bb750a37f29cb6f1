/// A scheduler whose rule multiplies by per-group factors that user
/// functions compute outside the core (PyTorch's `LambdaLR` and
/// `MultiplicativeLR`): each step takes the functions' values at the epoch it
/// goes to, one per group, as `inputs`, and keeps them in `factors`.
///
/// Conforming types supply the rule (`chainedLR`); stepping, input counts,
/// construction and validation come from here.
public protocol UserFactorScheduler: LRScheduler {
  /// The factors of the most recent step, one per group.
  var factors: [Double] { get set }
  /// Each group's factor as a function of the epoch, or empty when the
  /// factors come with each step.
  var lrLambdas: [(Int) -> Double] { get set }
  init(baseLRs: [Double], lastEpoch: Int) throws(SchedulerError)
}

extension UserFactorScheduler {
  public static var arguments: [SchedulerArgument] { [] }

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    try self.init(baseLRs: a.doubles("base_lrs"), lastEpoch: a.int("last_epoch"))
  }

  public static var fields: [SchedulerField<Self>] { [] }

  public var inputCount: Int { baseLRs.count }

  /// Each group's function at `epoch` (PyTorch's `lmbda(self.last_epoch)`).
  public func stepInputs(toEpoch epoch: Int, isInitial: Bool) throws(SchedulerError) -> [Double] {
    try lambdaFactors(at: epoch)
  }

  /// Each group's `lrLambdas` value at `epoch`.
  func lambdaFactors(at epoch: Int) throws(SchedulerError) -> [Double] {
    guard lrLambdas.count == baseLRs.count else {
      throw .type("\(Self.self) has no lr_lambda for its \(baseLRs.count) groups: build it with lrLambdas")
    }
    return lrLambdas.map { $0(epoch) }
  }

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs)
  }

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = epoch
    setFactors(inputs)
  }

  /// Copies the step's factors in place when the count is unchanged: no allocation per step.
  mutating func setFactors(_ inputs: UnsafeBufferPointer<Double>) {
    if factors.count == inputs.count {
      factors.withUnsafeMutableBufferPointer { _ = $0.initialize(fromContentsOf: inputs) }
    } else {
      factors = Array(inputs)
    }
  }
}
