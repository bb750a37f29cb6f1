import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif
#if arch(x86_64)
  import SwiftLRKernelsAVX2
#endif

/// `powNearOne` against the platform's `pow`, bit for bit.
final class PowNearOneTests: XCTestCase {
  /// A fixed-seed generator (SplitMix64), so that a failure reproduces.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Raises `bases` with `powNearOne` (the kernels for this CPU) and with the
  /// portable build, asserts every bit equals `pow`'s, and returns how many
  /// called `pow`.
  func assertEqualsPow(_ bases: [Double], _ power: Double, file: StaticString = #filePath, line: UInt = #line)
    -> Int
  {
    var out = [Double](repeating: 0, count: bases.count)
    var portable = out
    let calls = bases.withUnsafeBufferPointer { b in
      out.withUnsafeMutableBufferPointer { powNearOne(b, power: power, into: $0) }
    }
    let portableCalls = bases.withUnsafeBufferPointer { b in
      portable.withUnsafeMutableBufferPointer {
        powNearOneRange(b.baseAddress!, $0.baseAddress!, Int64(b.count), power, isa: PortableISA.self)
      }
    }
    XCTAssertEqual(portableCalls, calls, file: file, line: line)
    XCTAssertEqual(portable.map(\.bitPattern), out.map(\.bitPattern), file: file, line: line)
    #if arch(x86_64)
      if bestKernels != nil {  // the CPU has AVX2 at least: the AVX2 build too, whichever was picked
        var avx2 = out
        let avx2Calls = bases.withUnsafeBufferPointer { b in
          avx2.withUnsafeMutableBufferPointer {
            swiftlr_pow_near_one_avx2(b.baseAddress!, $0.baseAddress!, Int64(b.count), power)
          }
        }
        XCTAssertEqual(Int(avx2Calls), calls, file: file, line: line)
        XCTAssertEqual(avx2.map(\.bitPattern), out.map(\.bitPattern), file: file, line: line)
      }
    #endif
    var differing = 0
    for (x, y) in zip(bases, out) where pow(x, power).bitPattern != y.bitPattern {
      if differing < 5 { XCTFail("pow(\(x), \(power)) = \(pow(x, power)), got \(y)", file: file, line: line) }
      differing += 1
    }
    XCTAssertEqual(differing, 0, "power \(power)", file: file, line: line)
    return calls
  }

  /// Millions of bases within 2^-8 of 1 (d log-uniform from 2^-53, so every
  /// scale of d is covered) and around the range's edge, for many powers.
  func testRandomBasesNearOneEqualPow() {
    var rng = SplitMix(state: 19)
    var powers = [0.9, 0.5, 2, 1.5, 3.7, 1e-3, 17, 0.25, 8]
    powers += (0..<6).map { _ in Double.random(in: 0...6, using: &rng) }
    var calls = 0
    var total = 0
    for power in powers {
      let near = (0..<200_000).map { _ in 1 - (0x1p-8 * exp2(-Double.random(in: 0...45, using: &rng))).nextDown }
      let edge = (0..<20_000).map { _ in 1 - 0x1p-8 * Double.random(in: 0.99...1.01, using: &rng) }
      calls += assertEqualsPow(near, power)
      total += near.count
      _ = assertEqualsPow(edge, power)
    }
    // Most take the fast route (a midpoint margin of 0.02 ulp each side: about 4%; large powers
    // and tiny ones fall back more: 10.5% in all here); this fails if the fast route stopped being taken.
    print("powNearOne: \(calls) of \(total) random bases near 1 called pow")
    XCTAssertLessThan(Double(calls), 0.15 * Double(total))
  }

  /// PolynomialLR's own ratios (1 - e/T) / (1 - (e-1)/T), over whole long schedules.
  func testPolynomialRatiosEqualPow() {
    for total in [1e6, 1e7] {
      let bases = stride(from: 1.0, to: 1e6, by: 1).map { e in (1 - e / total) / (1 - (e - 1) / total) }
      for power in [0.9, 2, 0.5, 3.7] {
        let calls = assertEqualsPow(bases, power)
        print("powNearOne: \(calls) of \(bases.count) ratios of total_iters \(total) called pow (power \(power))")
        // 4.0% of them (0.02 ulp either side of each midpoint; 0.05 ulp, 10%, before trusting glibc's
        // exp and log bounds apart): a ceiling that fails if the margin widened again.
        XCTAssertLessThan(Double(calls), 0.06 * Double(bases.count))
      }
    }
  }

  /// Bases and powers outside the fast route's range take `pow`'s result as is.
  func testBoundariesEqualPow() {
    let bases: [Double] = [
      1, 1.0.nextDown, 1.0.nextUp, 1 - 0x1p-8, (1 - 0x1p-8).nextDown, (1 - 0x1p-8).nextUp, 0.5, 0.75, 0, -0.0,
      -0.5, -1, 2, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude,
      .greatestFiniteMagnitude, 1 - 0x1p-52, 1 - 0x1p-30,
    ]
    let powers: [Double] = [
      0, -0.0, 1, -1, 0.9, 2, 17, 1e-3, 1e-300, .leastNonzeroMagnitude, 0x1p-46, 0x1p47, 0x1p48, 1e300,
      .infinity, -.infinity, .nan, -0.9, 0.5, 1.5, 1000,
    ]
    for power in powers { _ = assertEqualsPow(bases, power) }
  }

  /// `polynomialPows` (the kernels for this CPU) and the portable and AVX2
  /// builds of `polynomialPowsRange` give PyTorch's ratios raised by `pow`,
  /// bit for bit, from any epoch, across block edges and to `total_iters`.
  func testPolynomialPowsEqualPyTorchsRatiosRaised() {
    let cases: [(total: Double, before: Double, count: Int)] = [
      (1e6, 0, 200_000), (1e6, 998_000, 2_000), (1e7, 12_345, 100_003), (1000, 0, 1000), (3, 0, 3), (5, 2, 1),
    ]
    for (total, before, count) in cases {
      for power in [0.9, 2, 0.5, 3.7, 0, 1] {
        let expected = (0..<count).map { i -> UInt64 in
          let e = before + 1 + Double(i)
          return pow((1.0 - e / total) / (1.0 - (e - 1) / total), power).bitPattern
        }
        var out = [Double](repeating: .nan, count: count)
        var portable = out
        let calls = out.withUnsafeMutableBufferPointer {
          polynomialPows(before: before, total: total, power: power, into: $0)
        }
        let portableCalls = portable.withUnsafeMutableBufferPointer {
          polynomialPowsRange(before, total, $0.baseAddress!, Int64(count), power, isa: PortableISA.self)
        }
        XCTAssertEqual(out.map(\.bitPattern), expected, "total \(total) from \(before), power \(power)")
        XCTAssertEqual(portable.map(\.bitPattern), expected, "portable: total \(total) from \(before), power \(power)")
        XCTAssertEqual(portableCalls, calls)
        #if arch(x86_64)
          if bestKernels != nil {
            var avx2 = [Double](repeating: .nan, count: count)
            let avx2Calls = avx2.withUnsafeMutableBufferPointer {
              swiftlr_polynomial_pows_avx2(before, total, $0.baseAddress!, Int64(count), power)
            }
            XCTAssertEqual(avx2.map(\.bitPattern), expected, "avx2: total \(total) from \(before), power \(power)")
            XCTAssertEqual(Int(avx2Calls), calls)
          }
        #endif
      }
    }
  }
}
