import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif
#if arch(x86_64)
  import SwiftLRKernelsAVX2
#endif

/// `cosines` against the platform's `cos`, bit for bit, in every kernel build.
final class CosineKernelTests: XCTestCase {
  /// Replaces `angles` with `cosines` (the kernels for this CPU), with the
  /// portable build and the AVX2 one, asserts every bit equals `cos`'s, and
  /// returns how many called `cos`.
  func assertEqualsCos(_ angles: [Double], file: StaticString = #filePath, line: UInt = #line) -> Int {
    var out = angles
    let calls = out.withUnsafeMutableBufferPointer { cosines($0) }
    var portable = angles
    let portableCalls = portable.withUnsafeMutableBufferPointer {
      cosinesRange($0.baseAddress!, Int64($0.count), isa: PortableISA.self)
    }
    XCTAssertEqual(portableCalls, calls, file: file, line: line)
    XCTAssertEqual(portable.map(\.bitPattern), out.map(\.bitPattern), file: file, line: line)
    #if arch(x86_64)
      if bestKernels != nil {  // the CPU has AVX2 at least: the AVX2 build too, whichever was picked
        var avx2 = angles
        let avx2Calls = avx2.withUnsafeMutableBufferPointer { swiftlr_cosines_avx2($0.baseAddress!, Int64($0.count)) }
        XCTAssertEqual(Int(avx2Calls), calls, file: file, line: line)
        XCTAssertEqual(avx2.map(\.bitPattern), out.map(\.bitPattern), file: file, line: line)
      }
    #endif
    var differing = 0
    for (x, y) in zip(angles, out) where cos(x).bitPattern != y.bitPattern {
      if differing < 5 { XCTFail("cos(\(x)) = \(cos(x)), got \(y)", file: file, line: line) }
      differing += 1
    }
    XCTAssertEqual(differing, 0, file: file, line: line)
    return calls
  }

  /// Millions of random angles: uniform on [0, pi] and [-3.5, 3.5], and
  /// log-uniform distances from 0, pi/2 and pi (down to the nearest doubles).
  func testRandomAnglesEqualCos() {
    var rng = PowNearOneTests.SplitMix(state: 23)
    let pi = Double.pi
    func near(_ c: Double) -> [Double] {
      (0..<300_000).map { _ in
        let d = exp2(-Double.random(in: 0...55, using: &rng)) * (Bool.random(using: &rng) ? 1 : -1)
        return abs(c + d)
      }
    }
    let uniform = (0..<1_000_000).map { _ in Double.random(in: 0...pi, using: &rng) }
    let wide = (0..<300_000).map { _ in Double.random(in: -3.5...3.5, using: &rng) }
    let calls = assertEqualsCos(uniform)
    print("cosines: \(calls) of \(uniform.count) uniform angles in [0, pi] called cos")
    // Most take the fast route (a midpoint margin of 0.06 ulp each side: about 12%); this fails
    // if the fast route stopped being taken.
    XCTAssertLessThan(Double(calls), 0.25 * Double(uniform.count))
    _ = assertEqualsCos(wide)
    for c in [0, pi / 2, pi, 0.79, 2.36, 3.5] {
      let angles = near(c)
      let nearCalls = assertEqualsCos(angles)
      print("cosines: \(nearCalls) of \(angles.count) angles near \(c) called cos")
      // Near 0 and pi most cosines round to 1 or -1, beyond 3.5 all call cos, and within 2^-40 of
      // pi/2 too: a ceiling only at the region edges.
      if c == 0.79 || c == 2.36 { XCTAssertLessThan(Double(nearCalls), 0.25 * Double(angles.count)) }
    }
  }

  /// The angles the schedules make: `pi * k / T` (and `pi * (k / T)`) for every
  /// `k` in `0...T`, for lengths up to 1e7 (sampled steps for the longest).
  func testScheduleAnglesEqualCos() {
    var rng = PowNearOneTests.SplitMix(state: 29)
    var lengths = [1.0, 2, 3, 7, 10, 100, 1000, 9999, 10_000, 65_536, 100_000, 1_000_000]
    lengths += (0..<8).map { _ in Double(Int.random(in: 2...10_000_000, using: &rng)) }
    var (calls, total) = (0, 0)
    for t in lengths {
      let stride = max(1, Int(t) / 400_000)
      let ks = Swift.stride(from: 0, through: Int(t), by: stride).map(Double.init)
      let angles = ks.map { Double.pi * $0 / t } + ks.map { Double.pi * ($0 / t) }
      calls += assertEqualsCos(angles)
      total += angles.count
    }
    print("cosines: \(calls) of \(total) schedule angles called cos")
    XCTAssertLessThan(Double(calls), 0.25 * Double(total))
  }

  /// Special values and the edges of the fast route take `cos`'s result as is.
  func testBoundariesEqualCos() {
    var angles: [Double] = [
      0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, 0x1p-30, 0.79, 2.36, 3.5, .pi, .pi / 2, .pi / 4,
      3 * .pi / 4, 4, 10, 1e300, .greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.pi, -3.5,
    ]
    angles += angles.flatMap { [$0.nextUp, $0.nextDown] }
    _ = assertEqualsCos(angles)
    _ = assertEqualsCos([])
  }
}
