import _SwiftLRShims

/// SGD's hyperparameters for one param group, as in `torch.optim.SGD`.
public struct SGDOptions: OptimizerOptions {
  public var lr: Double
  public var momentum: Double
  public var dampening: Double
  public var weightDecay: Double
  public var nesterov: Bool
  public var maximize: Bool
  /// Round each `x + a*y` once, as a fused multiply-add (torch's AVX2 and
  /// AVX-512 kernels), rather than twice (its default kernels). Defaults to
  /// what torch does in this process (`TorchCapability.current`).
  public var fusedMultiplyAdd: Bool

  /// What `OneCycleLR` and `CyclicLR` cycle: `momentum`.
  public static var cycledMomentum: WritableKeyPath<Self, Double> { \.momentum }

  public init(
    lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
    nesterov: Bool = false, maximize: Bool = false,
    fusedMultiplyAdd: Bool = TorchCapability.current.fusesMultiplyAdd
  ) {
    self.lr = lr
    self.momentum = momentum
    self.dampening = dampening
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    self.maximize = maximize
    self.fusedMultiplyAdd = fusedMultiplyAdd
  }

  /// PyTorch's constructor checks, in its words.
  public func validate() throws(SchedulerError) {
    try Self.check(
      lr: .double(lr), momentum: .double(momentum), dampening: .double(dampening),
      weightDecay: .double(weightDecay), nesterov: nesterov)
  }

  /// PyTorch's constructor checks of the values as Python gave them, in
  /// PyTorch's order and words (an int shows as an int, as in its f-strings).
  /// The one copy of these checks: `torch.optim.SGD`'s Python class calls it
  /// through `swiftlr_sgd_check`.
  static func check(
    lr: SchedulerValue, momentum: SchedulerValue, dampening: SchedulerValue, weightDecay: SchedulerValue,
    nesterov: Bool
  ) throws(SchedulerError) {
    // PyTorch compares with `x < 0.0`: Python's TypeError for what is not a number.
    func number(_ v: SchedulerValue) throws(SchedulerError) -> Double {
      switch v {
      case .double(let d): return d
      case .int(let i): return Double(i)
      case .bool(let b): return b ? 1 : 0
      default: throw .type("'<' not supported between instances of '\(v.pythonTypeName)' and 'float'")
      }
    }
    let l = try number(lr)
    guard !(l < 0) else { throw .value("Invalid learning rate: \(lr.pythonText)") }
    let m = try number(momentum)
    guard !(m < 0) else { throw .value("Invalid momentum value: \(momentum.pythonText)") }
    let w = try number(weightDecay)
    guard !(w < 0) else { throw .value("Invalid weight_decay value: \(weightDecay.pythonText)") }
    // `dampening != 0`: anything but a number equal to 0 counts as nonzero.
    if nesterov, m <= 0 || (try? number(dampening)) != 0 {
      throw .value("Nesterov momentum requires a momentum and zero dampening")
    }
  }
}

/// One SGD update of `count` elements in place, `torch.optim.SGD`'s math
/// (its single-tensor path, operation by operation):
///
///     g = maximize ? -grad : grad
///     g = g + weight_decay * param                       (if weight_decay != 0)
///     buf = fresh ? g : (momentum*buf) + (1-dampening)*g (if momentum != 0)
///     g = nesterov ? g + momentum*buf : buf              (if momentum != 0)
///     param = param + (-lr) * g
///
/// Each `x + a*y` is one of torch's `add(x, y, alpha=a)`: with
/// `fusedMultiplyAdd` one fused multiply-add (torch's AVX2/AVX-512 kernels,
/// vector body and scalar tail alike), else a product and a sum (its default
/// kernels); `momentum*buf` is its own `mul_`, rounded before the add.
/// Scalars are rounded to `T` first, as PyTorch rounds them for a float32
/// tensor. Each combination of switches is its own specialization of
/// `sgdLoop` (the switches are types, so they are constants there), and the
/// inner loop is loads, the math and stores: no branch, no optional. The tail
/// runs the same math on a zero-padded vector, so every element rounds alike.
///
/// - Parameters:
///   - param: the parameter's `count` values, updated in place.
///   - grad: its gradient, `count` values, read only.
///   - buffer: the momentum buffer; required (non-nil) when `momentum != 0`,
///     ignored otherwise.
///   - count: the number of elements of `param`, `grad` and `buffer`.
///   - freshBuffer: the buffer has no history: it is set to `g`, undamped.
///   - o: the param group's lr, momentum, dampening, weight decay, Nesterov and maximize.
///
/// Float and Double run the widest kernels this CPU has (see `bestKernels`):
/// the portable build has no fused multiply-add instruction to use.
public func sgdUpdate<T: BinaryFloatingPoint & SIMDScalar>(
  param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, buffer: UnsafeMutablePointer<T>?,
  count: Int, freshBuffer: Bool, options o: SGDOptions
) {
  let dtype = T.self == Float.self ? SWIFTLR_FLOAT32 : T.self == Double.self ? SWIFTLR_FLOAT64 : nil
  if let kernels = bestKernels, let dtype, count > 0 {
    var t = swiftlr_sgd_tensor(
      param: UnsafeMutableRawPointer(param), grad: UnsafeRawPointer(grad),
      buffer: buffer.map { UnsafeMutableRawPointer($0) },
      count: Int64(count), dtype: Int32(dtype.rawValue), fresh_buffer: freshBuffer ? 1 : 0, group: 0)
    var g = swiftlr_sgd_group(o)
    kernels.sgd(&t, &g, 0, Int64(count))
    return
  }
  sgdUpdate(
    param: param, grad: grad, buffer: buffer, count: count, freshBuffer: freshBuffer, options: o,
    isa: PortableISA.self)
}

/// `sgdUpdate` specialized for the instruction set `ISA` names: each kernels
/// module passes its own `ISA` type (see `KernelISA`).
@inlinable
public func sgdUpdate<T: BinaryFloatingPoint & SIMDScalar, ISA: KernelISA>(
  param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, buffer: UnsafeMutablePointer<T>?,
  count: Int, freshBuffer: Bool, options o: SGDOptions, isa: ISA.Type
) {
  let c = SGDConstants<T>(o)
  guard count > 0 else { return }
  let k = SGDKernelArgs<T, ISA>(param: param, grad: grad, buffer: buffer ?? param, count: count, c: c)
  // Without momentum no buffer is read or written (it points at the
  // parameter only to be a valid address).
  guard o.momentum != 0, buffer != nil else {
    return o.maximize
      ? k.decay(c.useDecay, On.self, Off.self, Off.self, Off.self)
      : k.decay(c.useDecay, Off.self, Off.self, Off.self, Off.self)
  }
  switch (o.maximize, freshBuffer, c.nesterov) {
  case (false, false, false): k.decay(c.useDecay, Off.self, On.self, Off.self, Off.self)
  case (false, false, true): k.decay(c.useDecay, Off.self, On.self, Off.self, On.self)
  case (false, true, false): k.decay(c.useDecay, Off.self, On.self, On.self, Off.self)
  case (false, true, true): k.decay(c.useDecay, Off.self, On.self, On.self, On.self)
  case (true, false, false): k.decay(c.useDecay, On.self, On.self, Off.self, Off.self)
  case (true, false, true): k.decay(c.useDecay, On.self, On.self, Off.self, On.self)
  case (true, true, false): k.decay(c.useDecay, On.self, On.self, On.self, Off.self)
  case (true, true, true): k.decay(c.useDecay, On.self, On.self, On.self, On.self)
  }
}

/// The instruction set a specialization of the kernels is compiled for, as a
/// type parameter of every kernel function. The core (baseline x86-64) and
/// the AVX2 and AVX-512 modules compile the same inlinable kernels; a
/// specialization's symbol name is made of its generic arguments only, so
/// without a type of each module's own among them the three modules emit
/// same-named copies and the linker keeps one (the baseline one: the wide
/// builds then ran SSE2 code). Each module passes its own `KernelISA` type.
public protocol KernelISA {
  /// Whether the build has fused multiply-add instructions (AVX2's FMA3):
  /// where a kernel needs `a * b - p` exactly, one instruction, else Dekker's
  /// product (the same bits either way). Default: false.
  static var fusedMultiplyAdd: Bool { get }
}

extension KernelISA {
  @inlinable public static var fusedMultiplyAdd: Bool { false }
}

/// The core's kernels: baseline x86-64 (or whatever the target is).
public enum PortableISA: KernelISA {}

/// A kernel switch as a type, so that each combination is specialized with
/// its switches as constants.
@usableFromInline protocol SGDSwitch { static var on: Bool { get } }
@usableFromInline enum On: SGDSwitch { @inlinable static var on: Bool { true } }
@usableFromInline enum Off: SGDSwitch { @inlinable static var on: Bool { false } }

/// The arguments of one `sgdUpdate`, and its loop.
@usableFromInline
struct SGDKernelArgs<T: BinaryFloatingPoint & SIMDScalar, ISA: KernelISA> {
  @usableFromInline let param: UnsafeMutablePointer<T>
  @usableFromInline let grad: UnsafePointer<T>
  @usableFromInline let buffer: UnsafeMutablePointer<T>
  @usableFromInline let count: Int
  @usableFromInline let c: SGDConstants<T>

  @inlinable init(
    param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, buffer: UnsafeMutablePointer<T>, count: Int,
    c: SGDConstants<T>
  ) {
    (self.param, self.grad, self.buffer, self.count, self.c) = (param, grad, buffer, count, c)
  }

  /// Picks the loop for `useDecay` and the arithmetic too.
  @inlinable func decay<Max: SGDSwitch, Mom: SGDSwitch, Fresh: SGDSwitch, Nest: SGDSwitch>(
    _ useDecay: Bool, _: Max.Type, _: Mom.Type, _: Fresh.Type, _: Nest.Type
  ) {
    switch (useDecay, c.fused) {
    case (true, true): loop(Max.self, On.self, Mom.self, Fresh.self, Nest.self, On.self)
    case (true, false): loop(Max.self, On.self, Mom.self, Fresh.self, Nest.self, Off.self)
    case (false, true): loop(Max.self, Off.self, Mom.self, Fresh.self, Nest.self, On.self)
    case (false, false): loop(Max.self, Off.self, Mom.self, Fresh.self, Nest.self, Off.self)
    }
  }

  /// torch's `add(x, y, alpha=a)`: `x + a*y`, rounded once when `Fused`.
  @inlinable @inline(__always)
  func add<V: SIMD, Fused: SGDSwitch>(_ x: V, _ a: T, _ y: V, _: Fused.Type) -> V where V.Scalar == T {
    Fused.on ? x.addingProduct(a, y) : x + a * y
  }

  /// SGD on one vector: the new parameter and buffer.
  @inlinable @inline(__always)
  func math<
    V: SIMD, Max: SGDSwitch, Decay: SGDSwitch, Mom: SGDSwitch, Fresh: SGDSwitch, Nest: SGDSwitch, Fused: SGDSwitch
  >(
    _ p: V, _ g: V, _ b: V, _: Max.Type, _: Decay.Type, _: Mom.Type, _: Fresh.Type, _: Nest.Type, _: Fused.Type
  ) -> (V, V) where V.Scalar == T {
    var d = Max.on ? -g : g
    if Decay.on { d = add(d, c.decay, p, Fused.self) }
    if !Mom.on { return (add(p, c.negLR, d, Fused.self), b) }
    let m = Fresh.on ? d : add(c.mu * b, c.keep, d, Fused.self)
    d = Nest.on ? add(d, c.mu, m, Fused.self) : m
    return (add(p, c.negLR, d, Fused.self), m)
  }

  @inlinable
  func loop<Max: SGDSwitch, Decay: SGDSwitch, Mom: SGDSwitch, Fresh: SGDSwitch, Nest: SGDSwitch, Fused: SGDSwitch>(
    _: Max.Type, _: Decay.Type, _: Mom.Type, _: Fresh.Type, _: Nest.Type, _: Fused.Type
  ) {
    typealias V = SIMD16<T>
    let readBuffer = Mom.on && !Fresh.on
    let vectorEnd = count & ~(V.scalarCount - 1)
    var i = 0
    while i < vectorEnd {
      let p = UnsafeRawPointer(param + i).loadUnaligned(as: V.self)
      let g = UnsafeRawPointer(grad + i).loadUnaligned(as: V.self)
      let b = readBuffer ? UnsafeRawPointer(buffer + i).loadUnaligned(as: V.self) : V()
      let (newP, newB) = math(p, g, b, Max.self, Decay.self, Mom.self, Fresh.self, Nest.self, Fused.self)
      UnsafeMutableRawPointer(param + i).storeBytes(of: newP, as: V.self)
      if Mom.on { UnsafeMutableRawPointer(buffer + i).storeBytes(of: newB, as: V.self) }
      i += V.scalarCount
    }
    guard i < count else { return }
    // The tail: the same vector math on zero-padded copies.
    var p = V(), g = V(), b = V()
    for k in 0..<(count - i) {
      p[k] = param[i + k]
      g[k] = grad[i + k]
      if readBuffer { b[k] = buffer[i + k] }
    }
    let (newP, newB) = math(p, g, b, Max.self, Decay.self, Mom.self, Fresh.self, Nest.self, Fused.self)
    for k in 0..<(count - i) {
      param[i + k] = newP[k]
      if Mom.on { buffer[i + k] = newB[k] }
    }
  }
}

/// The kernel's scalars, rounded to `T`, and its switches.
@usableFromInline
struct SGDConstants<T: BinaryFloatingPoint & SIMDScalar> {
  @usableFromInline let negLR, decay, mu, keep: T
  @usableFromInline let useDecay, nesterov, fused: Bool

  @inlinable init(_ o: SGDOptions) {
    negLR = T(-o.lr)
    decay = T(o.weightDecay)
    mu = T(o.momentum)
    keep = T(1 - o.dampening)
    useDecay = o.weightDecay != 0
    nesterov = o.nesterov
    fused = o.fusedMultiplyAdd
  }
}

/// Python's `repr` of a float for the few messages PyTorch formats with one
/// (`Invalid learning rate: -0.1`); Swift's `description` agrees except that
/// it spells infinities `inf`, as Python does.
func pyRepr(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  return "\(x)"
}
