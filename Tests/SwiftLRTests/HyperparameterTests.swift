import XCTest

@testable import SwiftLR

/// `Hyperparameter` and what `DeclaredScheduler` derives from a list of them:
/// `arguments`, `fields`, `init(arguments:)` and the typed initializers' path.
final class HyperparameterTests: XCTestCase {
  // MARK: Derived declarations

  func testArgumentsAndFieldsFollowTheDeclarationOrder() {
    XCTAssertEqual(StepLR.arguments.map(\.name), ["step_size", "gamma"])
    XCTAssertEqual(StepLR.fields.map(\.name), ["step_size", "gamma"])
    XCTAssertEqual(
      WarmupStableDecayLR.arguments.map(\.name),
      ["warmup_steps", "stable_steps", "decay_steps", "decay_type", "min_lr_ratio"])
    XCTAssertEqual(WarmupStableDecayLR.fields.map(\.name), WarmupStableDecayLR.arguments.map(\.name))
    // The shared decay declarations keep each schedule's own default type.
    XCTAssertEqual(CooldownLR.arguments.map(\.name), ["decay_steps", "decay_type", "min_lr_ratio"])
    XCTAssertEqual(CooldownLR.arguments[1].defaultValue, .string("linear"))
    XCTAssertEqual(WarmupStableDecayLR.arguments[3].defaultValue, .string("cosine"))
  }

  func testDeclarationCarriesDefaultAndFirstFlag() {
    let factor = ConstantLR.arguments[0]
    XCTAssertEqual(factor.name, "factor")
    XCTAssertEqual(factor.defaultValue, .double(1.0 / 3))
    XCTAssertTrue(factor.checkedFirst)
    XCTAssertNil(StepLR.arguments[0].defaultValue)  // step_size is required
  }

  // MARK: Construction

  func testConfigAndTypedInitializerBuildTheSameScheduler() throws {
    let typed = try LinearLR(
      baseLRs: [0.1, 0.2], startFactor: 0.5, endFactor: 0.9, totalIters: .float(7.5), lastEpoch: 3)
    let built = try LinearLR(config: [
      "base_lrs": .doubles([0.1, 0.2]), "start_factor": .double(0.5), "end_factor": .double(0.9),
      "total_iters": .double(7.5), "last_epoch": .int(3),
    ])
    XCTAssertEqual(built.baseLRs, typed.baseLRs)
    XCTAssertEqual(built.lastEpoch, 3)
    XCTAssertEqual(built.startFactor, 0.5)
    XCTAssertEqual(built.endFactor, 0.9)
    XCTAssertEqual(built.totalIters, typed.totalIters)
    for name in LinearLR.fields.map(\.name) { XCTAssertEqual(built.field(name), typed.field(name), name) }
  }

  func testDefaultsReachTheStoredProperties() throws {
    let s = try WarmupStableDecayLR(config: [
      "base_lrs": .doubles([1]), "warmup_steps": .int(2), "stable_steps": .int(3), "decay_steps": .int(4),
    ])
    XCTAssertEqual(s.decayType, .cosine)
    XCTAssertEqual(s.minLRRatio, 0)
    let c = try CooldownLR(config: ["base_lrs": .doubles([1]), "decay_steps": .int(4)])
    XCTAssertEqual(c.decayType, .linear)
    XCTAssertEqual(c.lastEpoch, -1)
  }

  func testTypedInitializerRunsTheDeclaredCheckWithItsWords() {
    assertThrows(.value, "step_size must be positive, got 0") {
      _ = try StepLR(baseLRs: [0.1], stepSize: 0)
    }
    assertThrows(.value, "Constant multiplicative factor expected to be between 0 and 1.") {
      _ = try ConstantLR(baseLRs: [0.1], factor: 2)
    }
    assertThrows(.value, "decay_steps must be a positive integer, got 0") {
      _ = try CooldownLR(baseLRs: [0.1], decaySteps: 0)
    }
  }

  func testConfigRunsTheDeclaredCheckBeforeBuilding() {
    assertThrows(.value, "milestones must not be empty") {
      _ = try PiecewiseLinearLR(config: ["base_lrs": .doubles([1]), "milestones": .ints([]), "factors": .doubles([])])
    }
    assertThrows(.type, "missing required argument: 'gamma'") {
      _ = try ExponentialLR(config: ["base_lrs": .doubles([1])])
    }
  }

  // MARK: Fields

  func testFieldsWriteThroughTheKeyPathsAndCheckAsTheArgument() throws {
    var s = try CosineAnnealingLR(baseLRs: [0.1], tMax: 10)
    try s.update(["T_max": .int(20), "eta_min": .double(0.01)])
    XCTAssertEqual(s.tMax, 20)
    XCTAssertEqual(s.etaMin, 0.01)
    assertThrows(.value, "T_max must not be 0") { try s.update(["T_max": .int(0)]) }
    XCTAssertEqual(s.tMax, 20)  // a failed update changes nothing
    var w = try WarmupStableDecayLR(baseLRs: [1], warmupSteps: 1, stableSteps: 1, decaySteps: 1)
    try w.update(["decay_type": .string("1-sqrt")])
    XCTAssertEqual(w.decayType, .oneMinusSqrt)
    XCTAssertEqual(w.field("decay_type"), .string("1-sqrt"))
  }
}
