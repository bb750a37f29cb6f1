import _SwiftLRShims

/// `swiftlr_adam_step`: see `optimizerStep`. Adam moves 7 arrays where SGD
/// moves 4 or 5: a thread pays off at half SGD's elements.
@_cdecl("swiftlr_adam_step")
public func swiftlr_adam_step(
  _ tensors: UnsafePointer<swiftlr_adam_tensor>?, _ tensorCount: Int64,
  _ groups: UnsafePointer<swiftlr_adam_group>?, _ groupCount: Int64,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  optimizerStep(
    tensors, tensorCount, groups, groupCount, message, threadShare: 2,
    checkGroup: { g in
      TorchCapability(rawValue: g.capability) == nil ? .value("unknown torch capability \(g.capability)") : nil
    },
    hasArrays: { t, g in
      t.param != nil && t.grad != nil && t.exp_avg != nil && t.exp_avg_sq != nil
        && (g.amsgrad == 0 || t.max_exp_avg_sq != nil)
    },
    kernel: { t, g, lo, hi in
      if let kernels = bestKernels {
        kernels.adam(t, g, lo, hi)
      } else {
        adamRange(t, g, lo, hi, isa: PortableISA.self)
      }
    })
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
