import XCTest

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

/// Asserts that `body` throws a `SchedulerError` of `kind` whose message contains `fragment`.
func assertThrows(
  _ kind: SchedulerError.Kind, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  do {
    try body()
    XCTFail("expected a \(kind) error containing '\(fragment)'", file: file, line: line)
  } catch {
    guard let error = error as? SchedulerError else {
      return XCTFail("expected a SchedulerError, got \(error)", file: file, line: line)
    }
    XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
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
