import XCTest

@testable import SwiftLR

/// `StepStorage`: undo puts back exactly the state the step started from and
/// commit keeps the stepped one, whether the step changed plain fields only
/// (the byte copy) or references (the Swift assignment).
final class StepStorageTests: XCTestCase {
  struct State: Equatable {
    var values: [Double]
    var count: Int
    var name: String
    var limit: Double?
    var flag: Bool
  }

  static let start = State(
    values: [1, 2], count: 0, name: "a name longer than fifteen bytes", limit: nil, flag: false)

  func testPlainFieldsAreUndoneAndCommitted() {
    let s = StepStorage(Self.start)
    s.beginStep()
    s.value.count = 5
    s.value.flag = true
    s.value.limit = 0.5
    s.undo()
    XCTAssertEqual(s.value, Self.start)
    s.beginStep()
    s.value.count = 7
    s.commit()
    s.beginStep()
    s.value.count = 9
    s.undo()
    XCTAssertEqual(s.value.count, 7)
  }

  func testArraysChangedInPlaceOrReplacedAreUndone() {
    let s = StepStorage(Self.start)
    s.beginStep()
    s.value.values[0] = 10  // in place: the second owner makes it a copy
    s.value.count = 1
    s.undo()
    XCTAssertEqual(s.value, Self.start)
    s.beginStep()
    s.value.values = [3]
    s.value.name = "another name, also a long string"
    s.commit()
    XCTAssertEqual(s.value.values, [3])
    s.beginStep()
    s.value.count = 4
    s.value.values.append(5)
    s.undo()
    XCTAssertEqual(s.value.values, [3])
    XCTAssertEqual(s.value.name, "another name, also a long string")
    XCTAssertEqual(s.value.count, 0)
  }

  func testReplaceIsTheNextUndoPoint() {
    let s = StepStorage(Self.start)
    var loaded = Self.start
    loaded.count = 42
    loaded.values = [8, 9]
    s.replace(loaded)
    s.beginStep()
    s.value.count = 43
    s.undo()
    XCTAssertEqual(s.value, loaded)
  }

  func testAStepNeitherCommittedNorUndoneIsKept() {
    let s = StepStorage(Self.start)
    s.beginStep()
    s.value.count = 1
    s.beginStep()
    s.value.count = 2
    s.undo()
    XCTAssertEqual(s.value.count, 1)
  }

  func testPlainStateAndSchedulers() throws {
    struct Plain: Equatable {
      var a: Int
      var b: Double
    }
    let p = StepStorage(Plain(a: 1, b: 2))
    p.beginStep()
    p.value.a = 3
    p.undo()
    XCTAssertEqual(p.value, Plain(a: 1, b: 2))
    // A real rule, stepped in place as NativeScheduler does.
    let s = StepStorage(try StepLR(baseLRs: [0.1, 0.2], stepSize: 1, gamma: 0.5))
    var lrs = [0.1, 0.2]
    s.beginStep()
    try s.value.step(&lrs)
    s.commit()
    s.beginStep()
    try s.value.step(&lrs)
    s.undo()
    XCTAssertEqual(s.value.lastEpoch, 0)
    XCTAssertEqual(s.value.baseLRs, [0.1, 0.2])
  }
}
