#if canImport(Glibc)
  import Glibc
#endif

// MARK: - cos on [-3.5, 3.5]

/// Replaces each `x` in `values` with `cos(x)`, bit for bit the platform's
/// `cos` (Python's `math.cos`), and returns how many elements called `cos`.
///
/// The cosine schedules take one `cos` per step of an angle in [0, pi]
/// (`pi * T_cur / T_i` and friends), about 12 ns each in glibc's scalar
/// code. This evaluates most of them in a loop the optimizer vectorizes, and
/// calls `cos` for the rest in a second pass:
///
/// 1. `a = |x|` is reduced around 0, pi/2 or pi (whichever is within 0.79):
///    `u = c - a` in double-double, with `c` in three doubles (Cody-Waite:
///    `c₁ - a` is exact by Sterbenz's lemma on each region, the rest is a
///    two-sum), so that `cos` near pi/2 keeps its relative accuracy.
/// 2. `cos(a)` is `cos(u)`, `sin(u)` or `-cos(u)`; with `z = u²` (`|z| <= 0.625`)
///    both are `lead * (1 + c₁ z + c₂ z² + ... + c₉ z⁹)` (Taylor, `lead` = 1 or `u`):
///    `c₃ ... c₉` by Horner in double, then `c₂`, `c₁`, 1 and `lead` in
///    double-double, giving `s = round(s + e)` and its exact remainder `e`.
///
/// When `|e| <= 0.44 ulp(s)`, the true cosine lies within 0.444 ulp of `s`
/// (the error bound below) and every other double is at least 0.556 ulp
/// away: glibc's `cos` returns `s`, and so does this. glibc 2.28 and later
/// bound sin and cos by 0.548 ulp (the largest "Max ULP" of the ranges in
/// `sysdeps/ieee754/dbl-64/s_sin.c`, whose header says "~0.55 ULP"; its
/// `libm-test-ulps` lists 1 ulp for `cos` on x86_64, the rounded-up error
/// observed in its tests); older versions rounded correctly.
/// `CosineKernelTests` checks millions of arguments bit for bit.
///
/// ## Edge Cases
/// - The fast path runs only when `|x| <= 3.5`, `|u| >= 2⁻⁴⁰` and `s` is a
///   normal double whose significand is not a power of two (so both
///   neighbours are `ulp(s)` away). Everything else calls `cos`: NaN,
///   infinities, larger angles, `x = 0` (`s = 1`), the angles within 2⁻⁴⁰ of
///   pi/2 (there glibc exceeds its bound: 0.561 ulp at 1.5707963267948968,
///   the double above pi/2, against mpmath; 0.51 at most from 2⁻⁵⁰ on, found
///   by `CosineKernelTests`), and results within 0.06 ulp of a midpoint (about 12% of
///   random inputs). Without Glibc every element calls `cos`.
/// - Error bound of `s + e` against the true `cos(x)`, relative, below 2⁻⁶¹
///   (0.004 ulp): the series truncated after `z⁹` (2⁻⁶⁴ for the sine,
///   2⁻⁶⁸ for the cosine); the Horner tail (at most `z³/720 <= 2⁻¹¹·⁶` of the
///   result) with its relative error of about 2⁻⁵⁰ from rounding and from
///   using `z`'s high part (2⁻⁶¹·⁶); the double-double steps' dropped
///   low-times-low terms and roundings (each below 2⁻¹⁰⁰); the reduction
///   (pi in three doubles, 2⁻¹⁶¹ absolute, against `|u| >= 2⁻⁵⁶` near pi/2).
@discardableResult
func cosines(_ values: UnsafeMutableBufferPointer<Double>) -> Int {
  guard let base = values.baseAddress else { return 0 }
  if let kernels = bestKernels { return Int(kernels.cosines(base, Int64(values.count))) }
  return cosinesRange(base, Int64(values.count), isa: PortableISA.self)
}

/// `cosines` on `count` elements, compiled for `ISA` (the kernels targets
/// compile it for AVX2 and AVX-512: the same operations, wider vectors, the
/// same bits). Blocks of 2048: the angles of a block are copied first, so
/// that the second pass can call `cos` on the ones the first left NaN.
@inlinable
public func cosinesRange<ISA: KernelISA>(_ values: UnsafeMutablePointer<Double>, _ count: Int64, isa: ISA.Type) -> Int {
  let count = Int(count)
  var calls = 0
  let block = min(count, 2048)
  let angles = UnsafeMutablePointer<Double>.allocate(capacity: block)
  defer { angles.deallocate() }
  var start = 0
  while start < count {
    let n = min(block, count - start)
    let x = values + start
    angles.update(from: x, count: n)
    #if canImport(Glibc)
      for i in 0..<n { x[i] = cosineFast(angles[i], isa: ISA.self) }
    #else
      for i in 0..<n { x[i] = .nan }
    #endif
    for i in 0..<n where x[i].isNaN {
      x[i] = cos(angles[i])
      calls += 1
    }
    start += n
  }
  return calls
}

/// `cos(x)` when the test in `cosines` passes, else NaN. Branch-free, so that
/// the loop calling it vectorizes.
@inlinable @inline(__always)
func cosineFast<ISA: KernelISA>(_ x: Double, isa: ISA.Type) -> Double {
  let a = x.magnitude
  let nearZero = a < 0.79
  let nearPi = a > 2.36
  let sine = !nearZero && !nearPi
  // c₁ + c₂ + c₃: 0, pi/2 or pi.
  let c1 = nearZero ? 0 : nearPi ? 0x1.921fb54442d18p+1 : 0x1.921fb54442d18p+0
  let c2 = nearZero ? 0 : nearPi ? 0x1.1a62633145c07p-53 : 0x1.1a62633145c07p-54
  let c3 = nearZero ? 0 : nearPi ? -0x1.f1976b7ed8fbcp-109 : -0x1.f1976b7ed8fbcp-110
  // uh + ul = c - a: c₁ - a is exact, then a two-sum with c₂.
  let u1 = c1 - a
  let uh = u1 + c2
  let back = uh - u1
  let ul = ((u1 - (uh - back)) + (c2 - back)) + c3
  // zh + zl = u².
  let zh = uh * uh
  let zl = productError(uh, uh, zh, isa: ISA.self) + 2 * uh * ul
  // The Taylor coefficients of sin(u) / u or cos(u), from z³ on in double.
  let tail =
    sine
    ? horner(
      zh, -1 / 121_645_100_408_832_000, 1 / 355_687_428_096_000, -1 / 1_307_674_368_000, 1 / 6_227_020_800,
      -1 / 39_916_800, 1 / 362_880, -1 / 5040)
    : horner(
      zh, -1 / 6_402_373_705_728_000, 1 / 20_922_789_888_000, -1 / 87_178_291_200, 1 / 479_001_600,
      -1 / 3_628_800, 1 / 40320, -1 / 720)
  let c2High = sine ? 0x1.1111111111111p-7 : 0x1.5555555555555p-5  // 1/120, 1/24
  let c2Low = sine ? 0x1.1111111111111p-63 : 0x1.5555555555555p-59
  let c1High = sine ? -0x1.5555555555555p-3 : -0.5  // -1/6, -1/2
  let c1Low = sine ? -0x1.5555555555555p-57 : 0
  // q2 = c₂ + z tail.
  let p2 = zh * tail
  let q2h = c2High + p2
  let q2l = (p2 - (q2h - c2High)) + c2Low
  // q1 = c₁ + z q2.
  let p1 = zh * q2h
  let p1l = productError(zh, q2h, p1, isa: ISA.self) + (zh * q2l + zl * q2h)
  let q1h = c1High + p1
  let q1l = (p1 - (q1h - c1High)) + (p1l + c1Low)
  // f = 1 + z q1.
  let p0 = zh * q1h
  let p0l = productError(zh, q1h, p0, isa: ISA.self) + (zh * q1l + zl * q1h)
  let fh = 1 + p0
  let fl = (p0 - (fh - 1)) + p0l
  // The sine: u f.
  let sh = uh * fh
  let sl = productError(uh, fh, sh, isa: ISA.self) + (uh * fl + ul * fh)
  let (vh, vl) = sine ? (sh, sl) : (fh, fl)
  let s = vh + vl
  let e = vl - (s - vh)
  let bits = s.magnitude.bitPattern
  let ulp = Double(bitPattern: bits & 0x7FF0_0000_0000_0000) * 0x1p-52
  let inRange = a <= 3.5 && uh.magnitude >= 0x1p-40 && s.magnitude >= 0x1p-1000
  let fast = inRange && bits & 0x000F_FFFF_FFFF_FFFF != 0 && e.magnitude <= 0.44 * ulp
  return fast ? (nearPi ? -s : s) : .nan
}

/// `x = high + low` with halves of 26 bits (Veltkamp's split; `|x| < 2⁹⁹⁶`).
@inlinable @inline(__always)
func veltkampSplit(_ x: Double) -> (high: Double, low: Double) {
  let scaled = (0x1p27 + 1) * x
  let high = scaled - (scaled - x)
  return (high, x - high)
}

/// `a * b - product` exactly, for `product = a * b` rounded: one fused
/// multiply-add where `ISA` has them, else Dekker's product.
@inlinable @inline(__always)
func productError<ISA: KernelISA>(_ a: Double, _ b: Double, _ product: Double, isa: ISA.Type) -> Double {
  if ISA.fusedMultiplyAdd { return (-product).addingProduct(a, b) }
  let (aHigh, aLow) = veltkampSplit(a)
  let (bHigh, bLow) = veltkampSplit(b)
  return ((aHigh * bHigh - product) + aHigh * bLow + aLow * bHigh) + aLow * bLow
}
