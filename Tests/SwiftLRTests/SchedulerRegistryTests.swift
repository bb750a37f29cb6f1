import XCTest

@testable import SwiftLR

/// `SchedulerRegistry`: every kind builds from its required arguments, by
/// `make` and by `makeBox`, under the name of its type.
final class SchedulerRegistryTests: XCTestCase {
  /// Each kind's required arguments (PyTorch's signatures) with valid values.
  /// OneCycleLR declares `total_steps` optional, but needs it or `epochs`.
  static let minimal: [String: SchedulerConfig] = [
    "StepLR": ["step_size": .int(2)],
    "MultiStepLR": ["milestones": .ints([2, 4])],
    "ConstantLR": [:],
    "LinearLR": [:],
    "ExponentialLR": ["gamma": .double(0.9)],
    "PolynomialLR": [:],
    "CosineAnnealingLR": ["T_max": .int(10)],
    "CosineAnnealingWarmRestarts": ["T_0": .int(3)],
    "CyclicLR": ["max_lr": .double(0.5)],
    "OneCycleLR": ["total_steps": .int(20)],
    "ReduceLROnPlateau": [:],
    "SWALR": ["swa_lr": .double(0.05)],
    "LambdaLR": [:],
    "MultiplicativeLR": [:],
    "WarmupCosineLR": ["warmup_steps": .int(2), "total_steps": .int(10)],
    "InverseSqrtLR": ["warmup_steps": .int(2)],
    "WarmupStableDecayLR": ["warmup_steps": .int(2), "stable_steps": .int(3), "decay_steps": .int(4)],
    "PiecewiseLinearLR": ["milestones": .ints([0, 5]), "factors": .doubles([1, 0.5])],
    "CooldownLR": ["decay_steps": .int(4)],
  ]

  static let baseLRs = [0.1, 0.2]

  static func config(_ kind: String) -> SchedulerConfig {
    var config = minimal[kind] ?? [:]
    config["base_lrs"] = .doubles(baseLRs)
    return config
  }

  func testEveryKindHasAMinimalConfigOfItsRequiredArguments() {
    XCTAssertEqual(Set(Self.minimal.keys), Set(SchedulerRegistry.entries.keys))
    for (kind, entry) in SchedulerRegistry.entries {
      let declared = Set(entry.type.arguments.map(\.name))
      let required = Set(entry.type.arguments.filter { $0.defaultValue == nil }.map(\.name))
      let given = Set(Self.minimal[kind]?.values.keys.map { $0 } ?? [])
      XCTAssert(required.isSubset(of: given), "\(kind): \(required) not in \(given)")
      XCTAssert(given.isSubset(of: declared), "\(kind): \(given) not declared")
    }
  }

  func testMakeBuildsEveryKindFromItsMinimalConfig() throws {
    for kind in SchedulerRegistry.entries.keys.sorted() {
      let scheduler: any LRScheduler
      do {
        scheduler = try SchedulerRegistry.make(kind, config: Self.config(kind))
      } catch {
        XCTFail("\(kind): \(error)")
        continue
      }
      XCTAssertEqual(String(describing: type(of: scheduler)), kind)
      // PyTorch's ReduceLROnPlateau keeps no base lrs: it reads the groups' lrs.
      if kind != "ReduceLROnPlateau" { XCTAssertEqual(scheduler.baseLRs, Self.baseLRs, kind) }
      XCTAssertEqual(scheduler.groupCount, 2, kind)
      XCTAssertEqual(scheduler.lastEpoch, kind == "ReduceLROnPlateau" ? 0 : -1, kind)
    }
  }

  func testMakeBoxBuildsEveryKindFromItsMinimalConfig() throws {
    for kind in SchedulerRegistry.entries.keys.sorted() {
      let box: NativeScheduler
      do {
        box = try SchedulerRegistry.makeBox(kind, config: Self.config(kind))
      } catch {
        XCTFail("\(kind): \(error)")
        continue
      }
      let type = SchedulerRegistry.entries[kind]!.type
      XCTAssertEqual(String(describing: Swift.type(of: box.scheduler)), kind)
      XCTAssertEqual(box.groupCount, 2, kind)
      XCTAssertEqual(box.names, type.allFieldNames, kind)
      if kind != "ReduceLROnPlateau" { XCTAssertEqual(box.scheduler.field("base_lrs"), .doubles(Self.baseLRs), kind) }
    }
  }

  func testEachMissingRequiredArgumentIsATypeError() {
    for (kind, entry) in SchedulerRegistry.entries {
      for argument in entry.type.arguments where argument.defaultValue == nil {
        var config = Self.config(kind)
        config[argument.name] = nil
        assertThrows(.type, "missing required argument: '\(argument.name)'") {
          _ = try SchedulerRegistry.make(kind, config: config)
        }
      }
    }
  }

  func testUnknownKindIsAValueError() {
    assertThrows(.value, "unknown scheduler 'StepLr'") {
      _ = try SchedulerRegistry.make("StepLr", config: Self.config("StepLR"))
    }
    assertThrows(.value, "unknown scheduler ''") { _ = try SchedulerRegistry.makeBox("", config: [:]) }
  }

  func testKindsAreNamedAfterTheirTypes() {
    XCTAssertEqual(SchedulerRegistry.kinds.count, SchedulerRegistry.entries.count)
    for (name, type) in SchedulerRegistry.kinds {
      XCTAssertEqual(String(describing: type), name)
    }
  }
}

extension LRScheduler {
  /// The names of `allFields`, in order.
  fileprivate static var allFieldNames: [String] { allFields.map(\.name) }
}
