/// A scheduler whose rule multiplies by per-group factors that user
/// functions compute outside the core (PyTorch's `LambdaLR` and
/// `MultiplicativeLR`): each step takes the functions' values at the epoch it
/// goes to, one per group, as `inputs`, and keeps them in `factors`.
///
/// Conforming types supply the rule (`chainedLR`); stepping, input counts,
/// construction and validation come from here.
public protocol UserFactorScheduler: LRScheduler {
  /// The scheduler's state (the same for both rules).
  var userFactors: UserFactors { get set }
  init(userFactors: UserFactors)
}

/// The state of a `UserFactorScheduler`.
public struct UserFactors {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  /// The factors of the most recent step, one per group.
  public var factors: [Double]
  /// The Swift functions of the epoch that give each group's factor, when
  /// built on an optimizer (`init(_:lrLambdas:lastEpoch:)`); empty when the
  /// caller passes the factors with each step (the Python build).
  public var lrLambdas: [(Int) -> Double] = []

  /// Each group's factor starts at 1.
  public init(baseLRs: [Double], lastEpoch: Int) {
    self.baseLRs = baseLRs
    self.lastEpoch = lastEpoch
    self.factors = Array(repeating: 1, count: baseLRs.count)
  }
}

extension UserFactorScheduler {
  public var baseLRs: [Double] {
    get { userFactors.baseLRs }
    set { userFactors.baseLRs = newValue }
  }
  public var lastEpoch: Int {
    get { userFactors.lastEpoch }
    set { userFactors.lastEpoch = newValue }
  }
  /// The factors of the most recent step, one per group.
  public var factors: [Double] {
    get { userFactors.factors }
    set { userFactors.factors = newValue }
  }
  /// Each group's factor as a function of the epoch, or empty when the
  /// factors come with each step.
  public var lrLambdas: [(Int) -> Double] {
    get { userFactors.lrLambdas }
    set { userFactors.lrLambdas = newValue }
  }

  /// A scheduler over groups with `baseLRs`, each factor 1.
  public init(baseLRs: [Double], lastEpoch: Int = -1) throws(SchedulerError) {
    self.init(userFactors: UserFactors(baseLRs: baseLRs, lastEpoch: lastEpoch))
    try checkState()
  }

  /// PyTorch's constructor on an optimizer (`LambdaLR(optimizer, lr_lambda,
  /// last_epoch=-1)`, `MultiplicativeLR`'s): the factor of each group at an
  /// epoch is `lrLambdas[group](epoch)`; one function serves every group.
  public init<O: ScheduledOptimizer>(
    _ optimizer: inout O, lrLambdas: [(Int) -> Double], lastEpoch: Int = -1
  ) throws(SchedulerError) {
    let lambdas = try userFunctions(lrLambdas, groups: optimizer.learningRates.count)
    self = try attach(&optimizer, lastEpoch: lastEpoch) { (b) throws(SchedulerError) in
      var s = try Self(baseLRs: b, lastEpoch: lastEpoch)
      s.lrLambdas = lambdas
      return s
    }
  }

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

  public mutating func move(to epoch: Int, inputs: UnsafeBufferPointer<Double>) throws(SchedulerError) {
    lastEpoch = epoch
    setFactors(inputs)
  }

  /// Copies the step's factors in place when the count is unchanged: no allocation per step.
  mutating func setFactors(_ inputs: UnsafeBufferPointer<Double>) {
    if userFactors.factors.count == inputs.count {
      userFactors.factors.withUnsafeMutableBufferPointer { _ = $0.initialize(fromContentsOf: inputs) }
    } else {
      userFactors.factors = Array(inputs)
    }
  }
}
