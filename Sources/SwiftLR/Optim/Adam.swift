import _SwiftLRShims

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
  /// A param group: parameters, their `AdamOptions` and `initial_lr`.
  public typealias ParamGroup = OptimizerParamGroup<Scalar, AdamOptions>

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
    self.paramGroups = try Self.checked(groups)
    self.capability = capability
  }

  /// The state of `parameter`, nil before its first step.
  public func state(of parameter: Parameter<Scalar>) -> State? { state[ObjectIdentifier(parameter)] }

  /// One update of every parameter that has a gradient.
  ///
  /// Float and Double parameters run the Python build's route
  /// (`swiftlr_adam_step`: the kernels for this CPU, split across the worker
  /// pool), specialized here for each of the two as in `SGD.step()`: a caller
  /// in another module runs the same compiled code as the Python build. Other
  /// scalar types run the generic portable kernel. The moments are allocated
  /// at a parameter's first step, with huge pages when large (`hugePageArray`).
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
    routeToKernels(
      &self, scalar: Scalar.self, float: { (o: inout Adam<Float>, dtype) in o.update(dtype) },
      double: { (o: inout Adam<Double>, dtype) in o.update(dtype) }, portable: { $0.update(nil) })
  }

  /// The update of `step()`, its checks done: through `swiftlr_adam_step` for
  /// the C ABI's `dtype`, or the generic kernel when `dtype` is nil.
  mutating func update(_ dtype: Int32?) {
    for g in paramGroups {
      var group = swiftlr_adam_group(g.options, capability: capability)
      for p in g.params {
        guard let grad = p.grad else { continue }
        let key = ObjectIdentifier(p)
        let count = p.data.count
        // Taken out of the dictionary (and the optional), each moment is the
        // only reference to its storage: writing through it copies nothing.
        var s = state.removeValue(forKey: key) ?? State(expAvg: hugePageZeros(count), expAvgSq: hugePageZeros(count))
        let keepsMax = g.options.amsgrad || s.maxExpAvgSq != nil
        var maxSq = s.maxExpAvgSq ?? (g.options.amsgrad ? hugePageZeros(count) : [])
        s.maxExpAvgSq = nil
        s.step += 1
        grad.withUnsafeBufferPointer { gp in
          p.data.withUnsafeMutableBufferPointer { pp in
            s.expAvg.withUnsafeMutableBufferPointer { m in
              s.expAvgSq.withUnsafeMutableBufferPointer { v in
                maxSq.withUnsafeMutableBufferPointer { x in
                  guard count > 0, let pp = pp.baseAddress, let gp = gp.baseAddress else { return }
                  let maxExpAvgSq = g.options.amsgrad ? x.baseAddress : nil
                  if let dtype {
                    var tensor = swiftlr_adam_tensor(
                      param: pp, grad: gp, exp_avg: m.baseAddress, exp_avg_sq: v.baseAddress,
                      max_exp_avg_sq: maxExpAvgSq, count: Int64(count), dtype: dtype, step: s.step, group: 0)
                    _ = swiftlr_adam_step(&tensor, 1, &group, 1, nil)  // checked by step(): cannot fail
                  } else {
                    adamUpdate(
                      param: pp, grad: gp, expAvg: m.baseAddress!, expAvgSq: v.baseAddress!,
                      maxExpAvgSq: maxExpAvgSq, count: count, range: 0..<count, step: s.step, options: g.options,
                      capability: capability, isa: PortableISA.self)
                  }
                }
              }
            }
          }
        }
        if keepsMax { s.maxExpAvgSq = maxSq }
        state[key] = s
      }
    }
  }
}

// MARK: - Driven by schedulers

extension Adam: ParamGroupOptimizer {}

extension swiftlr_adam_group {
  /// A group's options as the C ABI passes them to the kernels.
  init(_ o: AdamOptions, capability: TorchCapability) {
    self.init(
      lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weight_decay: o.weightDecay, amsgrad: o.amsgrad ? 1 : 0,
      maximize: o.maximize ? 1 : 0, decoupled: o.decoupledWeightDecay ? 1 : 0, capability: capability.rawValue)
  }
}
