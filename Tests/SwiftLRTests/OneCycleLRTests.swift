import XCTest

@testable import SwiftLR

final class OneCycleLRTests: XCTestCase {
  func run(_ s: inout OneCycleLR, steps: Int) throws -> (lrs: [Double], momenta: [Double]) {
    var lrs = s.baseLRs
    var out: ([Double], [Double]) = ([], [])
    for _ in 0..<steps {
      try s.step(&lrs, inputs: s.groupValues)
      out.0.append(lrs[0])
      out.1.append(s.momentum(group: 0) ?? .nan)
    }
    return out
  }

  func testTwoPhases() throws {
    var s = try OneCycleLR(
      maxLRs: [1.0], totalSteps: 10, pctStart: 0.5, annealStrategy: .linear, divFactor: 10, finalDivFactor: 100)
    let (lrs, momenta) = try run(&s, steps: 11)
    XCTAssertEqual(s.phaseEndSteps, [4, 9])
    assertClose(lrs[0], 0.1)
    assertClose(lrs[2], 0.55)
    assertClose(lrs[4], 1.0)
    assertClose(lrs[9], 0.001)
    assertClose(momenta[0], 0.95)
    assertClose(momenta[4], 0.85)
    assertClose(momenta[9], 0.95)
    XCTAssertEqual(s.lastEpoch, 10)  // PyTorch allows step == total_steps (extrapolating)
  }

  func testGroupValuesFollowTheDeclaredLayout() throws {
    let keys = ["initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"]
    XCTAssertEqual(OneCycleLR.GroupValue.allCases.map(\.key), keys)
    XCTAssertEqual(OneCycleLR.groupInputKeys(cycleMomentum: false), Array(keys.prefix(3)))
    let s = try OneCycleLR(
      maxLRs: [1.0, 2.0], totalSteps: 10, baseMomentums: [0.8, 0.7], maxMomentums: [0.9, 0.95], divFactor: 4,
      finalDivFactor: 10)
    XCTAssertEqual(s.valuesPerGroup, 5)
    XCTAssertEqual(s.groupValues, [0.25, 1.0, 0.025, 0.9, 0.8, 0.5, 2.0, 0.05, 0.95, 0.7])
    let plain = try OneCycleLR(maxLRs: [1.0, 2.0], totalSteps: 10, cycleMomentum: false, divFactor: 4)
    XCTAssertEqual(plain.groupValues, [0.25, 1.0, 0.25e-4, 0.5, 2.0, 0.5e-4])
  }

  func testThreePhasesReturnToInitialThenAnnihilate() throws {
    var s = try OneCycleLR(maxLRs: [1.0], totalSteps: 21, pctStart: 0.5, threePhase: true)
    let (lrs, _) = try run(&s, steps: 21)
    XCTAssertEqual(s.phaseEndSteps, [9.5, 19, 20])
    assertClose(lrs[0], 0.04)
    assertClose(lrs[19], 0.04)
    assertClose(lrs[20], 0.04 / 1e4)
  }

  func testSteppingPastTheEndThrowsPyTorchsError() throws {
    var s = try OneCycleLR(maxLRs: [0.1], totalSteps: 3)
    _ = try run(&s, steps: 4)
    var lrs = [0.1]
    assertThrows(.value, "Tried to step 4 times. The specified number of total steps is 3") {
      try s.step(&lrs, inputs: s.groupValues)
    }
    XCTAssertEqual(s.lastEpoch, 3)
  }

  func testEmptyPhaseThrowsInsteadOfNaN() throws {
    var s = try OneCycleLR(maxLRs: [0.1], totalSteps: 4, pctStart: 1.0)
    _ = try run(&s, steps: 4)
    var lrs = [0.1]
    assertThrows(.value, "float division by zero") { try s.step(&lrs, inputs: s.groupValues) }
  }

  func testValidation() {
    assertThrows(.value, "Expected positive integer total_steps, but got 0") {
      _ = try OneCycleLR(maxLRs: [1], totalSteps: 0)
    }
    assertThrows(.value, "Expected float between 0 and 1 pct_start") {
      _ = try OneCycleLR(maxLRs: [1], totalSteps: 5, pctStart: 2)
    }
    assertThrows(.value, "anneal_strategy must be one of 'cos' or 'linear', instead got x") {
      _ = try OneCycleLR(config: [
        "base_lrs": .doubles([1]), "max_lr": .double(1), "total_steps": .int(5), "anneal_strategy": .string("x"),
      ])
    }
  }
}
