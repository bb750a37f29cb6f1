#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// torch.nn.utils.clip_grad_norm_ and clip_grad_value_, rounded as torch's
// default CPU path rounds them. What torch computes, in order:
//
// 1. each gradient's norm (`torch._foreach_norm`, on CPU one
//    `linalg.vector_norm` per tensor), in the gradient's dtype;
// 2. the total: the norm of those norms, stacked in the order
//    `_group_tensors_by_device_and_dtype` gives (grouped by dtype; with
//    float32 and float64 both present, the dtype of the first gradient comes
//    last), float64 if any gradient is float64;
// 3. `max_norm / (total + 1e-6)`, which Python's `__rtruediv__` computes as
//    `reciprocal(total + 1e-6) * max_norm`, in the total's dtype, clamped
//    to at most 1;
// 4. each gradient times that coefficient, rounded to the gradient's dtype.
//
// The norm kernels (aten/src/ATen/native/cpu/ReduceOpsKernel.cpp): the 2-norm
// of a contiguous float tensor accumulates squares in one 32-byte vector
// (8 floats or 4 doubles) without fused multiply-adds, adds its lanes left
// to right, then adds the tail's squares one by one, whatever torch's thread
// count; the AVX2 and AVX-512 builds fuse each tail square into its sum (one
// rounding), except, for float32, the first four of a tail of four or more
// (a half vector, squared and added in two roundings); the default build
// fuses none (checked against torch 2.15 under each `ATEN_CPU_CAPABILITY`,
// every tail length). Every other order runs element by element
// (`binary_kernel_reduce`), split across torch's threads only from 32,768
// elements on, which is where swiftlr (always sequential) and a
// multi-threaded torch may part for p other than 2, inf and -inf.

// MARK: - Scalar arithmetic

/// The float types a gradient may have, with the `pow` torch's norm calls
/// for them (glibc's `powf` / `pow`, as torch's `std::pow`).
public protocol GradientScalar: BinaryFloatingPoint {
  static func power(_ base: Self, _ exponent: Self) -> Self
  /// The sum of squares of torch's 2-norm (`sumOfSquares`), in the 32-byte
  /// vector it accumulates in.
  static func sumOfSquares(_ x: UnsafeBufferPointer<Self>, fusedTail: Bool) -> Self
}

extension Float: GradientScalar {
  @inlinable public static func power(_ base: Float, _ exponent: Float) -> Float { powf(base, exponent) }
  @inlinable public static func sumOfSquares(_ x: UnsafeBufferPointer<Float>, fusedTail: Bool) -> Float {
    SwiftLR.sumOfSquares(x, lanes: SIMD8<Float>.self, fusedTail: fusedTail, plainTailHead: 4)
  }
}

extension Double: GradientScalar {
  @inlinable public static func power(_ base: Double, _ exponent: Double) -> Double { pow(base, exponent) }
  @inlinable public static func sumOfSquares(_ x: UnsafeBufferPointer<Double>, fusedTail: Bool) -> Double {
    SwiftLR.sumOfSquares(x, lanes: SIMD4<Double>.self, fusedTail: fusedTail, plainTailHead: 0)
  }
}

// MARK: - Norms

/// torch's `linalg.vector_norm(x, order)` of a contiguous array, bit for bit
/// as torch computes it under `capability` (see the notes at the top of this
/// file; only the 2-norm's tail depends on it).
///
/// Edge Cases:
/// - An empty array has norm 0, or +inf for a negative order (torch's fill).
/// - One element's norm is its magnitude for every order but 0, as torch's.
/// - NaN anywhere gives NaN for orders 2, inf and -inf; other orders follow
///   IEEE arithmetic (order 0 counts a NaN as non-zero).
/// - Orders other than 2, ±inf, 0 and 1 go through `pow`, as torch's
///   (`x ** p` summed, then `** (1 / p)`, both in the array's dtype).
@inlinable
public func vectorNorm<T: GradientScalar>(
  _ x: UnsafeBufferPointer<T>, order: Double, capability: TorchCapability = .current
) -> T {
  if x.isEmpty { return order < 0 ? .infinity : 0 }
  // torch reduces nothing for one element: its magnitude, for every order
  // but 0 (no `pow` round trip, no overflow of its square).
  if x.count == 1 && order != 0 { return x[0].magnitude }
  switch order {
  case 2: return T.sumOfSquares(x, fusedTail: capability.fusesMultiplyAdd).squareRoot()
  case .infinity: return absoluteExtreme(x, largest: true)
  case -.infinity: return absoluteExtreme(x, largest: false)
  case 0:
    var count: T = 0
    for v in x { count += v == 0 ? 0 : 1 }
    return count
  case 1:
    var sum: T = 0
    for v in x { sum += v.magnitude }
    return sum
  default:
    let p = T(order)
    var sum: T = 0
    for v in x { sum += T.power(v.magnitude, p) }
    return T.power(sum, 1 / p)
  }
}

/// The sum of squares as torch's vectorized 2-norm orders it: lane-wise in
/// one vector, lanes added left to right, then the tail (each square fused
/// into the sum with `fusedTail`, but for the first `plainTailHead` squares
/// of a tail at least that long).
///
/// Edge Cases: a tensor shorter than one vector is all tail; with
/// `plainTailHead` 4, its first four squares are added in two roundings each
/// even when `fusedTail` is set, as torch's float32 kernels do.
@inlinable
func sumOfSquares<V: SIMD>(
  _ x: UnsafeBufferPointer<V.Scalar>, lanes: V.Type, fusedTail: Bool, plainTailHead: Int
) -> V.Scalar
where V.Scalar: BinaryFloatingPoint {
  typealias T = V.Scalar
  let width = V.scalarCount
  let body = x.count - x.count % width
  var acc = V()
  if let base = x.baseAddress {
    let raw = UnsafeRawPointer(base)
    var i = 0
    while i < body {
      let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: V.self)
      acc = acc + v * v  // two roundings: torch's kernel has no fused multiply-add here
      i += width
    }
  }
  var sum = acc[0]
  for j in 1..<width { sum = sum + acc[j] }
  let plainEnd = x.count - body >= plainTailHead ? body + plainTailHead : body
  for i in body..<x.count {
    sum = fusedTail && i >= plainEnd ? sum.addingProduct(x[i], x[i]) : sum + x[i] * x[i]
  }
  return sum
}

/// The largest (or smallest) magnitude; NaN if any element is NaN.
@inlinable
func absoluteExtreme<T: GradientScalar>(_ x: UnsafeBufferPointer<T>, largest: Bool) -> T {
  var result: T = largest ? 0 : .infinity
  for v in x {
    let m = v.magnitude
    if m.isNaN { return m }
    result = largest ? Swift.max(result, m) : Swift.min(result, m)
  }
  return result
}

/// The total norm of norms already computed: torch's norm of the stacked
/// norms, in the total's dtype.
@inlinable
func totalNorm<T: GradientScalar>(_ norms: [T], order: Double, capability: TorchCapability) -> T {
  norms.withUnsafeBufferPointer { vectorNorm($0, order: order, capability: capability) }
}

// MARK: - Coefficients

/// torch's clipping coefficient, `clamp(max_norm / (total + 1e-6), max=1)`,
/// in the total's dtype: `reciprocal(total + 1e-6) * max_norm`.
///
/// Edge Cases: a NaN total gives NaN (clamp keeps NaN); an infinite total
/// gives 0; `maxNorm` is rounded to the total's dtype first.
@inlinable
public func clipCoefficient<T: GradientScalar>(total: T, maxNorm: Double) -> T {
  let coefficient = (1 / (total + T(1e-6))) * T(maxNorm)
  return coefficient.isNaN || coefficient <= 1 ? coefficient : 1
}

/// torch's `clamp_min_(-v)` then `clamp_max_(v)`: NaN stays NaN, a value equal
/// to a bound (either zero) stays itself.
@inlinable
func clampGradient<T: GradientScalar>(_ x: T, low: T, high: T) -> T {
  let raised = x < low ? low : x
  return high < raised ? high : raised
}

/// The error torch raises for the norm of an empty gradient in an order
/// without an identity (inf, or negative), or nil.
public func emptyGradientNormError(order: Double) -> SchedulerError? {
  if order == .infinity {
    return .init(
      .runtime,
      "_foreach_norm cannot compute the infinity norm on an empty tensor because the operation does not have an identity"
    )
  }
  guard order < 0 else { return nil }
  return .init(
    .runtime,
    "linalg.vector_norm cannot compute the \(cDouble(order)) norm on an empty tensor because the operation does not "
      + "have an identity")
}

/// A double as C++'s `ostream << double` prints it (`%g`: -1, -2.5, -inf).
func cDouble(_ value: Double) -> String {
  withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
    _ = withVaList([value]) { vsnprintf(buffer.baseAddress, 32, "%g", $0) }
    return String(cString: buffer.baseAddress!)
  }
}

/// The error torch raises for a non-finite total with `error_if_nonfinite`.
public func nonfiniteNormError(order: Double) -> SchedulerError {
  .init(
    .runtime,
    "The total norm of order \(order) for gradients from `parameters` is non-finite, so it cannot be "
      + "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
      + "`error_if_nonfinite=False`")
}

// MARK: - Swift API

/// Scales the gradients of `parameters` so that their total norm (of order
/// `normType`) is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`, and
/// returns the total norm before clipping. `capability`: the torch CPU
/// capability whose rounding to follow (the 2-norm's tail).
///
/// ```swift
/// let w = Parameter<Float>([1, 2], grad: [3, 4])
/// let total = try clipGradNorm([w], maxNorm: 1)  // 5; w.grad ≈ [0.6, 0.8]
/// ```
///
/// Edge Cases:
/// - Parameters without a gradient are skipped; none at all returns 0.
/// - An empty gradient throws (`.runtime`) for orders inf and below 0, whose
///   reductions have no identity (torch's errors).
/// - A non-finite total throws (`.runtime`) with `errorIfNonfinite` before any
///   gradient changes; without it, every gradient is scaled by the NaN or 0
///   coefficient, as torch does.
/// - Gradients are scaled even when the coefficient is 1 (a multiply by 1).
@discardableResult
public func clipGradNorm<T: GradientScalar & SIMDScalar>(
  _ parameters: [Parameter<T>], maxNorm: Double, normType: Double = 2, errorIfNonfinite: Bool = false,
  capability: TorchCapability = .current
) throws(SchedulerError) -> T {
  let grads = parameters.compactMap(\.grad)
  if grads.contains(where: \.isEmpty), let error = emptyGradientNormError(order: normType) { throw error }
  let norms = grads.map { g in g.withUnsafeBufferPointer { vectorNorm($0, order: normType, capability: capability) } }
  if norms.isEmpty { return 0 }
  let total = totalNorm(norms, order: normType, capability: capability)
  if errorIfNonfinite && !total.isFinite { throw nonfiniteNormError(order: normType) }
  let coefficient = clipCoefficient(total: total, maxNorm: maxNorm)
  for p in parameters where p.grad != nil {
    for i in p.grad!.indices { p.grad![i] *= coefficient }
  }
  return total
}

/// Clamps every gradient of `parameters` into `[-clipValue, clipValue]`, as
/// `torch.nn.utils.clip_grad_value_`.
///
/// Edge Cases: NaN stays NaN; a negative `clipValue` sets every element to
/// `clipValue` (torch clamps below, then above).
public func clipGradValue<T: GradientScalar & SIMDScalar>(_ parameters: [Parameter<T>], clipValue: Double) {
  let (low, high) = (T(-clipValue), T(clipValue))
  for p in parameters where p.grad != nil {
    for i in p.grad!.indices { p.grad![i] = clampGradient(p.grad![i], low: low, high: high) }
  }
}
