/// A trainable array for the Swift API: values plus an optional gradient.
public final class Parameter<Scalar: BinaryFloatingPoint & SIMDScalar> {
  // Written in place by every step; no dynamic exclusivity check per access.
  @exclusivity(unchecked) public var data: [Scalar]
  public var grad: [Scalar]?

  public init(_ data: [Scalar], grad: [Scalar]? = nil) {
    self.data = data
    self.grad = grad
  }
}

/// Stochastic gradient descent with momentum, `torch.optim.SGD` in Swift.
///
/// Each param group has its own `SGDOptions`; a scheduler drives the groups'
/// lrs through `learningRates`. The momentum buffer of a parameter starts as
/// its first (decayed) gradient, undamped, as in PyTorch.
///
/// Edge cases: parameters whose `grad` is nil are skipped; a gradient whose
/// count differs from the parameter's makes `step` throw before anything is
/// updated.
public struct SGD<Scalar: BinaryFloatingPoint & SIMDScalar> {
  public struct ParamGroup {
    public var params: [Parameter<Scalar>]
    public var options: SGDOptions
    /// The initial lr recorded by the first scheduler attached (`initial_lr`).
    public var initialLR: Double?

    public init(params: [Parameter<Scalar>], options: SGDOptions) {
      self.params = params
      self.options = options
    }
  }

  public var paramGroups: [ParamGroup]
  /// One momentum buffer per parameter that has taken a momentum step.
  public private(set) var momentumBuffers: [ObjectIdentifier: [Scalar]] = [:]

  public init(_ params: [Parameter<Scalar>], options: SGDOptions = SGDOptions()) throws(SchedulerError) {
    try self.init(groups: [ParamGroup(params: params, options: options)])
  }

  public init(groups: [ParamGroup]) throws(SchedulerError) {
    guard !groups.isEmpty else { throw .value("optimizer got an empty parameter list") }
    for g in groups { try g.options.validate() }
    self.paramGroups = groups
  }

  /// Each group's lr, in group order.
  public var learningRates: [Double] {
    get { paramGroups.map(\.options.lr) }
    set {
      for i in paramGroups.indices where i < newValue.count { paramGroups[i].options.lr = newValue[i] }
    }
  }

  /// Sets every gradient to nil.
  public func zeroGrad() {
    for g in paramGroups { for p in g.params { p.grad = nil } }
  }

  /// One update of every parameter that has a gradient.
  public mutating func step() throws(SchedulerError) {
    for g in paramGroups {
      try g.options.validate()
      for p in g.params {
        if let grad = p.grad, grad.count != p.data.count {
          throw .value("gradient has \(grad.count) elements, parameter has \(p.data.count)")
        }
      }
    }
    for g in paramGroups {
      for p in g.params {
        guard let grad = p.grad else { continue }
        let key = ObjectIdentifier(p)
        let fresh = momentumBuffers[key] == nil
        var buffer = g.options.momentum != 0 ? (momentumBuffers.removeValue(forKey: key) ?? grad) : []
        let count = p.data.count
        grad.withUnsafeBufferPointer { gp in
          p.data.withUnsafeMutableBufferPointer { pp in
            buffer.withUnsafeMutableBufferPointer { bp in
              sgdUpdate(
                param: pp.baseAddress!, grad: gp.baseAddress!,
                buffer: g.options.momentum != 0 ? bp.baseAddress : nil,
                count: count, freshBuffer: fresh, options: g.options)
            }
          }
        }
        if g.options.momentum != 0 { momentumBuffers[key] = buffer }
      }
    }
  }
}

extension LRScheduler {
  /// Steps the scheduler over an SGD optimizer's group lrs.
  public mutating func step<S>(_ optimizer: inout SGD<S>) throws(SchedulerError) {
    var lrs = optimizer.learningRates
    try step(&lrs)
    optimizer.learningRates = lrs
  }
}
