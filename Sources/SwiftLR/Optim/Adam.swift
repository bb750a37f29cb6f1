/// Adam (and AdamW), `torch.optim.Adam` in Swift, bit for bit torch's fused
/// CPU kernel under `capability` (torch's own choice on this machine by
/// default: see `TorchCapability`).
///
/// Each param group has its own `AdamOptions`; a scheduler drives the groups'
/// lrs through `learningRates` (and OneCycleLR/CyclicLR's momentum through
/// `momenta`, each group's `beta1`). Each parameter's state starts at its first step: zero
/// moments, and a float32 step count that stops at 2^24, as torch's.
///
/// Edge cases: parameters whose `grad` is nil are skipped; a gradient whose
/// count differs from the parameter's makes `step` throw before anything is
/// updated.
public struct Adam<Scalar: BinaryFloatingPoint & SIMDScalar> {
  public struct ParamGroup {
    public var params: [Parameter<Scalar>]
    public var options: AdamOptions
    /// The initial lr recorded by the first scheduler attached (`initial_lr`).
    public var initialLR: Double?

    public init(params: [Parameter<Scalar>], options: AdamOptions) {
      self.params = params
      self.options = options
    }
  }

  /// One parameter's state, under torch's names.
  public struct State {
    public var step: Float = 0
    public var expAvg: [Scalar]
    public var expAvgSq: [Scalar]
    public var maxExpAvgSq: [Scalar]?
  }

  public var paramGroups: [ParamGroup]
  public var capability: TorchCapability
  public private(set) var state: [ObjectIdentifier: State] = [:]

  public init(
    _ params: [Parameter<Scalar>], options: AdamOptions = AdamOptions(),
    capability: TorchCapability = .current
  ) throws(SchedulerError) {
    try self.init(groups: [ParamGroup(params: params, options: options)], capability: capability)
  }

  public init(groups: [ParamGroup], capability: TorchCapability = .current) throws(SchedulerError) {
    guard !groups.isEmpty else { throw .value("optimizer got an empty parameter list") }
    for g in groups { try g.options.validate() }
    self.paramGroups = groups
    self.capability = capability
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

  /// The state of `parameter`, nil before its first step.
  public func state(of parameter: Parameter<Scalar>) -> State? { state[ObjectIdentifier(parameter)] }

  /// One update of every parameter that has a gradient.
  public mutating func step() throws(SchedulerError) {
    for g in paramGroups {
      for p in g.params {
        if let grad = p.grad, grad.count != p.data.count {
          throw .value("gradient has \(grad.count) elements, parameter has \(p.data.count)")
        }
        if let s = state[ObjectIdentifier(p)], s.expAvg.count != p.data.count {
          throw .value("state has \(s.expAvg.count) elements, parameter has \(p.data.count)")
        }
      }
    }
    for g in paramGroups {
      for p in g.params {
        guard let grad = p.grad else { continue }
        let key = ObjectIdentifier(p)
        let count = p.data.count
        var s =
          state.removeValue(forKey: key)
          ?? State(expAvg: Array(repeating: 0, count: count), expAvgSq: Array(repeating: 0, count: count))
        if g.options.amsgrad && s.maxExpAvgSq == nil { s.maxExpAvgSq = Array(repeating: 0, count: count) }
        s.step += 1
        var maxSq = s.maxExpAvgSq ?? []
        grad.withUnsafeBufferPointer { gp in
          p.data.withUnsafeMutableBufferPointer { pp in
            s.expAvg.withUnsafeMutableBufferPointer { m in
              s.expAvgSq.withUnsafeMutableBufferPointer { v in
                maxSq.withUnsafeMutableBufferPointer { x in
                  guard let pp = pp.baseAddress, let gp = gp.baseAddress else { return }
                  adamUpdate(
                    param: pp, grad: gp, expAvg: m.baseAddress!, expAvgSq: v.baseAddress!,
                    maxExpAvgSq: g.options.amsgrad ? x.baseAddress : nil, count: count, range: 0..<count,
                    step: s.step, options: g.options, capability: capability, isa: PortableISA.self)
                }
              }
            }
          }
        }
        if s.maxExpAvgSq != nil { s.maxExpAvgSq = maxSq }
        state[key] = s
      }
    }
  }
}

// MARK: - Driven by schedulers

extension Adam: ScheduledOptimizer {
  public var initialLRs: [Double?] {
    get { paramGroups.map(\.initialLR) }
    set {
      for i in paramGroups.indices where i < newValue.count { paramGroups[i].initialLR = newValue[i] }
    }
  }

  /// Each group's `betas[0]` (what `OneCycleLR` and `CyclicLR` cycle on Adam).
  public var momenta: [Double] {
    get { paramGroups.map(\.options.beta1) }
    set {
      for i in paramGroups.indices where i < newValue.count { paramGroups[i].options.beta1 = newValue[i] }
    }
  }
}
