import XCTest

@testable import SwiftLR

final class SWALRTests: XCTestCase {
  /// Steps with each group's `swa_lr` as input; the scheduler counts its
  /// steps, so the step number (PyTorch's `_step_count - 1`) is 0, 1, ...
  func run(_ s: inout SWALR, from lrs: [Double], steps: Int) throws -> [Double] {
    var current = lrs
    var out: [Double] = []
    for _ in 0..<steps {
      try s.step(&current, inputs: s.swaLRs)
      out.append(current[0])
    }
    return out
  }

  func testLinearAnnealingReachesSwaLRAndStays() throws {
    var s = try SWALR(baseLRs: [1.0], swaLRs: [0.5], annealEpochs: 4, annealStrategy: .linear)
    let trace = try run(&s, from: [1.0], steps: 8)
    assertClose(trace, [1.0, 0.875, 0.75, 0.625, 0.5, 0.5, 0.5, 0.5], relative: 1e-14)
  }

  func testCosineAnnealingFollowsTheClosedForm() throws {
    var s = try SWALR(baseLRs: [0.2], swaLRs: [0.05], annealEpochs: 10)
    let trace = try run(&s, from: [0.2], steps: 15)
    for (k, lr) in trace.enumerated() {
      let alpha = (1 - cos(Double.pi * min(1, Double(k) / 10))) / 2
      assertClose(lr, 0.05 * alpha + 0.2 * (1 - alpha), relative: 1e-13)
    }
  }

  func testZeroAnnealEpochsJumps() throws {
    var s = try SWALR(baseLRs: [1.0], swaLRs: [0.1], annealEpochs: 0)
    XCTAssertEqual(try run(&s, from: [1.0], steps: 3), [0.1, 0.1, 0.1])
  }

  func testValidationAndInputs() throws {
    assertThrows(.value, "anneal_epochs must be equal or greater than 0, got -1") {
      _ = try SWALR(baseLRs: [1], swaLRs: [1], annealEpochs: -1)
    }
    assertThrows(.value, "anneal_strategy must be one of 'cos' or 'linear', instead got x") {
      _ = try SWALR(config: ["base_lrs": .doubles([1]), "swa_lr": .double(1), "anneal_strategy": .string("x")])
    }
    var s = try SWALR(baseLRs: [1], swaLRs: [1])
    var lrs = [1.0]
    assertThrows(.value, "expected 1 step inputs, got 2") { try s.step(&lrs, inputs: [0.5, 1]) }
    // A step count near Int.max cannot overflow the annealing arithmetic.
    s.stepCount = Int.max - 1
    assertThrows(.overflow, "_step_count is out of range") { try s.step(&lrs, inputs: [1]) }
    XCTAssertEqual(lrs, [1.0])
  }
}
