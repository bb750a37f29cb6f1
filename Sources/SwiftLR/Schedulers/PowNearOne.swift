#if canImport(Glibc)
  import Glibc
#endif

// MARK: - pow for bases just below 1

/// Writes `pow(bases[i], power)` to `out[i]`, bit for bit the platform's
/// `pow` (Python's float `**`), and returns how many elements called `pow`.
///
/// PolynomialLR's recurrence raises ratios `x = 1 - d` with small `d` to a
/// fixed power, one `pow` call per step (about 12 ns in glibc's scalar code).
/// This evaluates most of them in a loop the optimizer vectorizes, and calls
/// `pow` for the rest in a second pass:
///
/// 1. `d = 1 - x` is exact (Sterbenz, `x` in [1/2, 1]); `log(x) = -(d + m)`
///    with `m = d² (1/2 + d/3 + ... + d⁶/8)`.
/// 2. `p · log(x) = -(zh + zl)`: `zh + t = p · d` exactly (`productError`:
///    one fused multiply-add in the kernels' builds, Dekker's product in the
///    portable one; the same `t`), `zl = t + p · m`.
/// 3. `exp(-(zh + zl)) = s + e` in double-double: `1 - zh` by an exact
///    two-sum, then `z²/2! + ... + z⁸/8!` and the low parts, then an exact
///    two-sum giving `s = round(s + e)` and its exact remainder `e`.
///
/// When `|e| <= 0.48 ulp(s)`, the true power lies within 0.482 ulp of `s` (the
/// error bound below) and every other double is at least 0.518 ulp away:
/// glibc's `pow` (2.28 and later; older versions round correctly) returns
/// `s`, and so does this. glibc documents its worst error (`e_pow.c`) as
/// 0.54 ulp ~= `ulperr_exp + 1024 ln2 relerr_log 2^53`, with `ulperr_exp`
/// 0.511 ulp without FMA (0.509 with) and `relerr_log` 1.5 * 2⁻⁶⁸: the log's
/// share is `|p log x| relerr_log 2^53` ulp, and the fast path has
/// `|p log x| <= 2⁻⁶`, so here `pow` errs by less than 0.5111 ulp. (Trusting
/// only the whole 0.54 would need `|e| <= 0.45 ulp` and send about 10% of
/// inputs to `pow` instead of 4%.)
///
/// ## Edge Cases
/// - The fast path runs only when `0 <= d <= 2⁻⁸`, `|zh| <= 2⁻⁶` and
///   `1/2 < s < 1` (so `ulp(s) = 2⁻⁵³` and neither neighbour is in another
///   binade). Everything else calls `pow`: `x` farther from 1, `x = 1`,
///   `x > 1`, NaN, zero or negative `power` (a result of 1 or above), large
///   powers, and results within 0.02 ulp of a midpoint (about 4% of random
///   inputs). Without Glibc every element calls `pow`.
/// - Error bound of `s + e` against the true `x^p` (absolute, below 2⁻⁶²,
///   i.e. 0.002 ulp): log series truncated after `d⁸/8` (relative 2⁻⁶⁷) and
///   `m`'s four roundings (2⁻⁵¹ of `m <= 2⁻⁹ d`) give `z` within 2⁻⁶⁵; the
///   exp series truncated after `z⁸/8!` (2⁻⁷²), its sum's four roundings
///   (2⁻⁵¹ of `z²/2 <= 2⁻¹³`, 2⁻⁶⁴) and the final low-part sum (2⁻⁶⁶): in
///   all below 2⁻⁶³.
/// - The exact product cannot underflow or overflow here: `s < 1` needs
///   `|z| >= 2⁻⁵⁴`, so `2⁻⁴⁶ <= power <= 2⁴⁷` on the fast path.
@discardableResult
func powNearOne(
  _ bases: UnsafeBufferPointer<Double>, power: Double, into out: UnsafeMutableBufferPointer<Double>
) -> Int {
  precondition(bases.count <= out.count)
  guard let base = bases.baseAddress, let to = out.baseAddress else { return 0 }
  if let kernels = bestKernels { return Int(kernels.pow_near_one(base, to, Int64(bases.count), power)) }
  return powNearOneRange(base, to, Int64(bases.count), power, isa: PortableISA.self)
}

/// `powNearOne` on `count` elements, compiled for `ISA` (the kernels targets
/// compile it for AVX2 and AVX-512: the same operations, wider vectors, the
/// same bits).
@inlinable
public func powNearOneRange<ISA: KernelISA>(
  _ bases: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ count: Int64, _ power: Double,
  isa: ISA.Type
) -> Int {
  let count = Int(count)
  #if canImport(Glibc)
    for i in 0..<count {
      out[i] = powNearOneFast(bases[i], power, isa: ISA.self)
    }
  #else
    for i in 0..<count { out[i] = .nan }
  #endif
  var calls = 0
  for i in 0..<count where out[i].isNaN {
    out[i] = pow(bases[i], power)
    calls += 1
  }
  return calls
}

/// `x^p` when the test in `powNearOne` passes, else NaN. Branch-free, so
/// that the loop calling it vectorizes.
@inlinable @inline(__always)
func powNearOneFast<ISA: KernelISA>(_ x: Double, _ p: Double, isa: ISA.Type) -> Double {
  let d = 1.0 - x
  let m = (d * d) * horner(d, 1.0 / 8, 1.0 / 7, 1.0 / 6, 1.0 / 5, 1.0 / 4, 1.0 / 3, 1.0 / 2)
  // zh + t = p * d exactly (p's split, in the portable build, is hoisted out of the loop).
  let zh = p * d
  let t = productError(p, d, zh, isa: ISA.self)
  let zl = t + p * m
  // z = -(u + ul) renormalized (p * m is not below an ulp of zh): ul is then
  // below 2^-53 |u|, and exp(u + ul) = exp(u) (1 + ul) to 2^-70.
  let u = -(zh + zl)
  let ul = -(zl - ((zh + zl) - zh))
  // 1 + u exactly, then the rest.
  let head = 1.0 + u
  let headError = u - (head - 1.0)
  let q = horner(u, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2)
  let low = (u * u) * q + ((headError + ul) + u * ul)
  let s = head + low
  let e = low - (s - head)
  let fast = d >= 0 && d <= 0x1p-8 && u.magnitude <= 0x1p-6 && s > 0.5 && s < 1 && e.magnitude <= 0.48 * 0x1p-53
  return fast ? s : .nan
}

/// `c0 x^6 + c1 x^5 + ... + c6` by Horner's rule, one rounding per operation.
@inlinable @inline(__always)
func horner(
  _ x: Double, _ c0: Double, _ c1: Double, _ c2: Double, _ c3: Double, _ c4: Double, _ c5: Double, _ c6: Double
) -> Double {
  ((((((c0 * x + c1) * x + c2) * x + c3) * x + c4) * x + c5) * x + c6)
}

// MARK: - PolynomialLR's ratios raised

/// Writes `pow(r, power)` to `out[i]` for PolynomialLR's ratio
/// `r = (1 - e / total) / (1 - (e - 1) / total)` at epoch
/// `e = before + 1 + i`, each operation rounded as PyTorch's Python does,
/// and returns how many elements called `pow` (see `powNearOneRange`).
/// The ratios are made here, block by block on the stack, so that their
/// divisions are compiled for `ISA` as well (two per step: in the portable
/// build they cost a third as much as the pows).
///
/// Edge cases: `before` must be an integer with `0 <= before` and
/// `before + count <= total < 2⁵³` (every epoch and sum is exact), as
/// PolynomialLR's `stepValues` checks.
@inlinable
public func polynomialPowsRange<ISA: KernelISA>(
  _ before: Double, _ total: Double, _ out: UnsafeMutablePointer<Double>, _ count: Int64, _ power: Double,
  isa: ISA.Type
) -> Int {
  let count = Int(count)
  let block = 512
  return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * (block + 1)) { buffer in
    // The offsets 0...block as doubles, once: a loop converting integers does not vectorize before AVX-512.
    let (offsets, ratios) = (buffer.baseAddress!, buffer.baseAddress! + (block + 1))
    for i in 0...block { offsets[i] = Double(i) }
    var (start, calls) = (0, 0)
    while start < count {
      let n = min(block, count - start)
      // The numerators 1 - e / T from e - 1 on, then each over the one before, in place.
      let previous = before + Double(start)
      for i in 0...n { ratios[i] = 1.0 - (previous + offsets[i]) / total }
      for i in 0..<n { ratios[i] = ratios[i + 1] / ratios[i] }
      calls += powNearOneRange(ratios, out + start, Int64(n), power, isa: isa)
      start += n
    }
    return calls
  }
}

/// `polynomialPowsRange` with the kernels for this CPU.
@discardableResult
func polynomialPows(before: Double, total: Double, power: Double, into out: UnsafeMutableBufferPointer<Double>)
  -> Int
{
  guard let to = out.baseAddress else { return 0 }
  if let kernels = bestKernels { return Int(kernels.polynomial_pows(before, total, to, Int64(out.count), power)) }
  return polynomialPowsRange(before, total, to, Int64(out.count), power, isa: PortableISA.self)
}
