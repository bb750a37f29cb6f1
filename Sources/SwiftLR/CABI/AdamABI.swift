import _SwiftLRShims

/// `swiftlr_adam_step`: validates every tensor and group, then runs the
/// kernels over all tensors together (`forEachTensorRange`), or one tensor
/// after another when their memory overlaps (`tensorsShareMemory`). Nothing
/// is written unless everything checks out.
@_cdecl("swiftlr_adam_step")
public func swiftlr_adam_step(
  _ tensors: UnsafePointer<swiftlr_adam_tensor>?, _ tensorCount: Int64,
  _ groups: UnsafePointer<swiftlr_adam_group>?, _ groupCount: Int64,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  guard tensorCount >= 0, groupCount >= 0,
    tensorCount == 0 || tensors != nil, groupCount == 0 || groups != nil
  else { return report(.value("invalid tensor or group list"), message) }
  let list = UnsafeBufferPointer(start: tensors, count: Int(tensorCount))
  let options = UnsafeBufferPointer(start: groups, count: Int(groupCount))
  var tally = TensorTally()
  do throws(SchedulerError) {
    // Options are not range-checked here: PyTorch checks them once, in the
    // constructor, and steps with whatever a scheduler sets.
    for g in options where TorchCapability(rawValue: g.capability) == nil {
      throw .value("unknown torch capability \(g.capability)")
    }
    for (index, t) in list.enumerated() {
      let amsgrad = t.group >= 0 && t.group < groupCount && options[Int(t.group)].amsgrad != 0
      try tally.add(
        group: t.group, groupCount: groupCount, count: t.count, dtype: t.dtype,
        hasArrays: t.param != nil && t.grad != nil && t.exp_avg != nil && t.exp_avg_sq != nil
          && (!amsgrad || t.max_exp_avg_sq != nil))
      if let error = selfOverlapError(t, index: index) { throw error }
    }
  } catch {
    return report(error, message)
  }
  guard let first = list.baseAddress, let groupBase = options.baseAddress else { return 0 }
  withUnsafeTemporaryAllocation(of: Int.self, capacity: list.count) { counts in
    for (k, t) in list.enumerated() { counts[k] = Int(t.count) }
    // Adam moves 7 arrays where SGD moves 4 or 5: a thread pays off sooner.
    // Tensors that share memory run in torch's order: one after another.
    forEachTensorRange(
      counts: UnsafeBufferPointer(counts), total: tally.total, minimumPerThread: sgdMinimumPerThread / 2,
      wake: sgdWakeElements(tally.widest) / 2, sequential: list.count > 1 && tensorsShareMemory(list)
    ) { k, range in
      let t = first + k
      let g = groupBase + Int(t.pointee.group)
      let (lo, hi) = (Int64(range.lowerBound), Int64(range.upperBound))
      if let kernels = bestKernels {
        kernels.adam(t, g, lo, hi)
      } else {
        adamRange(t, g, lo, hi, isa: PortableISA.self)
      }
    }
  }
  return 0
}

/// The Adam kernel on elements `lo..<hi` of one tensor: what each
/// instruction-set build compiles (see `sgdRange`).
@inlinable
public func adamRange<ISA: KernelISA>(
  _ t: UnsafePointer<swiftlr_adam_tensor>, _ g: UnsafePointer<swiftlr_adam_group>, _ lo: Int64, _ hi: Int64,
  isa: ISA.Type
) {
  let t = t.pointee
  let o = AdamOptions(g.pointee)
  let capability = TorchCapability(rawValue: g.pointee.capability) ?? .default
  func run<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type) {
    adamUpdate(
      param: t.param!.assumingMemoryBound(to: T.self), grad: t.grad!.assumingMemoryBound(to: T.self),
      expAvg: t.exp_avg!.assumingMemoryBound(to: T.self), expAvgSq: t.exp_avg_sq!.assumingMemoryBound(to: T.self),
      maxExpAvgSq: t.max_exp_avg_sq?.assumingMemoryBound(to: T.self), count: Int(t.count),
      range: Int(lo)..<Int(hi), step: t.step, options: o, capability: capability, isa: ISA.self)
  }
  if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) { run(Float.self) } else { run(Double.self) }
}

extension AdamOptions {
  @inlinable init(_ g: swiftlr_adam_group) {
    self.init(
      lr: g.lr, betas: (g.beta1, g.beta2), eps: g.eps, weightDecay: g.weight_decay, amsgrad: g.amsgrad != 0,
      maximize: g.maximize != 0, decoupledWeightDecay: g.decoupled != 0)
  }
}
