import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// Asserts `actual` is within `relative` (relative) or `absolute` of `expected`.
func assertClose<T: BinaryFloatingPoint>(
  _ actual: T, _ expected: T, relative: T = 1e-12, absolute: T = 0,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let tolerance = max(absolute, relative * max(abs(actual), abs(expected)))
  XCTAssert(
    abs(actual - expected) <= tolerance || (actual.isNaN && expected.isNaN),
    "\(actual) != \(expected) (tolerance \(tolerance)) \(message())", file: file, line: line)
}

/// Elementwise `assertClose` over two arrays of the same length.
func assertClose<T: BinaryFloatingPoint>(
  _ actual: [T], _ expected: [T], relative: T = 1e-12, absolute: T = 0,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "lengths differ \(message())", file: file, line: line)
  for (a, e) in zip(actual, expected) {
    assertClose(a, e, relative: relative, absolute: absolute, message(), file: file, line: line)
  }
}

/// Asserts that `body` throws a `SchedulerError` of `exception` whose message contains `fragment`.
func assertThrows(
  _ exception: SchedulerError.Exception, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  do {
    try body()
    XCTFail("expected a \(exception) error containing '\(fragment)'", file: file, line: line)
  } catch {
    guard let error = error as? SchedulerError else {
      return XCTFail("expected a SchedulerError, got \(error)", file: file, line: line)
    }
    XCTAssertEqual(error.exception, exception, error.message, file: file, line: line)
    XCTAssert(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
  }
}

/// Runs `count` steps of `scheduler` from `lrs`, returning the lrs after each step.
func runSteps<S: LRScheduler>(_ scheduler: inout S, from lrs: [Double], steps count: Int) throws -> [[Double]] {
  var current = lrs
  var out: [[Double]] = []
  for _ in 0..<count {
    try scheduler.step(&current)
    out.append(current)
  }
  return out
}

// MARK: - The C ABI as the shim calls it

/// The text of a C ABI message buffer.
func text(of message: swiftlr_message) -> String {
  withUnsafeBytes(of: message.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// A `swiftlr_config *` holding `values`, each put with the `swiftlr_config_put_*`
/// function of its type, as the shim builds one. Free it with `swiftlr_config_free`.
func makeCConfig(_ values: [String: SchedulerValue]) -> OpaquePointer {
  let config = SwiftLR.swiftlr_config_new()
  for (name, value) in values {
    switch value {
    case .none: SwiftLR.swiftlr_config_put_none(config, name)
    case .bool(let b): SwiftLR.swiftlr_config_put_bool(config, name, b ? 1 : 0)
    case .int(let i): SwiftLR.swiftlr_config_put_int(config, name, Int64(i))
    case .double(let d): SwiftLR.swiftlr_config_put_double(config, name, d)
    case .ints(let list): SwiftLR.swiftlr_config_put_ints(config, name, list.map { Int64($0) }, Int64(list.count))
    case .doubles(let list): SwiftLR.swiftlr_config_put_doubles(config, name, list, Int64(list.count))
    case .string(let s): SwiftLR.swiftlr_config_put_string(config, name, s)
    }
  }
  return config
}

/// A C ABI value as a `SchedulerValue`; nil for a list or string whose
/// pointer is NULL (it did not fit the caller's buffer) or an unknown tag.
func schedulerValue(_ v: swiftlr_value) -> SchedulerValue? {
  let count = Int(v.count)
  switch v.tag {
  case Int32(SWIFTLR_NONE.rawValue): return SchedulerValue.none
  case Int32(SWIFTLR_BOOL.rawValue): return .bool(v.int_value != 0)
  case Int32(SWIFTLR_INT.rawValue): return .int(Int(v.int_value))
  case Int32(SWIFTLR_DOUBLE.rawValue): return .double(v.double_value)
  case Int32(SWIFTLR_INTS.rawValue):
    return v.ints.map { p in .ints((0..<count).map { Int(p[$0]) }) }
  case Int32(SWIFTLR_DOUBLES.rawValue):
    return v.doubles.map { p in .doubles((0..<count).map { p[$0] }) }
  case Int32(SWIFTLR_STRING.rawValue):
    // `count` includes the NUL.
    return v.string.map { p in .string(String(cString: p)) }
  default: return nil
  }
}
