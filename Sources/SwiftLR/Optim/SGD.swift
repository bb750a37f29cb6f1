import _SwiftLRShims

/// A trainable array for the Swift API: values plus an optional gradient.
///
/// Edge Cases:
/// - `data` and `grad` of 2 MiB or more are copied once, here, into storage
///   backed by transparent huge pages (`hugePageArray`), as numpy allocates
///   its large arrays: a step over them then runs as fast as the Python
///   build's over numpy arrays. An array assigned later keeps its own
///   storage; writing into `grad` in place (`p.grad![i] = g`) keeps the
///   hinted one.
public final class Parameter<Scalar: BinaryFloatingPoint & SIMDScalar> {
  // Written in place by every step; no dynamic exclusivity check per access.
  @exclusivity(unchecked) public var data: [Scalar]
  public var grad: [Scalar]?

  public init(_ data: [Scalar], grad: [Scalar]? = nil) {
    self.data = hugePageCopy(data)
    self.grad = grad.map(hugePageCopy)
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
  /// A param group: parameters, their `SGDOptions` and `initial_lr`.
  public typealias ParamGroup = OptimizerParamGroup<Scalar, SGDOptions>

  public var paramGroups: [ParamGroup]
  /// One momentum buffer per parameter that has taken a momentum step.
  public private(set) var momentumBuffers: [ObjectIdentifier: [Scalar]] = [:]

  public init(_ params: [Parameter<Scalar>], options: SGDOptions = SGDOptions()) throws(SchedulerError) {
    try self.init(groups: [ParamGroup(params: params, options: options)])
  }

  public init(groups: [ParamGroup]) throws(SchedulerError) {
    self.paramGroups = try Self.checked(groups)
  }

  /// One update of every parameter that has a gradient.
  ///
  /// Float and Double parameters run the Python build's route
  /// (`swiftlr_sgd_step`: the kernels for this CPU, split across the worker
  /// pool), and the loop around it is specialized here for each of the two:
  /// a caller in another module, which calls this generic method
  /// unspecialized, runs the same compiled code as the Python build. Other
  /// scalar types run the generic portable kernel.
  public mutating func step() throws(SchedulerError) {
    for g in paramGroups {
      try g.options.validate()
      for p in g.params {
        if let grad = p.grad, grad.count != p.data.count {
          throw .value("gradient has \(grad.count) elements, parameter has \(p.data.count)")
        }
      }
    }
    routeToKernels(
      &self, scalar: Scalar.self, float: { (o: inout SGD<Float>, dtype) in o.update(dtype) },
      double: { (o: inout SGD<Double>, dtype) in o.update(dtype) }, portable: { $0.update(nil) })
  }

  /// The update of `step()`, its checks done: through `swiftlr_sgd_step` for
  /// the C ABI's `dtype`, or the generic kernel when `dtype` is nil.
  mutating func update(_ dtype: Int32?) {
    for g in paramGroups {
      let momentum = g.options.momentum != 0
      var group = swiftlr_sgd_group(g.options)
      for p in g.params {
        guard let grad = p.grad else { continue }
        let key = ObjectIdentifier(p)
        // The buffer is swapped out of the dictionary, leaving it the only
        // reference: writing through it copies nothing.
        var buffer: [Scalar] = []
        var fresh = true
        if momentum, let index = momentumBuffers.index(forKey: key) {
          swap(&buffer, &momentumBuffers.values[index])
          fresh = false
        } else if momentum {
          buffer = hugePageZeros(grad.count)
        }
        let count = p.data.count
        grad.withUnsafeBufferPointer { gp in
          p.data.withUnsafeMutableBufferPointer { pp in
            buffer.withUnsafeMutableBufferPointer { bp in
              if let dtype {
                var tensor = swiftlr_sgd_tensor(
                  param: UnsafeMutableRawPointer(pp.baseAddress), grad: UnsafeRawPointer(gp.baseAddress),
                  buffer: momentum ? UnsafeMutableRawPointer(bp.baseAddress) : nil, count: Int64(count),
                  dtype: dtype, fresh_buffer: fresh ? 1 : 0, group: 0)
                _ = swiftlr_sgd_step(&tensor, 1, &group, 1, nil)  // checked by step(): cannot fail
              } else if count > 0 {
                sgdUpdate(
                  param: pp.baseAddress!, grad: gp.baseAddress!, buffer: momentum ? bp.baseAddress : nil,
                  count: count, freshBuffer: fresh, options: g.options)
              }
            }
          }
        }
        if momentum { momentumBuffers[key] = buffer }
      }
    }
  }
}

// MARK: - Driven by schedulers

extension SGD: ParamGroupOptimizer {}

extension swiftlr_sgd_group {
  /// A group's options as the C ABI passes them to the kernels.
  init(_ o: SGDOptions) {
    self.init(
      lr: o.lr, momentum: o.momentum, dampening: o.dampening, weight_decay: o.weightDecay, nesterov: o.nesterov ? 1 : 0,
      maximize: o.maximize ? 1 : 0, fma: o.fusedMultiplyAdd ? 1 : 0)
  }
}
