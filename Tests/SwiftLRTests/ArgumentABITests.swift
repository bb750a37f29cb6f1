import XCTest
import _SwiftLRShims

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

/// The declarations half of the C ABI: argument rows, the declared checks,
/// SWALR's annealing weight and CyclicLR's scale.
final class ArgumentABITests: XCTestCase {
  private func row(_ kind: String, _ index: Int64) -> swiftlr_argument? {
    var out = swiftlr_argument()
    guard SwiftLR.swiftlr_scheduler_argument(kind, index, &out) == 1 else { return nil }
    return out
  }

  private func row(_ kind: String, named name: String) -> swiftlr_argument? {
    (0..<max(0, SwiftLR.swiftlr_scheduler_argument_count(kind))).lazy.compactMap { self.row(kind, $0) }
      .first { String(cString: $0.name) == name }
  }

  // MARK: Rows

  func testArgumentCount() {
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count("StepLR"), 2)  // step_size, gamma
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count("ExponentialLR"), 1)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count("LambdaLR"), 0)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count("NoSuchLR"), -1)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count("steplr"), -1)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count(""), -1)
    for (kind, entry) in SchedulerRegistry.entries {
      XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument_count(kind), Int64(entry.type.arguments.count), kind)
    }
  }

  /// The fields that are PyTorch's attributes, in declaration order, without
  /// those marked `swiftlrOnly()`; NULL past the end and for an unknown kind.
  func testTorchFields() {
    func names(_ kind: String) -> [String] {
      var out: [String] = []
      while let name = SwiftLR.swiftlr_scheduler_torch_field(kind, Int64(out.count)) {
        out.append(String(cString: name))
      }
      return out
    }
    XCTAssertEqual(names("StepLR"), ["step_size", "gamma"])
    XCTAssertEqual(names("OneCycleLR"), ["total_steps", "_anneal_func_type", "cycle_momentum"])
    XCTAssertFalse(names("ReduceLROnPlateau").contains("sign_aware_threshold"))
    XCTAssertEqual(names("LambdaLR"), [])
    XCTAssertEqual(names("NoSuchLR"), [])
    XCTAssertNil(SwiftLR.swiftlr_scheduler_torch_field("StepLR", -1))
    XCTAssertEqual(OneCycleLR.fields.filter { !$0.isTorchAttribute }.map(\.name), ["group_values", "phase_end_steps"])
  }

  func testGroupInputs() {
    func names(_ kind: String, cycling: Bool) -> [String] {
      var out: [String] = []
      while let name = SwiftLR.swiftlr_scheduler_group_input(kind, cycling ? 1 : 0, Int64(out.count)) {
        out.append(String(cString: name))
      }
      return out
    }
    XCTAssertEqual(names("OneCycleLR", cycling: false), ["initial_lr", "max_lr", "min_lr"])
    XCTAssertEqual(names("OneCycleLR", cycling: true), OneCycleLR.GroupValue.allCases.map(\.key))
    XCTAssertEqual(names("SWALR", cycling: false), ["swa_lr"])
    XCTAssertEqual(names("CyclicLR", cycling: true), [])
    XCTAssertEqual(names("NoSuchLR", cycling: false), [])
    XCTAssertNil(SwiftLR.swiftlr_scheduler_group_input("SWALR", 0, -1))
  }

  func testRowsMirrorTheDeclarations() {
    for (kind, entry) in SchedulerRegistry.entries {
      for (i, argument) in entry.type.arguments.enumerated() {
        guard let r = row(kind, Int64(i)) else {
          XCTFail("\(kind) row \(i) missing")
          continue
        }
        let label = "\(kind).\(argument.name)"
        XCTAssertEqual(String(cString: r.name), argument.name, label)
        XCTAssertEqual(String(cString: r.conversion), argument.conversion.rawValue, label)
        XCTAssertEqual(r.has_default, argument.defaultValue == nil ? 0 : 1, label)
        XCTAssertEqual(r.checked_first, argument.checkedFirst ? 1 : 0, label)
        if let value = argument.defaultValue { XCTAssertEqual(schedulerValue(r.default_value), value, label) }
      }
    }
  }

  func testRowsOutOfRangeLeaveTheOutputAlone() {
    var out = swiftlr_argument()
    out.has_default = 7
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument("StepLR", 2, &out), 0)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument("StepLR", -1, &out), 0)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_argument("NoSuchLR", 0, &out), 0)
    XCTAssertEqual(out.has_default, 7)
    XCTAssertNil(out.name)
  }

  func testRowsCarryPyTorchsSignatures() throws {
    // StepLR(optimizer, step_size, gamma=0.1): step_size required.
    let stepSize = try XCTUnwrap(row("StepLR", 0))
    XCTAssertEqual(String(cString: stepSize.name), "step_size")
    XCTAssertEqual(String(cString: stepSize.conversion), "int_or_float")
    XCTAssertEqual(stepSize.has_default, 0)
    let gamma = try XCTUnwrap(row("StepLR", 1))
    XCTAssertEqual(gamma.default_value.tag, Int32(SWIFTLR_DOUBLE.rawValue))
    XCTAssertEqual(gamma.default_value.double_value, 0.1)
    // ConstantLR checks factor before it looks at the optimizer; its default is 1/3.
    let factor = try XCTUnwrap(row("ConstantLR", named: "factor"))
    XCTAssertEqual(factor.checked_first, 1)
    XCTAssertEqual(factor.default_value.double_value, 1.0 / 3)
    XCTAssertEqual(try XCTUnwrap(row("ConstantLR", named: "total_iters")).checked_first, 0)
    // A string default, with its NUL counted.
    let mode = try XCTUnwrap(row("ReduceLROnPlateau", named: "mode"))
    XCTAssertEqual(mode.default_value.tag, Int32(SWIFTLR_STRING.rawValue))
    XCTAssertEqual(String(cString: mode.default_value.string), "min")
    XCTAssertEqual(mode.default_value.count, 4)
    let decay = try XCTUnwrap(row("WarmupStableDecayLR", named: "decay_type"))
    XCTAssertEqual(String(cString: decay.default_value.string), "cosine")
    // None is a default (has_default 1), distinct from required.
    let total = try XCTUnwrap(row("OneCycleLR", named: "total_steps"))
    XCTAssertEqual(total.has_default, 1)
    XCTAssertEqual(total.default_value.tag, Int32(SWIFTLR_NONE.rawValue))
    let baseMomentum = try XCTUnwrap(row("CyclicLR", named: "base_momentum"))
    XCTAssertEqual(String(cString: baseMomentum.conversion), "per_group")
    XCTAssertEqual(baseMomentum.default_value.double_value, 0.8)
    XCTAssertEqual(String(cString: try XCTUnwrap(row("PiecewiseLinearLR", named: "factors")).conversion), "floats")
  }

  func testRowPointersLiveAsLongAsTheProcess() throws {
    let first = try XCTUnwrap(row("SWALR", named: "anneal_strategy"))
    let again = try XCTUnwrap(row("SWALR", named: "anneal_strategy"))
    XCTAssertEqual(first.name, again.name)
    XCTAssertEqual(first.default_value.string, again.default_value.string)
    XCTAssertEqual(String(cString: first.default_value.string), "cos")
  }

  // MARK: Checks

  private func check(_ kind: String, _ values: [String: SchedulerValue]) -> (Int32, String) {
    let config = makeCConfig(values)
    defer { SwiftLR.swiftlr_config_free(config) }
    var message = swiftlr_message()
    let status = SwiftLR.swiftlr_scheduler_check(kind, config, &message)
    return (status, text(of: message))
  }

  func testCheckRunsTheDeclaredChecksOfTheGivenArguments() {
    XCTAssertEqual(check("ConstantLR", ["factor": .double(0.5)]).0, 0)
    var (status, message) = check("ConstantLR", ["factor": .double(1.5)])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "Constant multiplicative factor expected to be between 0 and 1.")
    // Nothing given, nothing checked: StepLR's required step_size is not asked for.
    XCTAssertEqual(check("StepLR", [:]).0, 0)
    (status, message) = check("StepLR", ["step_size": .string("a")])
    XCTAssertEqual(status, Int32(SWIFTLR_TYPE_ERROR.rawValue))
    XCTAssertEqual(message, "step_size must be an int or a float, got str")
    (status, message) = check("CosineAnnealingWarmRestarts", ["T_0": .double(9_223_372_036_854_775_808.0)])
    XCTAssertEqual(status, Int32(SWIFTLR_OVERFLOW_ERROR.rawValue))
    (status, message) = check("CosineAnnealingWarmRestarts", ["T_0": .double(10)])
    XCTAssertEqual(message, "Expected positive integer T_0, but got 10.0")
    (status, message) = check("NoSuchLR", [:])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "unknown scheduler 'NoSuchLR'")
    // A per-group list before the group count is known.
    XCTAssertEqual(check("CyclicLR", ["max_lr": .doubles([0.1, 0.2])]).0, 0)
  }

  // MARK: Pure functions

  func testAnnealWeight() {
    for t in [0.0, 0.1, 0.25, 0.5, 0.9, 1.0] {
      XCTAssertEqual(SwiftLR.swiftlr_anneal_weight("linear", t), t)
      XCTAssertEqual(SwiftLR.swiftlr_anneal_weight("cos", t), (1 - cos(Double.pi * t)) / 2)
    }
    XCTAssertEqual(SwiftLR.swiftlr_anneal_weight("cos", 0), 0)
    XCTAssertEqual(SwiftLR.swiftlr_anneal_weight("cos", 1), 1)
    assertClose(SwiftLR.swiftlr_anneal_weight("cos", 0.5), 0.5, relative: 1e-15)
    XCTAssert(SwiftLR.swiftlr_anneal_weight("cosine", 0.5).isNaN)
    XCTAssert(SwiftLR.swiftlr_anneal_weight("", 0.5).isNaN)
  }

  func testCyclicScale() {
    XCTAssertEqual(SwiftLR.swiftlr_cyclic_scale("triangular", 0.5, 7), 1)
    XCTAssertEqual(SwiftLR.swiftlr_cyclic_scale("triangular2", 0.5, 1), 1)
    XCTAssertEqual(SwiftLR.swiftlr_cyclic_scale("triangular2", 0.5, 3), 0.25)
    XCTAssertEqual(SwiftLR.swiftlr_cyclic_scale("exp_range", 0.5, 3), 0.125)
    XCTAssertEqual(SwiftLR.swiftlr_cyclic_scale("exp_range", 0.9, 0), 1)
    XCTAssert(SwiftLR.swiftlr_cyclic_scale("exp-range", 0.5, 3).isNaN)
    XCTAssert(SwiftLR.swiftlr_cyclic_scale("Triangular", 0.5, 3).isNaN)
  }
}
