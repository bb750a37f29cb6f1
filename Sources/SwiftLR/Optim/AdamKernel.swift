import _SwiftLRShims

#if canImport(Glibc)
  import Glibc
#endif

// MARK: - Options

/// Adam's hyperparameters for one param group, as in `torch.optim.Adam`
/// (`decoupledWeightDecay`: AdamW).
public struct AdamOptions: OptimizerOptions {
  public var lr: Double
  public var beta1: Double
  public var beta2: Double
  public var eps: Double
  public var weightDecay: Double
  public var amsgrad: Bool
  public var maximize: Bool
  public var decoupledWeightDecay: Bool

  /// What `OneCycleLR` and `CyclicLR` cycle: `beta1` (`betas[0]`).
  public static var cycledMomentum: WritableKeyPath<Self, Double> { \.beta1 }

  public init(
    lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
    amsgrad: Bool = false, maximize: Bool = false, decoupledWeightDecay: Bool = false
  ) {
    self.lr = lr
    (beta1, beta2) = betas
    self.eps = eps
    self.weightDecay = weightDecay
    self.amsgrad = amsgrad
    self.maximize = maximize
    self.decoupledWeightDecay = decoupledWeightDecay
  }

  /// PyTorch's constructor checks, in its words and order.
  public func validate() throws(SchedulerError) {
    guard lr >= 0 else { throw .value("Invalid learning rate: \(pyRepr(lr))") }
    guard eps >= 0 else { throw .value("Invalid epsilon value: \(pyRepr(eps))") }
    guard beta1 >= 0 && beta1 < 1 else { throw .value("Invalid beta parameter at index 0: \(pyRepr(beta1))") }
    guard beta2 >= 0 && beta2 < 1 else { throw .value("Invalid beta parameter at index 1: \(pyRepr(beta2))") }
    guard weightDecay >= 0 else { throw .value("Invalid weight_decay value: \(pyRepr(weightDecay))") }
  }
}

extension TorchCapability {
  /// The first element of a tensor of `count` elements of `T` that torch's
  /// fused kernel updates in its scalar loop; the elements before it are
  /// rounded as its vector loop rounds them. The vector loop covers whole
  /// vectors (32 bytes, 64 with AVX-512); in the AVX-512 build the compiler
  /// also vectorizes the scalar loop 32 bytes at a time, with the vector
  /// loop's rounding.
  @inlinable
  public func scalarStart<T>(count: Int, of _: T.Type) -> Int {
    let width = (self == .avx512 ? 64 : 32) / MemoryLayout<T>.size
    var end = count - count % width
    if self == .avx512 { end += (count - end) / (width / 2) * (width / 2) }
    return end
  }
}

// MARK: - Rounding

/// How torch's fused kernel rounds an element (found by experiment against
/// torch 2.15's `_fused_adam_` in float32 and float64 under each capability):
///
/// * no FMA (default build): every operation rounded on its own;
/// * AdamW's factor `1 - lr * weight_decay`, in double, is an FMA in the
///   AVX2/AVX-512 builds;
/// * the vector loop (AVX2/AVX-512): `g + p*wd`, the lerp and the square
///   term are fused: `fma(p, wd, g)`, `fma(coeff, g - m, base)`,
///   `fma((1-b2)*g, g, v*b2)`; NaN-propagating amsgrad maximum;
/// * the scalar loop (AVX2/AVX-512): the same, except that the second moment
///   is `fma(v, b2, (1-b2)*g*g)` and the maximum is `std::max`.
@usableFromInline protocol AdamRounding {
  static var fused: Bool { get }
  static var vectorLoop: Bool { get }
}
@usableFromInline enum PlainRounding: AdamRounding {
  @inlinable static var fused: Bool { false }
  @inlinable static var vectorLoop: Bool { true }
}
@usableFromInline enum VectorRounding: AdamRounding {
  @inlinable static var fused: Bool { true }
  @inlinable static var vectorLoop: Bool { true }
}
@usableFromInline enum ScalarRounding: AdamRounding {
  @inlinable static var fused: Bool { true }
  @inlinable static var vectorLoop: Bool { false }
}

// MARK: - Constants

/// One step's scalars for one group, rounded to `T` as torch's kernel rounds
/// them (the bias corrections in double, from the float32 step).
@usableFromInline
struct AdamConstants<T: BinaryFloatingPoint & SIMDScalar> {
  @usableFromInline let sign, decay, keep, coeff, beta2, gradSquare, correction2, eps, negStep: T
  @usableFromInline let small, useDecay, amsgrad: Bool

  @inlinable init(_ o: AdamOptions, step: Float, capability: TorchCapability) {
    let t = Double(step)
    let bias1 = 1 - pow(o.beta1, t)
    let bias2 = 1 - pow(o.beta2, t)
    let weight = T(1 - o.beta1)
    sign = o.maximize ? -1 : 1
    useDecay = o.weightDecay != 0 && !o.decoupledWeightDecay
    decay = T(o.weightDecay)
    // torch's 1 - lr * weight_decay, which the AVX2/AVX-512 builds compute with an FMA.
    let fused = capability.fusesMultiplyAdd
    let kept = fused ? (1 as Double).addingProduct(-o.lr, o.weightDecay) : 1 - o.lr * o.weightDecay
    keep = o.decoupledWeightDecay && o.weightDecay != 0 ? T(kept) : 1
    // torch's lerp: exp_avg + w*(g - exp_avg) for |w| < 0.5, else g + (w-1)*(g - exp_avg).
    small = abs(weight) < 0.5
    coeff = small ? weight : weight - 1
    beta2 = T(o.beta2)
    gradSquare = T(1 - o.beta2)
    correction2 = T(bias2.squareRoot())
    eps = T(o.eps)
    negStep = T(-(o.lr / bias1))
    amsgrad = o.amsgrad
  }
}

// MARK: - Kernel

/// One Adam update of elements `lo..<hi` of a tensor of `count` elements, in
/// place, bit for bit as torch's fused CPU kernel under `capability`:
///
///     g = maximize ? -grad : grad
///     g += weight_decay * param                (Adam, weight_decay != 0)
///     param *= 1 - lr * weight_decay           (AdamW)
///     m = lerp(m, g, 1 - beta1)
///     v = beta2 * v + (1 - beta2) * g * g
///     vmax = max(vmax, v)                      (amsgrad; then read instead of v)
///     param += -(lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
///
/// Edge cases: `step` is the count this update makes (1 at the first); which
/// rounding an element gets depends on its index in the whole tensor
/// (`TorchCapability.scalarStart`), so any split of a tensor into ranges
/// gives the same bits. `maxExpAvgSq` is read only with amsgrad.
@inlinable
public func adamUpdate<T: BinaryFloatingPoint & SIMDScalar, ISA: KernelISA>(
  param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, expAvg: UnsafeMutablePointer<T>,
  expAvgSq: UnsafeMutablePointer<T>, maxExpAvgSq: UnsafeMutablePointer<T>?, count: Int, range: Range<Int>,
  step: Float, options o: AdamOptions, capability: TorchCapability, isa: ISA.Type
) {
  let c = AdamConstants<T>(o, step: step, capability: capability)
  let k = AdamKernelArgs<T, ISA>(
    param: param, grad: grad, expAvg: expAvg, expAvgSq: expAvgSq, maxExpAvgSq: maxExpAvgSq ?? expAvgSq, c: c)
  let split = min(max(capability.scalarStart(count: count, of: T.self), range.lowerBound), range.upperBound)
  if !capability.fusesMultiplyAdd {
    k.run(range, PlainRounding.self)
    return
  }
  k.run(range.lowerBound..<split, VectorRounding.self)
  k.run(split..<range.upperBound, ScalarRounding.self)
}

/// The arrays of one `adamUpdate` and its loops.
@usableFromInline
struct AdamKernelArgs<T: BinaryFloatingPoint & SIMDScalar, ISA: KernelISA> {
  @usableFromInline let param: UnsafeMutablePointer<T>
  @usableFromInline let grad: UnsafePointer<T>
  @usableFromInline let expAvg, expAvgSq, maxExpAvgSq: UnsafeMutablePointer<T>
  @usableFromInline let c: AdamConstants<T>

  @inlinable init(
    param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, expAvg: UnsafeMutablePointer<T>,
    expAvgSq: UnsafeMutablePointer<T>, maxExpAvgSq: UnsafeMutablePointer<T>, c: AdamConstants<T>
  ) {
    (self.param, self.grad, self.expAvg, self.expAvgSq, self.maxExpAvgSq, self.c) =
      (param, grad, expAvg, expAvgSq, maxExpAvgSq, c)
  }

  /// Picks the loop for the group's switches.
  @inlinable func run<R: AdamRounding>(_ range: Range<Int>, _: R.Type) {
    guard !range.isEmpty else { return }
    switch (c.useDecay, c.amsgrad) {
    case (false, false): loop(range, R.self, Off.self, Off.self)
    case (false, true): loop(range, R.self, Off.self, On.self)
    case (true, false): loop(range, R.self, On.self, Off.self)
    case (true, true): loop(range, R.self, On.self, On.self)
    }
  }

  /// Adam on one vector: the new parameter, moments and maximum.
  @inlinable @inline(__always)
  func math<V: SIMD, R: AdamRounding, Decay: SGDSwitch, Ams: SGDSwitch>(
    _ p0: V, _ g0: V, _ m0: V, _ v0: V, _ x0: V, _: R.Type, _: Decay.Type, _: Ams.Type
  ) -> (V, V, V, V) where V.Scalar == T {
    var g = g0 * c.sign
    if Decay.on { g = R.fused ? g.addingProduct(p0, V(repeating: c.decay)) : g + p0 * c.decay }
    let p = p0 * c.keep
    let diff = g - m0
    let base = c.small ? m0 : g
    let m = R.fused ? base.addingProduct(V(repeating: c.coeff), diff) : base + c.coeff * diff
    let scaled = c.gradSquare * g
    let v: V
    if !R.fused {
      v = v0 * c.beta2 + scaled * g
    } else if R.vectorLoop {
      v = (v0 * c.beta2).addingProduct(scaled, g)
    } else {
      v = (scaled * g).addingProduct(v0, V(repeating: c.beta2))
    }
    var x = x0
    if Ams.on {
      x = x0.replacing(with: v, where: x0 .< v)
      if R.vectorLoop { x = x.replacing(with: .nan, where: (x0 .!= x0) .| (v .!= v)) }
    }
    let denominator = vectorSquareRoot(Ams.on ? x : v) / c.correction2 + c.eps
    return (p + (c.negStep * m) / denominator, m, v, x)
  }

  /// `v.squareRoot()` as one vector instruction (see swiftlr_simd.h): the
  /// same correctly rounded lanes, without a libm call per lane.
  @inlinable @inline(__always)
  func vectorSquareRoot<V: SIMD>(_ v: V) -> V where V.Scalar == T {
    if V.self == SIMD16<Float>.self {
      return unsafeBitCast(swiftlr_sqrt_float16(unsafeBitCast(v, to: SIMD16<Float>.self)), to: V.self)
    }
    if V.self == SIMD16<Double>.self {
      return unsafeBitCast(swiftlr_sqrt_double16(unsafeBitCast(v, to: SIMD16<Double>.self)), to: V.self)
    }
    return v.squareRoot()
  }

  @inlinable
  func loop<R: AdamRounding, Decay: SGDSwitch, Ams: SGDSwitch>(
    _ range: Range<Int>, _: R.Type, _: Decay.Type, _: Ams.Type
  ) {
    typealias V = SIMD16<T>
    var i = range.lowerBound
    let vectorEnd = i + (range.count & ~(V.scalarCount - 1))
    while i < vectorEnd {
      let x = Ams.on ? UnsafeRawPointer(maxExpAvgSq + i).loadUnaligned(as: V.self) : V()
      let (p, m, v, newX) = math(
        UnsafeRawPointer(param + i).loadUnaligned(as: V.self), UnsafeRawPointer(grad + i).loadUnaligned(as: V.self),
        UnsafeRawPointer(expAvg + i).loadUnaligned(as: V.self),
        UnsafeRawPointer(expAvgSq + i).loadUnaligned(as: V.self), x, R.self, Decay.self, Ams.self)
      UnsafeMutableRawPointer(param + i).storeBytes(of: p, as: V.self)
      UnsafeMutableRawPointer(expAvg + i).storeBytes(of: m, as: V.self)
      UnsafeMutableRawPointer(expAvgSq + i).storeBytes(of: v, as: V.self)
      if Ams.on { UnsafeMutableRawPointer(maxExpAvgSq + i).storeBytes(of: newX, as: V.self) }
      i += V.scalarCount
    }
    guard i < range.upperBound else { return }
    // The tail: the same math on zero-padded copies (each lane is computed
    // alone, so padding changes no bit of the others).
    var p = V(), g = V(), m = V(), v = V(), x = V()
    let n = range.upperBound - i
    for k in 0..<n {
      (p[k], g[k], m[k], v[k]) = (param[i + k], grad[i + k], expAvg[i + k], expAvgSq[i + k])
      if Ams.on { x[k] = maxExpAvgSq[i + k] }
    }
    let (newP, newM, newV, newX) = math(p, g, m, v, x, R.self, Decay.self, Ams.self)
    for k in 0..<n {
      (param[i + k], expAvg[i + k], expAvgSq[i + k]) = (newP[k], newM[k], newV[k])
      if Ams.on { maxExpAvgSq[i + k] = newX[k] }
    }
  }
}
