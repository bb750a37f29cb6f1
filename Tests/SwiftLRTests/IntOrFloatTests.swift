import XCTest

@testable import SwiftLR

final class IntOrFloatTests: XCTestCase {
  /// Python's int / int: one rounding of the exact quotient, where
  /// `Double(a) / Double(b)` rounds a, then b, then the quotient.
  func testTrueDivideRoundsOnce() {
    let e53 = 1 << 53
    // 3 * (2**53 + 1) / 3 is 2**53 + 1, a tie: to even, 2**53. Doubles give 2**53 + 2.
    XCTAssertEqual(trueDivide(3 * (e53 + 1), 3), 0x1p53)
    XCTAssertEqual(Double(3 * (e53 + 1)) / 3, 0x1p53 + 2)
    XCTAssertEqual(trueDivide(-3 * (e53 + 1), 3), -0x1p53)
    XCTAssertEqual(trueDivide(3 * (e53 + 1), -3), -0x1p53)
    // An exact quotient is the double nearest to it, as Int-to-Double conversion rounds.
    for q in [e53 + 1, e53 + 3, (1 << 60) + 1, (1 << 62) + 12345, Int.max / 7] {
      for b in [1, 3, 7] where q <= Int.max / b {
        XCTAssertEqual(trueDivide(q * b, b), Double(q), "\(q) * \(b) / \(b)")
      }
    }
    // Below 2**53 both conversions are exact: one rounding either way.
    XCTAssertEqual(trueDivide(1, 3), 1.0 / 3)
    XCTAssertEqual(trueDivide(e53, e53 - 1), Double(e53) / Double(e53 - 1))
    // The limits, and a zero's sign.
    XCTAssertEqual(trueDivide(Int.min, 1), -0x1p63)
    XCTAssertEqual(trueDivide(Int.min, -1), 0x1p63)
    XCTAssertEqual(trueDivide(Int.max, Int.max), 1)
    XCTAssertEqual(trueDivide(1, Int.max), 0x1p-63)
    XCTAssertEqual(trueDivide(0, -(e53 + 1)).sign, .minus)
  }

  /// The result is the nearest double: neither neighbour is closer to a / b (checked in 128-bit ints).
  func testTrueDivideIsNearest() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let a = Int.random(in: 1...Int.max, using: &rng) >> Int.random(in: 1..<20, using: &rng)
      let b = max(1, Int.random(in: 1...Int.max, using: &rng) >> Int.random(in: 20..<62, using: &rng))
      let r = trueDivide(a, b)
      guard r.exponent >= -11 else { continue }  // distance() is exact from 2**-12 up
      XCTAssertLessThanOrEqual(distance(a, b, r), distance(a, b, r.nextDown), "\(a) / \(b)")
      XCTAssertLessThanOrEqual(distance(a, b, r), distance(a, b, r.nextUp), "\(a) / \(b)")
    }
  }

  /// Python's float power raises where `pow` returns inf: an overflow, or 0.0 to a negative power.
  func testCheckPowerRaisesAsPython() throws {
    try checkPower(2.0, 1023)
    try checkPower(0.9, 1e300)  // underflows to 0.0: no error in Python either
    try checkPower(.infinity, 2)  // an infinite operand: Python returns inf
    assertThrows(.overflow, "Numerical result out of range") { try checkPower(2.0, 1024) }
    assertThrows(.overflow, "Numerical result out of range") { try checkPower(1.2, 0x1p53) }
    assertThrows(.zeroDivision, "0.0 cannot be raised to a negative power") { try checkPower(0, -1) }
  }

  func testBoolComputesAsAnIntAndStaysABool() throws {
    let yes: IntOrFloat = .bool(true)
    XCTAssertEqual(yes.value, .bool(true))
    XCTAssertEqual(yes.double, 1)
    XCTAssertTrue(yes.divides(7))
    XCTAssertEqual(yes.floorQuotient(of: 7), 7)
    XCTAssertEqual(yes.decremented, .int(0))
    XCTAssertTrue(1 == yes && 2 > yes && 0 < yes)
    XCTAssertEqual(try SchedulerValue.bool(true).asIntOrFloat("step_size"), .bool(true))
  }
}

/// |a - r * b| * 2**64, exactly, for r = m * 2**e with e >= -64 and r * b near a (below 2**63):
/// b times a / b's distance from r.
private func distance(_ a: Int, _ b: Int, _ r: Double) -> Int128 {
  let e = Int(r.exponent) - 52
  let m = Int128(r.significandBitPattern | (1 << 52))
  return abs((Int128(a) << 64) - ((m * Int128(b)) << (e + 64)))
}
