/// SGD's hyperparameters for one param group, as in `torch.optim.SGD`.
public struct SGDOptions: Equatable, Sendable {
  public var lr: Double
  public var momentum: Double
  public var dampening: Double
  public var weightDecay: Double
  public var nesterov: Bool
  public var maximize: Bool

  public init(
    lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
    nesterov: Bool = false, maximize: Bool = false
  ) {
    self.lr = lr
    self.momentum = momentum
    self.dampening = dampening
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    self.maximize = maximize
  }

  /// PyTorch's constructor checks, in its words.
  public func validate() throws(SchedulerError) {
    guard !(lr < 0) else { throw .value("Invalid learning rate: \(pyRepr(lr))") }
    guard !(momentum < 0) else { throw .value("Invalid momentum value: \(pyRepr(momentum))") }
    guard !(weightDecay < 0) else { throw .value("Invalid weight_decay value: \(pyRepr(weightDecay))") }
    if nesterov && (momentum <= 0 || dampening != 0) {
      throw .value("Nesterov momentum requires a momentum and zero dampening")
    }
  }
}

/// One SGD update of `count` elements in place, `torch.optim.SGD`'s math:
///
///     g = maximize ? -grad : grad
///     g += weight_decay * param                          (if weight_decay != 0)
///     buf = fresh ? g : momentum*buf + (1-dampening)*g   (if momentum != 0)
///     g = nesterov ? g + momentum*buf : buf              (if momentum != 0)
///     param -= lr * g
///
/// Scalars are rounded to `T` first, as PyTorch rounds them for a float32
/// tensor. The loop runs on SIMD vectors of 16 lanes, then a scalar tail, with
/// the same operations in the same order, so lanes and tail round alike.
///
/// - Parameters:
///   - buffer: the momentum buffer; required (non-nil) when `momentum != 0`,
///     ignored otherwise.
///   - freshBuffer: the buffer has no history: it is set to `g`, undamped.
@inlinable
public func sgdUpdate<T: BinaryFloatingPoint & SIMDScalar>(
  param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, buffer: UnsafeMutablePointer<T>?,
  count: Int, freshBuffer: Bool, options o: SGDOptions
) {
  let c = SGDConstants<T>(o)
  let buffer = o.momentum != 0 ? buffer : nil
  let vectorEnd = count & ~15
  var i = 0
  while i < vectorEnd {
    let load = { (q: UnsafePointer<T>) in UnsafeRawPointer(q + i).loadUnaligned(as: SIMD16<T>.self) }
    let old = buffer.map { load($0) }
    let (p, b) = sgdMath(param: load(param), grad: load(grad), buffer: old, fresh: freshBuffer, c)
    UnsafeMutableRawPointer(param + i).storeBytes(of: p, as: SIMD16<T>.self)
    if let buffer { UnsafeMutableRawPointer(buffer + i).storeBytes(of: b, as: SIMD16<T>.self) }
    i += 16
  }
  // The tail runs the same math on lane 0 of a 2-lane vector.
  while i < count {
    let old = buffer.map { SIMD2<T>($0[i], 0) }
    let (p, b) = sgdMath(param: SIMD2(param[i], 0), grad: SIMD2(grad[i], 0), buffer: old, fresh: freshBuffer, c)
    param[i] = p[0]
    buffer?[i] = b[0]
    i += 1
  }
}

/// The kernel's scalars, rounded to `T`, and its switches.
@usableFromInline
struct SGDConstants<T: BinaryFloatingPoint & SIMDScalar> {
  @usableFromInline let negLR, decay, mu, keep, sign: T
  @usableFromInline let useDecay, nesterov: Bool

  @inlinable init(_ o: SGDOptions) {
    negLR = T(-o.lr)
    decay = T(o.weightDecay)
    mu = T(o.momentum)
    keep = T(1 - o.dampening)
    sign = o.maximize ? -1 : 1
    useDecay = o.weightDecay != 0
    nesterov = o.nesterov
  }
}

/// SGD on one vector of elements: the new parameter and momentum buffer
/// (the buffer result is meaningless when `buffer` is nil: no momentum).
@inlinable @inline(__always)
func sgdMath<V: SIMD>(
  param: V, grad: V, buffer: V?, fresh: Bool, _ c: SGDConstants<V.Scalar>
) -> (param: V, buffer: V) where V.Scalar: BinaryFloatingPoint {
  var d = c.sign * grad
  if c.useDecay { d = d + c.decay * param }
  guard let buffer else { return (param + c.negLR * d, d) }
  let m = fresh ? d : c.mu * buffer + c.keep * d
  d = c.nesterov ? d + c.mu * m : m
  return (param + c.negLR * d, m)
}

/// Python's `repr` of a float for the few messages PyTorch formats with one
/// (`Invalid learning rate: -0.1`); Swift's `description` agrees except that
/// it spells infinities `inf`, as Python does.
func pyRepr(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  return "\(x)"
}
