import XCTest

@testable import SwiftLR

/// `SchedulerValue`'s conversions and Python texts, `SchedulerConfig`'s
/// accessors, `SchedulerField`'s reads and writes.
final class SchedulerValueTests: XCTestCase {
  // MARK: Conversions

  func testAsIntTakesIntsBoolsAndIntegralFloats() throws {
    XCTAssertEqual(try SchedulerValue.int(-7).asInt("x"), -7)
    XCTAssertEqual(try SchedulerValue.bool(true).asInt("x"), 1)
    XCTAssertEqual(try SchedulerValue.bool(false).asInt("x"), 0)
    XCTAssertEqual(try SchedulerValue.double(10.0).asInt("x"), 10)
    XCTAssertEqual(try SchedulerValue.double(-0.0).asInt("x"), 0)
    // -2**63 is exactly a double and an Int.
    XCTAssertEqual(try SchedulerValue.double(-9_223_372_036_854_775_808.0).asInt("x"), Int.min)
  }

  func testAsIntRefusals() {
    assertThrows(.type, "x must be an integer, got 2.5") { _ = try SchedulerValue.double(2.5).asInt("x") }
    assertThrows(.type, "x must be an integer, got nan") { _ = try SchedulerValue.double(.nan).asInt("x") }
    assertThrows(.type, "x must be an integer, got inf") { _ = try SchedulerValue.double(.infinity).asInt("x") }
    assertThrows(.overflow, "x is out of range: it must fit in a signed 64-bit integer") {
      _ = try SchedulerValue.double(9_223_372_036_854_775_808.0).asInt("x")
    }
    assertThrows(.type, "x must be an integer, got str") { _ = try SchedulerValue.string("3").asInt("x") }
    assertThrows(.type, "x must be an integer, got list") { _ = try SchedulerValue.ints([3]).asInt("x") }
    assertThrows(.type, "x must be an integer, got None") { _ = try SchedulerValue.none.asInt("x") }
  }

  func testAsDouble() throws {
    XCTAssertEqual(try SchedulerValue.double(0.25).asDouble("x"), 0.25)
    XCTAssertEqual(try SchedulerValue.int(3).asDouble("x"), 3.0)
    XCTAssertEqual(try SchedulerValue.int(Int.max).asDouble("x"), 9_223_372_036_854_775_808.0)
    XCTAssertEqual(try SchedulerValue.bool(true).asDouble("x"), 1.0)
    XCTAssert(try SchedulerValue.double(.nan).asDouble("x").isNaN)
    assertThrows(.type, "y must be a float, got str") { _ = try SchedulerValue.string("0.1").asDouble("y") }
    assertThrows(.type, "y must be a float, got list") { _ = try SchedulerValue.doubles([0.1]).asDouble("y") }
    assertThrows(.type, "y must be a float, got None") { _ = try SchedulerValue.none.asDouble("y") }
  }

  func testAsBool() throws {
    XCTAssertEqual(try SchedulerValue.bool(true).asBool("b"), true)
    XCTAssertEqual(try SchedulerValue.int(0).asBool("b"), false)
    XCTAssertEqual(try SchedulerValue.int(-2).asBool("b"), true)
    assertThrows(.type, "b must be a bool, got float") { _ = try SchedulerValue.double(1).asBool("b") }
    assertThrows(.type, "b must be a bool, got str") { _ = try SchedulerValue.string("True").asBool("b") }
  }

  func testAsString() throws {
    XCTAssertEqual(try SchedulerValue.string("cos").asString("s"), "cos")
    XCTAssertEqual(try SchedulerValue.string("").asString("s"), "")
    assertThrows(.type, "s must be a str, got int") { _ = try SchedulerValue.int(1).asString("s") }
    assertThrows(.type, "s must be a str, got bool") { _ = try SchedulerValue.bool(true).asString("s") }
  }

  func testAsDoubles() throws {
    XCTAssertEqual(try SchedulerValue.doubles([0.5, -1]).asDoubles("l"), [0.5, -1])
    XCTAssertEqual(try SchedulerValue.ints([1, -2]).asDoubles("l"), [1.0, -2.0])
    XCTAssertEqual(try SchedulerValue.ints([]).asDoubles("l"), [])
    assertThrows(.type, "l must be a list of floats, got float") { _ = try SchedulerValue.double(1).asDoubles("l") }
    assertThrows(.type, "l must be a list of floats, got str") { _ = try SchedulerValue.string("a").asDoubles("l") }
  }

  func testAsInts() throws {
    XCTAssertEqual(try SchedulerValue.ints([3, -1]).asInts("m"), [3, -1])
    XCTAssertEqual(try SchedulerValue.doubles([3.0, -1.0]).asInts("m"), [3, -1])
    assertThrows(.type, "m must be an integer, got 2.5") { _ = try SchedulerValue.doubles([1, 2.5]).asInts("m") }
    assertThrows(.overflow, "m is out of range") { _ = try SchedulerValue.doubles([1e19]).asInts("m") }
    assertThrows(.type, "m must be a list of integers, got int") { _ = try SchedulerValue.int(3).asInts("m") }
  }

  // MARK: Python texts

  func testPythonTextIsPythonsStr() {
    XCTAssertEqual(SchedulerValue.none.pythonText, "None")
    XCTAssertEqual(SchedulerValue.bool(true).pythonText, "True")
    XCTAssertEqual(SchedulerValue.bool(false).pythonText, "False")
    XCTAssertEqual(SchedulerValue.int(-12).pythonText, "-12")
    XCTAssertEqual(SchedulerValue.double(10).pythonText, "10.0")
    XCTAssertEqual(SchedulerValue.double(0.1).pythonText, "0.1")
    XCTAssertEqual(SchedulerValue.double(.nan).pythonText, "nan")
    XCTAssertEqual(SchedulerValue.double(-.nan).pythonText, "nan")
    XCTAssertEqual(SchedulerValue.double(.infinity).pythonText, "inf")
    XCTAssertEqual(SchedulerValue.double(-.infinity).pythonText, "-inf")
    XCTAssertEqual(SchedulerValue.ints([1, 2]).pythonText, "[1, 2]")
    XCTAssertEqual(SchedulerValue.ints([]).pythonText, "[]")
    XCTAssertEqual(SchedulerValue.doubles([0.5, .infinity, .nan]).pythonText, "[0.5, inf, nan]")
    XCTAssertEqual(SchedulerValue.string("exp_range").pythonText, "exp_range")
  }

  func testPythonTypeNameIsTypeName() {
    XCTAssertEqual(SchedulerValue.none.pythonTypeName, "NoneType")
    XCTAssertEqual(SchedulerValue.bool(true).pythonTypeName, "bool")
    XCTAssertEqual(SchedulerValue.int(1).pythonTypeName, "int")
    XCTAssertEqual(SchedulerValue.double(1).pythonTypeName, "float")
    XCTAssertEqual(SchedulerValue.ints([1]).pythonTypeName, "list")
    XCTAssertEqual(SchedulerValue.doubles([1]).pythonTypeName, "list")
    XCTAssertEqual(SchedulerValue.string("a").pythonTypeName, "str")
  }

  // MARK: SchedulerConfig

  func testConfigAccessorsAndDefaults() throws {
    let c: SchedulerConfig = [
      "i": .int(3), "d": .double(0.5), "b": .bool(true), "s": .string("min"), "n": .none, "l": .ints([1, 2]),
    ]
    XCTAssertEqual(try c.int("i"), 3)
    XCTAssertEqual(try c.int("i", default: 9), 3)
    XCTAssertEqual(try c.int("absent", default: 9), 9)
    XCTAssertEqual(try c.double("d", default: 2), 0.5)
    XCTAssertEqual(try c.double("i"), 3.0)
    XCTAssertEqual(try c.double("absent", default: 2), 2)
    XCTAssertEqual(try c.bool("b", default: false), true)
    XCTAssertEqual(try c.bool("absent", default: false), false)
    XCTAssertEqual(try c.string("s"), "min")
    XCTAssertEqual(try c.string("absent", default: "max"), "max")
    XCTAssertEqual(try c.doubles("l"), [1, 2])
    XCTAssertEqual(try c.ints("l"), [1, 2])
    assertThrows(.type, "missing required argument: 'absent'") { _ = try c.int("absent") }
    // None counts as missing for a required value.
    assertThrows(.type, "missing required argument: 'n'") { _ = try c.double("n") }
    assertThrows(.type, "s must be an integer, got str") { _ = try c.int("s") }
  }

  func testConfigSubscriptReadsAndWrites() {
    var c = SchedulerConfig()
    XCTAssertNil(c["x"])
    c["x"] = .int(1)
    XCTAssertEqual(c["x"], .int(1))
    XCTAssertEqual(c.values, ["x": .int(1)])
    c["x"] = nil
    XCTAssertTrue(c.values.isEmpty)
  }

  func testDictionaryLiteralKeepsTheLastOfARepeatedKey() {
    let c = SchedulerConfig(dictionaryLiteral: ("gamma", .double(0.1)), ("step_size", .int(2)), ("gamma", .int(5)))
    XCTAssertEqual(c.values.count, 2)
    XCTAssertEqual(c["gamma"], .int(5))
    XCTAssertEqual(c["step_size"], .int(2))
  }

  func testPerGroup() throws {
    let c: SchedulerConfig = ["one": .double(0.5), "list": .doubles([0.1, 0.2]), "ints": .ints([1, 2])]
    XCTAssertEqual(try c.perGroup("one", groups: 3), [0.5, 0.5, 0.5])
    XCTAssertEqual(try c.perGroup("list", groups: 2), [0.1, 0.2])
    XCTAssertEqual(try c.perGroup("ints", groups: 2), [1.0, 2.0])
    XCTAssertEqual(try c.perGroup("absent", groups: 2, default: 0.8), [0.8, 0.8])
    XCTAssertEqual(try c.perGroup("one", groups: 2, default: 0.8), [0.5, 0.5])
    assertThrows(
      .value, "list must have the same length as optimizer.param_groups. list has 2 values, param_groups has 3."
    ) { _ = try c.perGroup("list", groups: 3) }
    assertThrows(.type, "missing required argument: 'absent'") { _ = try c.perGroup("absent", groups: 2) }
  }

  // MARK: SchedulerField

  func testChoiceFieldReadsAndWritesTheRawValue() throws {
    let field = ReduceLROnPlateau.fields.first { $0.name == "threshold_mode" }!
    var s = try ReduceLROnPlateau(groupCount: 1, thresholdMode: .abs)
    XCTAssertEqual(field.read(s), .string("abs"))
    try field.write(&s, .string("rel"))
    XCTAssertEqual(s.thresholdMode, .rel)
    assertThrows(.value, "threshold_mode: unknown value 'relative'") { try field.write(&s, .string("relative")) }
    assertThrows(.type, "threshold_mode must be a str, got int") { try field.write(&s, .int(0)) }
    XCTAssertEqual(s.thresholdMode, .rel)
  }

  func testTypedFieldsConvertOnWrite() throws {
    var s = try StepLR(baseLRs: [0.1, 0.2], stepSize: 3)
    let fields = StepLR.allFields
    let stepSize = fields.first { $0.name == "step_size" }!
    let baseLRs = fields.first { $0.name == "base_lrs" }!
    // A bool computes as 0 or 1 and stays a bool, as PyTorch's attribute does.
    try stepSize.write(&s, .bool(true))
    XCTAssertEqual(s.stepSize, .bool(true))
    XCTAssertEqual(stepSize.read(s), .bool(true))
    // An int-or-float field keeps a float as a float, as PyTorch's attribute does.
    try stepSize.write(&s, .double(4))
    XCTAssertEqual(s.stepSize, .float(4))
    XCTAssertEqual(stepSize.read(s), .double(4))
    try baseLRs.write(&s, .ints([1, 2]))
    XCTAssertEqual(s.baseLRs, [1.0, 2.0])
    assertThrows(.type, "step_size must be an int or a float, got str") { try stepSize.write(&s, .string("4")) }
    XCTAssertEqual(s.stepSize, .float(4))
  }
}
