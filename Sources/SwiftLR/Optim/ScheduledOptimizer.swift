/// An optimizer a scheduler can drive: what PyTorch's `lr_scheduler` reads
/// from and writes into an optimizer's param groups.
///
/// `SGD` conforms; an optimizer that conforms is driven by every scheduler
/// with one call, `try scheduler.step(&optimizer)`, and gets PyTorch's
/// constructor (its initial step) from `init(_:...)` of each scheduler.
///
/// Edge cases: setters receive exactly one value per group (the schedulers
/// never change the number of groups); a conforming type may ignore extra
/// values but must not trap on them.
public protocol ScheduledOptimizer {
  /// Each group's `lr`, in group order.
  var learningRates: [Double] { get set }

  /// Each group's `initial_lr`: nil until a scheduler built with
  /// `lastEpoch == -1` records the group's lr there (PyTorch's
  /// `group.setdefault("initial_lr", group["lr"])`).
  var initialLRs: [Double?] { get set }

  /// Each group's value that `OneCycleLR` and `CyclicLR` cycle: SGD's
  /// `momentum`, Adam's `beta1` (`betas[0]`), as PyTorch picks it.
  var momenta: [Double] { get set }
}

// MARK: - The Swift optimizers' param groups

/// One param group's hyperparameters in a Swift optimizer (``SGDOptions``,
/// ``AdamOptions``).
public protocol OptimizerOptions: Equatable, Sendable {
  /// The group's learning rate.
  var lr: Double { get set }
  /// Where the value `OneCycleLR` and `CyclicLR` cycle lives (see
  /// ``ScheduledOptimizer/momenta``).
  static var cycledMomentum: WritableKeyPath<Self, Double> { get }
  /// PyTorch's constructor checks, in its words.
  func validate() throws(SchedulerError)
}

/// One param group of a Swift optimizer: its parameters, its options and the
/// `initial_lr` a scheduler records.
public struct OptimizerParamGroup<Scalar: BinaryFloatingPoint & SIMDScalar, Options: OptimizerOptions> {
  public var params: [Parameter<Scalar>]
  public var options: Options
  /// The initial lr recorded by the first scheduler attached (`initial_lr`).
  public var initialLR: Double?

  /// A group of `params` with `options` and no `initial_lr` yet.
  public init(params: [Parameter<Scalar>], options: Options) {
    self.params = params
    self.options = options
  }
}

/// A Swift optimizer over param groups (``SGD``, ``Adam``): the one
/// implementation of what a scheduler reads and writes in its groups.
public protocol ParamGroupOptimizer: ScheduledOptimizer {
  /// The parameters' scalar type.
  associatedtype Scalar: BinaryFloatingPoint & SIMDScalar
  /// The groups' hyperparameters.
  associatedtype Options: OptimizerOptions
  /// The param groups, in PyTorch's order.
  var paramGroups: [OptimizerParamGroup<Scalar, Options>] { get set }
}

extension ParamGroupOptimizer {
  /// Each group's lr, in group order.
  public var learningRates: [Double] {
    get { paramGroups.map(\.options.lr) }
    set {
      for i in paramGroups.indices where i < newValue.count { paramGroups[i].options.lr = newValue[i] }
    }
  }

  /// Each group's `initial_lr`, in group order.
  public var initialLRs: [Double?] {
    get { paramGroups.map(\.initialLR) }
    set {
      for i in paramGroups.indices where i < newValue.count { paramGroups[i].initialLR = newValue[i] }
    }
  }

  /// Each group's cycled momentum (`Options.cycledMomentum`), in group order.
  public var momenta: [Double] {
    get { paramGroups.map { $0.options[keyPath: Options.cycledMomentum] } }
    set {
      for i in paramGroups.indices where i < newValue.count {
        paramGroups[i].options[keyPath: Options.cycledMomentum] = newValue[i]
      }
    }
  }

  /// Sets every gradient to nil.
  public func zeroGrad() {
    for g in paramGroups { for p in g.params { p.grad = nil } }
  }

  /// The groups an initializer takes, checked as PyTorch's constructor does.
  static func checked(_ groups: [OptimizerParamGroup<Scalar, Options>]) throws(SchedulerError)
    -> [OptimizerParamGroup<Scalar, Options>]
  {
    guard !groups.isEmpty else { throw .value("optimizer got an empty parameter list") }
    for g in groups { try g.options.validate() }
    return groups
  }
}
