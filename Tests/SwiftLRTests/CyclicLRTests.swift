import XCTest

@testable import SwiftLR

final class CyclicLRTests: XCTestCase {
  func testTriangularCycleAndInverseMomentum() throws {
    var s = try CyclicLR(baseLRs: [0.01], maxLRs: [0.1], stepSizeUp: 4, baseMomentums: [0.8], maxMomentums: [0.9])
    var lrs = [0.01]
    var seen: [Double] = []
    var momenta: [Double] = []
    for _ in 0..<17 {
      try s.step(&lrs)
      seen.append(lrs[0])
      momenta.append(s.momentum(group: 0) ?? .nan)
    }
    let expected = [0.0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0]
    assertClose(seen, expected.map { 0.01 + 0.09 * $0 }, relative: 1e-14)
    assertClose(momenta, expected.map { 0.9 - 0.1 * $0 }, relative: 1e-14)
  }

  func testTriangular2HalvesAndExpRangeDecays() throws {
    var t2 = try CyclicLR(baseLRs: [0.0], maxLRs: [1.0], stepSizeUp: 2, mode: "triangular2", cycleMomentum: false)
    var lrs = [0.0]
    let peaks = try runSteps(&t2, from: lrs, steps: 15).enumerated().filter { ($0.offset - 2) % 4 == 0 }.map {
      $0.element[0]
    }
    XCTAssertEqual(peaks, [1.0, 0.5, 0.25, 0.125])
    XCTAssertNil(t2.momentum(group: 0))

    var exp = try CyclicLR(
      baseLRs: [0.0], maxLRs: [1.0], stepSizeUp: 3, mode: "exp_range", gamma: 0.9, cycleMomentum: false)
    lrs = [0.0]
    let trace = try runSteps(&exp, from: lrs, steps: 10)
    assertClose(trace[3][0], pow(0.9, 3.0))  // the first peak, at step 3
    assertClose(trace[9][0], pow(0.9, 9.0))  // the second
  }

  func testCustomScaleComesFromTheInput() throws {
    var s = try CyclicLR(
      baseLRs: [0.0], maxLRs: [1.0], stepSizeUp: 1, customScale: true, scaleMode: "iterations", cycleMomentum: false)
    var lrs = [0.0]
    try s.step(&lrs, inputs: [0.5])  // step 0: factor 0
    try s.step(&lrs, inputs: [0.25])  // step 1: the peak
    XCTAssertEqual(lrs, [0.25])
    assertThrows(.value, "expected 1 step inputs") { try s.step(&lrs) }
  }

  func testValidation() {
    assertThrows(.value, "mode is invalid and scale_fn is None") {
      _ = try CyclicLR(baseLRs: [0.1], maxLRs: [1], mode: "sawtooth")
    }
    assertThrows(.value, "step_size_up must be positive") {
      _ = try CyclicLR(baseLRs: [0.1], maxLRs: [1], stepSizeUp: 0)
    }
    assertThrows(.value, "need one value per param group") {
      _ = try CyclicLR(baseLRs: [0.1, 0.2], maxLRs: [1, 1], baseMomentums: [0.8], maxMomentums: [0.9])
    }
    assertThrows(.value, "max_lr must have the same length as optimizer.param_groups") {
      _ = try CyclicLR(config: SchedulerConfig(["base_lrs": .doubles([0.1]), "max_lr": .doubles([1, 2])]))
    }
  }

  func testNoTrapAtIntMax() throws {
    var s = try CyclicLR(
      baseLRs: [0.1], maxLRs: [1], stepSizeUp: 3, mode: "triangular", cycleMomentum: false, lastEpoch: .max - 1)
    var lrs = [0.1]
    try s.step(&lrs)
    XCTAssert(lrs[0].isFinite)
    assertThrows(.overflow, "last_epoch is too large") { try s.step(&lrs) }
  }

  /// PyTorch's built-in scales are float powers, which raise OverflowError
  /// where they overflow: `2.0 ** (cycle - 1)` past cycle 1024, `gamma ** step`
  /// for a gamma above 1. A step there raises it and changes nothing.
  func testScalePowersOverflowAsPython() throws {
    var halving = try CyclicLR(baseLRs: [0.1], maxLRs: [1], stepSizeUp: 1, mode: "triangular2", cycleMomentum: false)
    var lrs = [0.1]
    try halving.step(&lrs, epoch: .int(2 * 1023))  // cycle 1024: 2.0 ** 1023
    assertThrows(.overflow, "Numerical result out of range") { try halving.step(&lrs, epoch: .int(2 * 1024)) }
    XCTAssertEqual(halving.lastEpoch, 2 * 1023)
    var growing = try CyclicLR(
      baseLRs: [0.1], maxLRs: [1], stepSizeUp: 2, mode: "exp_range", gamma: 2, cycleMomentum: false, lastEpoch: 1023)
    assertThrows(.overflow, "Numerical result out of range") { try growing.step(&lrs) }
    XCTAssertEqual(growing.lastEpoch, 1023)
  }
}
