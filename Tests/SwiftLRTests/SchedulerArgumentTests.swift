import XCTest

@testable import SwiftLR

/// `SchedulerArgument` and what derives from it: `SchedulerConfig.resolved(for:)`,
/// `LRScheduler.check`, the declared checks in `update` and `checkState`.
final class SchedulerArgumentTests: XCTestCase {
  // MARK: Resolution

  func testDefaultsAreFilledWithPyTorchsValues() throws {
    let step = try SchedulerConfig(["base_lrs": .doubles([0.1]), "step_size": .int(3)]).resolved(for: StepLR.self)
    XCTAssertEqual(step.config["gamma"], .double(0.1))
    XCTAssertEqual(step.config["last_epoch"], .int(-1))
    XCTAssertEqual(step.config["step_size"], .int(3))
    XCTAssertEqual(step.groupCount, 1)
    // ReduceLROnPlateau starts at epoch 0, and its modes are strings.
    let plateau = try SchedulerConfig(["base_lrs": .doubles([0.1, 0.2])]).resolved(for: ReduceLROnPlateau.self)
    XCTAssertEqual(plateau.config["last_epoch"], .int(0))
    XCTAssertEqual(plateau.config["mode"], .string("min"))
    XCTAssertEqual(plateau.config["threshold_mode"], .string("rel"))
    XCTAssertEqual(plateau.config["patience"], .int(10))
    XCTAssertEqual(plateau.groupCount, 2)
  }

  func testValuesAreConvertedAsDeclared() throws {
    let a = try SchedulerConfig(["base_lrs": .ints([1]), "step_size": .double(10.0), "gamma": .int(1)])
      .resolved(for: StepLR.self)
    XCTAssertEqual(a.config["base_lrs"], .doubles([1.0]))
    XCTAssertEqual(a.config["step_size"], .double(10.0))  // a count keeps the type given, as torch stores it
    XCTAssertEqual(a.config["gamma"], .double(1.0))
    let b = try SchedulerConfig(["base_lrs": .doubles([1]), "step_size": .int(10)]).resolved(for: StepLR.self)
    XCTAssertEqual(b.config["step_size"], .int(10))
  }

  func testMissingRequiredArgumentIsATypeError() {
    assertThrows(.type, "missing required argument: 'step_size'") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1])]).resolved(for: StepLR.self)
    }
    assertThrows(.type, "missing required argument: 'base_lrs'") {
      _ = try SchedulerConfig(["step_size": .int(1)]).resolved(for: StepLR.self)
    }
  }

  func testUndeclaredNameIsATypeError() {
    assertThrows(.type, "StepLR got an unexpected keyword argument 'step'") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "step_size": .int(1), "step": .int(1)])
        .resolved(for: StepLR.self)
    }
  }

  func testFirstBadArgumentInDeclaredOrderIsReported() {
    // Both are bad: LinearLR declares start_factor before end_factor, as PyTorch checks them.
    assertThrows(.value, "Starting multiplicative factor") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "start_factor": .double(2), "end_factor": .double(2)])
        .resolved(for: LinearLR.self)
    }
  }

  func testPerGroupScalarStaysOneValue() throws {
    let base: SchedulerConfig = ["base_lrs": .doubles([0.1, 0.2]), "min_lr": .double(0.01)]
    let scalar = try base.resolved(for: ReduceLROnPlateau.self)
    XCTAssertEqual(scalar.config["min_lr"], .double(0.01))
    XCTAssertEqual(try scalar.perGroup("min_lr"), [0.01, 0.01])
    var listed = base
    listed["min_lr"] = .ints([1, 2])
    let list = try listed.resolved(for: ReduceLROnPlateau.self)
    XCTAssertEqual(list.config["min_lr"], .doubles([1, 2]))
  }

  func testPerGroupListOfTheWrongLengthUsesTheDeclaredMessage() {
    // ReduceLROnPlateau words it its own way; CyclicLR takes `_format_param`'s.
    assertThrows(.value, "expected 2 min_lrs, got 3") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1, 0.2]), "min_lr": .doubles([0, 0, 0])])
        .resolved(for: ReduceLROnPlateau.self)
    }
    assertThrows(
      .value, "max_lr must have the same length as optimizer.param_groups. max_lr has 1 values, param_groups has 2."
    ) {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1, 0.2]), "max_lr": .doubles([1])]).resolved(for: CyclicLR.self)
    }
  }

  func testStrictIntRefusesAFloatWithTheArgumentsOwnMessage() {
    let config: SchedulerConfig = ["base_lrs": .doubles([0.1]), "T_0": .double(10.0)]
    assertThrows(.value, "Expected positive integer T_0, but got 10.0") {
      _ = try config.resolved(for: CosineAnnealingWarmRestarts.self)
    }
    assertThrows(.value, "anneal_epochs must be equal or greater than 0, got 2.0") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "swa_lr": .double(0.05), "anneal_epochs": .double(2)])
        .resolved(for: SWALR.self)
    }
  }

  func testStrictIntReportsAnIntegerBeyond64BitsAsOverflow() {
    // 2**63: a Python int the C layer could only pass as a float.
    let twoTo63 = 9_223_372_036_854_775_808.0
    assertThrows(.overflow, "T_0 is out of range") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "T_0": .double(twoTo63)])
        .resolved(for: CosineAnnealingWarmRestarts.self)
    }
    assertThrows(.overflow, "T_0 is out of range") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "T_0": .double(-2 * twoTo63)])
        .resolved(for: CosineAnnealingWarmRestarts.self)
    }
  }

  func testStrictIntTakesABoolAsPythonDoes() throws {
    // isinstance(True, int) holds in Python.
    let a = try SchedulerConfig(["base_lrs": .doubles([0.1]), "T_0": .bool(true)])
      .resolved(for: CosineAnnealingWarmRestarts.self)
    XCTAssertEqual(a.config["T_0"], .int(1))
    assertThrows(.value, "Expected positive integer T_0, but got False") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "T_0": .bool(false)])
        .resolved(for: CosineAnnealingWarmRestarts.self)
    }
  }

  func testExactRefusesBoolsAndFloats() {
    func resolve(_ name: String, _ value: SchedulerValue) throws {
      var config: SchedulerConfig = ["base_lrs": .doubles([0.1]), "warmup_steps": .int(1), "total_steps": .int(10)]
      config[name] = value
      _ = try config.resolved(for: WarmupCosineLR.self)
    }
    assertThrows(.type, "warmup_steps must be an int, got bool") { try resolve("warmup_steps", .bool(true)) }
    assertThrows(.type, "total_steps must be an int, got float") { try resolve("total_steps", .double(10.0)) }
    assertThrows(.type, "eta_min must be a float, got bool") { try resolve("eta_min", .bool(false)) }
    // A float argument still takes an int.
    XCTAssertNoThrow(try resolve("eta_min", .int(0)))
  }

  func testIntOrFloatKeepsTheTypeGiven() throws {
    func resolve(_ value: SchedulerValue) throws -> SchedulerValue? {
      try SchedulerConfig(["base_lrs": .doubles([0.1]), "step_size": value]).resolved(for: StepLR.self)
        .config["step_size"]
    }
    XCTAssertEqual(try resolve(.double(4)), .double(4))
    XCTAssertEqual(try resolve(.double(4.5)), .double(4.5))
    XCTAssertEqual(try resolve(.int(4)), .int(4))
    assertThrows(.overflow, "step_size is out of range") { _ = try resolve(.double(0x1p63)) }
  }

  func testChoiceRefusesAnUnknownValueWithItsMessage() throws {
    func resolve(_ name: String, _ value: SchedulerValue) throws -> SchedulerArguments {
      try SchedulerConfig(["base_lrs": .doubles([0.1]), name: value]).resolved(for: ReduceLROnPlateau.self)
    }
    assertThrows(.value, "mode sideways is unknown!") { _ = try resolve("mode", .string("sideways")) }
    assertThrows(.value, "threshold mode up is unknown!") { _ = try resolve("threshold_mode", .string("up")) }
    assertThrows(.type, "mode must be a str, got int") { _ = try resolve("mode", .int(1)) }
    let a = try resolve("mode", .string("max"))
    XCTAssertEqual(try a.choice("mode") as ReduceLROnPlateau.Mode, .max)
    assertThrows(.value, "anneal_strategy must be one of 'cos' or 'linear', instead got cosine") {
      _ = try SchedulerConfig([
        "base_lrs": .doubles([0.1]), "swa_lr": .double(0.05), "anneal_strategy": .string("cosine"),
      ])
      .resolved(for: SWALR.self)
    }
  }

  func testOptionalArgumentTakesNoneOthersRefuseIt() throws {
    let a = try SchedulerConfig(["base_lrs": .doubles([0.1]), "total_steps": .none, "epochs": .int(2)])
      .resolved(for: OneCycleLR.self)
    XCTAssertEqual(a.config["total_steps"], SchedulerValue.none)
    XCTAssertNil(a.optional("total_steps"))
    XCTAssertEqual(a.optional("epochs"), .int(2))
    let timescale = try SchedulerConfig(["base_lrs": .doubles([0.1]), "warmup_steps": .int(0)])
      .resolved(for: InverseSqrtLR.self)
    XCTAssertNil(timescale.optional("timescale"))
    assertThrows(.type, "step_size must not be None") {
      _ = try SchedulerConfig(["base_lrs": .doubles([0.1]), "step_size": .none]).resolved(for: StepLR.self)
    }
  }

  // MARK: LRScheduler.check

  func testCheckRunsOnlyTheNamedArguments() throws {
    // step_size is required, but check looks only at what it is given.
    XCTAssertNoThrow(try StepLR.check(["gamma": .double(0.5)]))
    XCTAssertNoThrow(try StepLR.check(["not_an_argument": .string("x")]))
    assertThrows(.value, "step_size must be positive, got 0") { try StepLR.check(["step_size": .int(0)]) }
    assertThrows(.value, "Constant multiplicative factor expected to be between 0 and 1.") {
      try ConstantLR.check(["factor": .double(1.5), "total_iters": .int(3)])
    }
  }

  func testCheckTakesAPerGroupListOfAnyLength() {
    // Before the optimizer is looked at, the group count is unknown: a list
    // is checked value by value, its length later.
    XCTAssertNoThrow(try CyclicLR.check(["max_lr": .doubles([0.1, 0.2, 0.3])]))
    XCTAssertNoThrow(try ReduceLROnPlateau.check(["min_lr": .doubles([0, 0])]))
  }

  // MARK: Declared checks on updates and memberwise initializers

  func testUpdateRunsTheDeclaredCheckAndChangesNothingOnFailure() throws {
    var s = try StepLR(baseLRs: [0.1], stepSize: 3, gamma: 0.5)
    assertThrows(.value, "step_size must be positive, got 0") {
      try s.update(["gamma": .double(0.9), "step_size": .int(0)])
    }
    XCTAssertEqual(s.stepSize, 3)
    XCTAssertEqual(s.gamma, 0.5)
    try s.update(["gamma": .double(0.9), "step_size": .int(7)])
    XCTAssertEqual(s.stepSize, 7)
    XCTAssertEqual(s.gamma, 0.9)
  }

  func testUpdateOfAStrictIntFieldUsesItsWording() throws {
    var s = try CosineAnnealingWarmRestarts(config: ["base_lrs": .doubles([0.1]), "T_0": .int(5)])
    assertThrows(.value, "Expected positive integer T_0, but got 10.0") { try s.update(["T_0": .double(10)]) }
    assertThrows(.value, "Expected integer T_mult >= 1, but got 0") { try s.update(["T_mult": .int(0)]) }
    XCTAssertEqual(s.field("T_0"), .int(5))
    XCTAssertEqual(s.field("T_mult"), .int(1))
  }

  func testUpdateOfAChoiceFieldRunsTheChoiceCheck() throws {
    var s = try ReduceLROnPlateau(groupCount: 1)
    assertThrows(.value, "mode up is unknown!") { try s.update(["mode": .string("up")]) }
    XCTAssertEqual(s.mode, .min)
    try s.update(["mode": .string("max")])
    XCTAssertEqual(s.mode, .max)
  }

  func testCheckStateRunsTheDeclaredChecksOnAMemberwiseInit() {
    assertThrows(.value, "step_size must be positive, got 0") {
      _ = try StepLR(baseLRs: [0.1], stepSize: 0)
    }
    assertThrows(.value, "anneal_epochs must be equal or greater than 0, got -1") {
      _ = try SWALR(baseLRs: [0.1], swaLRs: [0.05], annealEpochs: -1)
    }
    assertThrows(.value, "Factor should be < 1.0.") { _ = try ReduceLROnPlateau(groupCount: 1, factor: 1.5) }
  }

  // MARK: Every registered declaration

  func testEveryKindDeclaresUniqueNamesAndDefaultsThatResolve() throws {
    XCTAssertFalse(SchedulerRegistry.entries.isEmpty)
    for (kind, entry) in SchedulerRegistry.entries {
      let names = entry.type.arguments.map(\.name)
      XCTAssertEqual(Set(names).count, names.count, "\(kind) declares a name twice: \(names)")
      XCTAssertFalse(names.contains("base_lrs") || names.contains("last_epoch"), kind)
      for argument in entry.type.arguments {
        guard let value = argument.defaultValue else { continue }
        let resolved: SchedulerValue
        do {
          resolved = try argument.resolve(nil, groups: 2)
        } catch {
          XCTFail("\(kind).\(argument.name): default \(value) does not resolve: \(error)")
          continue
        }
        if value == .none {
          XCTAssertTrue(argument.acceptsNone, "\(kind).\(argument.name)")
          XCTAssertEqual(resolved, SchedulerValue.none, "\(kind).\(argument.name)")
          continue
        }
        XCTAssertTrue(
          matches(resolved, argument.conversion), "\(kind).\(argument.name): \(resolved) is not \(argument.conversion)")
      }
    }
  }

  /// Whether `value` is the case that an argument of `conversion` resolves to.
  private func matches(_ value: SchedulerValue, _ conversion: SchedulerArgument.Conversion) -> Bool {
    switch (conversion, value) {
    case (.int, .int), (.float, .double), (.bool, .bool), (.str, .string), (.ints, .ints), (.floats, .doubles),
      (.perGroup, .double), (.perGroup, .doubles), (.intOrFloat, .int), (.intOrFloat, .double):
      return true
    default: return false
    }
  }
}
