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
///     g += weight_decay * param                  (if weight_decay != 0)
///     buf = fresh ? g : momentum*buf + (1-dampening)*g   (if momentum != 0)
///     g = nesterov ? g + momentum*buf : buf      (if momentum != 0)
///     param -= lr * g
///
/// Scalars are rounded to `T` first, as PyTorch rounds them for a float32
/// tensor. `buffer` must be non-nil when `momentum != 0`.
@inlinable
public func sgdUpdate<T: BinaryFloatingPoint>(
  param: UnsafeMutablePointer<T>, grad: UnsafePointer<T>, buffer: UnsafeMutablePointer<T>?,
  count: Int, freshBuffer: Bool, options o: SGDOptions
) {
  let negLR = T(-o.lr)
  let wd = T(o.weightDecay)
  let mu = T(o.momentum)
  let keep = T(1 - o.dampening)
  let sign: T = o.maximize ? -1 : 1
  let useDecay = o.weightDecay != 0
  guard o.momentum != 0, let buffer else {
    // Plain SGD: one read of grad and one read-write of param.
    if useDecay {
      for i in 0..<count { param[i] += negLR * (sign * grad[i] + wd * param[i]) }
    } else {
      for i in 0..<count { param[i] += negLR * (sign * grad[i]) }
    }
    return
  }
  switch (freshBuffer, o.nesterov) {
  case (true, false):
    for i in 0..<count {
      let g = useDecay ? sign * grad[i] + wd * param[i] : sign * grad[i]
      buffer[i] = g
      param[i] += negLR * g
    }
  case (true, true):
    for i in 0..<count {
      let g = useDecay ? sign * grad[i] + wd * param[i] : sign * grad[i]
      buffer[i] = g
      param[i] += negLR * (g + mu * g)
    }
  case (false, false):
    for i in 0..<count {
      let g = useDecay ? sign * grad[i] + wd * param[i] : sign * grad[i]
      let b = mu * buffer[i] + keep * g
      buffer[i] = b
      param[i] += negLR * b
    }
  case (false, true):
    for i in 0..<count {
      let g = useDecay ? sign * grad[i] + wd * param[i] : sign * grad[i]
      let b = mu * buffer[i] + keep * g
      buffer[i] = b
      param[i] += negLR * (g + mu * b)
    }
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
