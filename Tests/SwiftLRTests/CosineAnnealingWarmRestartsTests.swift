import XCTest

@testable import SwiftLR

final class CosineAnnealingWarmRestartsTests: XCTestCase {
  func closed(_ base: Double, _ etaMin: Double, _ tCur: Double, _ tI: Double) -> Double {
    etaMin + (base - etaMin) * (1 + cos(Double.pi * tCur / tI)) / 2
  }

  func testRestartsWithGrowingPeriods() throws {
    var s = try CosineAnnealingWarmRestarts(baseLRs: [0.1], t0: 2, tMult: 2, etaMin: 0.001)
    let trace = try runSteps(&s, from: [0.1], steps: 15)
    // periods 2, 4, 8: restarts at steps 0, 2, 6, 14
    var expected: [Double] = []
    for (start, length) in [(0, 2), (2, 4), (6, 8), (14, 16)] {
      for e in start..<min(15, start + length) {
        expected.append(closed(0.1, 0.001, Double(e - start), Double(length)))
      }
    }
    XCTAssertEqual(trace.map { $0[0] }, expected)
    XCTAssertEqual(s.tI, 16)
  }

  /// `step(epoch)` with a whole epoch lands where stepping one by one does.
  func testExplicitEpochMatchesSteppingForWholeEpochs() throws {
    for tMult in [1, 2, 3] {
      var stepped = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 3, tMult: tMult)
      var lrs = [1.0]
      for epoch in 0..<60 {
        try stepped.step(&lrs)
        var jumped = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 3, tMult: tMult)
        var other = [1.0]
        try jumped.step(&other, epoch: .int(epoch))
        XCTAssertEqual(jumped.tI, stepped.tI, "T_mult \(tMult) epoch \(epoch)")
        assertClose(other[0], lrs[0], relative: 1e-12, absolute: 1e-15)
      }
    }
  }

  func testFractionalEpochs() throws {
    var s = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 4, tMult: 2)
    var lrs = [1.0]
    try s.step(&lrs, epoch: 5.5)  // second period: [4, 12), T_cur 1.5, T_i 8
    XCTAssertEqual(s.tCur, 1.5)
    XCTAssertEqual(s.tI, 8)
    XCTAssertEqual(s.lastEpoch, 5)
    XCTAssertEqual(lrs[0], closed(1, 0, 1.5, 8))
  }

  /// Int epochs past 2**53 stay exact, as PyTorch's Python ints: `epoch % T_0`
  /// and `T_cur + 1` in ints, `epoch / T_0` rounded once.
  func testHugeIntEpochsAreExact() throws {
    let e = (1 << 53) + 1
    var s = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 3)
    var lrs = [1.0]
    try s.step(&lrs, epoch: .int(e))
    XCTAssertEqual(s.lastEpoch, e)
    XCTAssertEqual(s.tCur, .int(0))  // e % 3; float(e) % 3 would give 2**53 % 3 = 2
    var long = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 1 << 61)
    try long.step(&lrs, epoch: .int(e))
    try long.step(&lrs)
    XCTAssertEqual(long.tCur, .int(e + 1))
    XCTAssertEqual(long.lastEpoch, e + 1)
    var grown = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 3, tMult: 2)
    try grown.step(&lrs, epoch: .int(e))
    // n = int(log(e / 3 + 1, 2)) = 51; T_cur = float(e) - 3 * (2**51 - 1) / 1, a float.
    XCTAssertEqual(grown.tI, 3 << 51)
    XCTAssertEqual(grown.tCur, .float(Double(e) - Double(3 * ((1 << 51) - 1))))
  }

  func testEpochErrors() throws {
    var s = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 4)
    var lrs = [1.0]
    assertThrows(.value, "Expected non-negative epoch, but got -1") { try s.step(&lrs, epoch: -1) }
    assertThrows(.value, "NaN") { try s.step(&lrs, epoch: .float(.nan)) }
    assertThrows(.overflow, "infinity") { try s.step(&lrs, epoch: .float(.infinity)) }
    assertThrows(.overflow, "out of range") { try s.step(&lrs, epoch: 1e300) }
    var big = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 1, tMult: 3)
    assertThrows(.overflow, "out of range") { try big.step(&lrs, epoch: 1e19) }
  }

  func testValidation() {
    assertThrows(.value, "Expected positive integer T_0, but got 0") {
      _ = try CosineAnnealingWarmRestarts(baseLRs: [1], t0: 0)
    }
    assertThrows(.value, "Expected integer T_mult >= 1, but got 0") {
      _ = try CosineAnnealingWarmRestarts(baseLRs: [1], t0: 1, tMult: 0)
    }
  }

  func testNoTrapAtIntMax() throws {
    var s = try CosineAnnealingWarmRestarts(baseLRs: [1.0], t0: 1, tMult: 2, lastEpoch: 0)
    s.tI = .max / 2 + 1
    s.tCur = .int(s.tI)
    var lrs = [1.0]
    assertThrows(.overflow, "T_i is too large") { try s.step(&lrs) }
  }
}
