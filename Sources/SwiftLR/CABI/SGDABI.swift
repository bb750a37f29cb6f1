import _SwiftLRShims

/// `swiftlr_sgd_step`: see `optimizerStep`.
@_cdecl("swiftlr_sgd_step")
public func swiftlr_sgd_step(
  _ tensors: UnsafePointer<swiftlr_sgd_tensor>?, _ tensorCount: Int64,
  _ groups: UnsafePointer<swiftlr_sgd_group>?, _ groupCount: Int64,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  optimizerStep(
    tensors, tensorCount, groups, groupCount, message,
    hasArrays: { t, g in t.param != nil && t.grad != nil && (g.momentum == 0 || t.buffer != nil) },
    kernel: sgdRangeKernel)
}

/// Elements per thread below which a second thread costs more than it saves:
/// waking one takes microseconds, about the time one core takes to update
/// 10^4 cached elements.
let sgdMinimumPerThread = 1 << 15

/// Bytes of each array per thread below which sleeping workers are not woken
/// (see `parallelRanges`). Measured here (2 cores, float32, each step after
/// 2 ms of other work): the caller alone took 23 us for 1e5 elements where
/// waking the worker took 50 us; they cross near 5e5 (73 against 76 us);
/// at 7e5 the worker paid (87 against 114 us).
let sgdWakeBytesPerThread = 1 << 20

/// `sgdWakeBytesPerThread` in elements of `dtype` (float32 or float64).
func sgdWakeElements(_ dtype: swiftlr_dtype) -> Int {
  sgdWakeBytesPerThread / (dtype == SWIFTLR_FLOAT64 ? 8 : 4)
}

/// The kernels for this CPU: a build for a wider instruction set when one is
/// linked in and the CPU has it (see `swiftlr_best_kernels`), else the
/// portable ones below. Picked once.
let bestKernels: swiftlr_kernels? = swiftlr_best_kernels()?.pointee

/// The instruction set the SGD kernels run with ("portable", "avx2",
/// "avx512"), for the benchmarks' report.
@_cdecl("swiftlr_kernels_name")
public func swiftlr_kernels_name() -> UnsafePointer<CChar> {
  bestKernels?.name ?? portableName
}

private let portableName = UnsafeRawPointer(("portable" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)

@inline(__always)
func sgdRangeKernel(
  _ t: UnsafePointer<swiftlr_sgd_tensor>, _ g: UnsafePointer<swiftlr_sgd_group>, _ lo: Int64, _ hi: Int64
) {
  if let k = bestKernels { k.sgd(t, g, lo, hi) } else { sgdRange(t, g, lo, hi, isa: PortableISA.self) }
}

/// The SGD kernel on elements `lo..<hi` of one tensor: what each
/// instruction-set build of the kernels compiles (`@inlinable`, so it is
/// compiled in the module that calls it, for that module's target CPU, with
/// that module's `ISA` type so the builds' symbols differ; see `KernelISA`).
@inlinable
public func sgdRange<ISA: KernelISA>(
  _ t: UnsafePointer<swiftlr_sgd_tensor>, _ g: UnsafePointer<swiftlr_sgd_group>, _ lo: Int64, _ hi: Int64,
  isa: ISA.Type
) {
  let t = t.pointee
  let o = SGDOptions(g.pointee)
  func run<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type) {
    let param = t.param!.assumingMemoryBound(to: T.self) + Int(lo)
    let grad = t.grad!.assumingMemoryBound(to: T.self) + Int(lo)
    let buffer = t.buffer.map { $0.assumingMemoryBound(to: T.self) + Int(lo) }
    sgdUpdate(
      param: param, grad: grad, buffer: buffer, count: Int(hi - lo), freshBuffer: t.fresh_buffer != 0, options: o,
      isa: ISA.self)
  }
  if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) { run(Float.self) } else { run(Double.self) }
}

/// `a[lo..<hi] += scale * b[lo..<hi]`, float32 or float64 by `dtype`.
@inlinable
public func axpyRange<ISA: KernelISA>(
  _ a: UnsafeMutableRawPointer, _ b: UnsafeRawPointer, _ lo: Int64, _ hi: Int64, _ dtype: Int32, _ scale: Double,
  isa: ISA.Type
) {
  if dtype == Int32(SWIFTLR_FLOAT32.rawValue) {
    axpyKernel(
      a.assumingMemoryBound(to: Float.self) + Int(lo), b.assumingMemoryBound(to: Float.self) + Int(lo),
      count: Int(hi - lo), scale: Float(scale), isa: ISA.self)
  } else {
    axpyKernel(
      a.assumingMemoryBound(to: Double.self) + Int(lo), b.assumingMemoryBound(to: Double.self) + Int(lo),
      count: Int(hi - lo), scale: scale, isa: ISA.self)
  }
}

@_cdecl("swiftlr_axpy")
public func swiftlr_axpy(
  _ a: UnsafeMutableRawPointer?, _ b: UnsafeRawPointer?, _ count: Int64, _ dtype: Int32, _ scale: Double
) {
  guard let a, let b, count > 0 else { return }
  let wake = sgdWakeElements(dtype == Int32(SWIFTLR_FLOAT64.rawValue) ? SWIFTLR_FLOAT64 : SWIFTLR_FLOAT32)
  parallelRanges(total: Int(count), minimumPerThread: sgdMinimumPerThread, minimumToWake: wake) { range in
    let (lo, hi) = (Int64(range.lowerBound), Int64(range.upperBound))
    if let k = bestKernels {
      k.axpy(a, b, lo, hi, dtype, scale)
    } else {
      axpyRange(a, b, lo, hi, dtype, scale, isa: PortableISA.self)
    }
  }
}

extension SGDOptions {
  @inlinable init(_ g: swiftlr_sgd_group) {
    self.init(
      lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weight_decay,
      nesterov: g.nesterov != 0, maximize: g.maximize != 0, fusedMultiplyAdd: g.fma != 0)
  }
}

/// `swiftlr_sgd_check`: `torch.optim.SGD`'s constructor checks (`SGDOptions.check`)
/// of the values in `config` (`lr`, `momentum`, `dampening`, `weight_decay`, `nesterov`).
@_cdecl("swiftlr_sgd_check")
public func swiftlr_sgd_check(_ config: OpaquePointer, _ message: UnsafeMutablePointer<swiftlr_message>?) -> Int32 {
  let box: ConfigBox = unbox(config)
  let values = box.config.values
  do throws(SchedulerError) {
    try SGDOptions.check(
      lr: values["lr"] ?? .double(1e-3), momentum: values["momentum"] ?? .int(0),
      dampening: values["dampening"] ?? .int(0), weightDecay: values["weight_decay"] ?? .int(0),
      nesterov: try values["nesterov"]?.asBool("nesterov") ?? false)
    return 0
  } catch {
    return report(error, message)
  }
}
