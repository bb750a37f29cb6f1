import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// The scheduler half of the C ABI, called as the shim calls it: a
/// configuration built with `swiftlr_config_put_*`, then new, step, undo or
/// commit, get (two-phase), update, copy, lrs, momenta.
final class SchedulerABITests: XCTestCase {
  private var owned: [OpaquePointer] = []

  override func tearDown() {
    owned.forEach { SwiftLR.swiftlr_scheduler_free($0) }
    owned = []
    super.tearDown()
  }

  /// `kind` built through the C functions, freed after the test; nil (and a
  /// failure) when it cannot be built.
  private func make(
    _ kind: String, _ values: [String: SchedulerValue], file: StaticString = #filePath, line: UInt = #line
  ) -> OpaquePointer? {
    let (scheduler, status, message) = build(kind, values)
    guard let scheduler else {
      XCTFail("\(kind): status \(status): \(message)", file: file, line: line)
      return nil
    }
    owned.append(scheduler)
    return scheduler
  }

  /// `swiftlr_scheduler_new` on a fresh configuration: the scheduler (owned
  /// by the caller), the status and the message.
  private func build(_ kind: String, _ values: [String: SchedulerValue]) -> (OpaquePointer?, Int32, String) {
    let config = makeCConfig(values)
    defer { SwiftLR.swiftlr_config_free(config) }
    var status: Int32 = -1
    var message = swiftlr_message()
    let scheduler = SwiftLR.swiftlr_scheduler_new(kind, config, &status, &message)
    return (scheduler, status, text(of: message))
  }

  /// One `swiftlr_scheduler_step` without epoch: the status and the message.
  @discardableResult
  private func step(
    _ s: OpaquePointer, _ lrs: inout [Double], inputs: [Double] = [], count: Int, initial: Bool = false
  ) -> (Int32, String) {
    var message = swiftlr_message()
    let status = SwiftLR.swiftlr_scheduler_step(
      s, &lrs, Int64(lrs.count), inputs, Int64(inputs.count), nil, Int64(count), initial ? 1 : 0, &message)
    return (status, text(of: message))
  }

  /// A field read in two phases, as the shim does: the size, then the value.
  private func get(_ s: OpaquePointer, _ name: String) -> SchedulerValue? {
    var v = swiftlr_value()
    guard SwiftLR.swiftlr_scheduler_get(s, name, &v, nil, 0) == 1 else { return nil }
    let bytes = max(Int(v.count) * 8, 1)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
    defer { buffer.deallocate() }
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(s, name, &v, buffer, Int64(bytes)), 1)
    return schedulerValue(v)
  }

  private func fields(_ s: OpaquePointer) -> [String: SchedulerValue] {
    var out: [String: SchedulerValue] = [:]
    for i in 0..<SwiftLR.swiftlr_scheduler_field_count(s) {
      let name = String(cString: SwiftLR.swiftlr_scheduler_field_name(s, i)!)
      out[name] = get(s, name)
    }
    return out
  }

  private func update(_ s: OpaquePointer, _ values: [String: SchedulerValue]) -> (Int32, String) {
    let config = makeCConfig(values)
    defer { SwiftLR.swiftlr_config_free(config) }
    var message = swiftlr_message()
    let status = SwiftLR.swiftlr_scheduler_update(s, config, &message)
    return (status, text(of: message))
  }

  // MARK: Building

  func testStepsAsTheSwiftSchedulerWithTheCallersContext() throws {
    // CosineAnnealingLR reads PyTorch's _step_count and _is_initial.
    let values: [String: SchedulerValue] = ["base_lrs": .doubles([0.1, 0.02]), "T_max": .int(5), "eta_min": .int(0)]
    guard let s = make("CosineAnnealingLR", values) else { return }
    var swift = try CosineAnnealingLR(config: SchedulerConfig(values))
    swift.isInitial = true
    var lrs = [0.1, 0.02]
    var expected = lrs
    for k in 1...13 {
      XCTAssertEqual(step(s, &lrs, count: k, initial: k == 1).0, 0)
      SwiftLR.swiftlr_scheduler_commit_step(s)
      try swift.step(&expected)
      XCTAssertEqual(lrs, expected, "step \(k)")
      XCTAssertEqual(get(s, "last_epoch"), .int(swift.lastEpoch))
    }
    XCTAssertEqual(get(s, "last_epoch"), .int(12))
  }

  func testNewReportsStatusAndMessage() {
    let base: [String: SchedulerValue] = ["base_lrs": .doubles([0.1])]
    func failure(_ kind: String, _ extra: [String: SchedulerValue]) -> (Int32, String) {
      let (s, status, message) = build(kind, base.merging(extra) { $1 })
      XCTAssertNil(s)
      if let s { SwiftLR.swiftlr_scheduler_free(s) }
      return (status, message)
    }
    var (status, message) = failure("StepLR", ["step_size": .int(0)])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "step_size must be positive, got 0")
    (status, message) = failure("StepLR", ["step_size": .string("2")])
    XCTAssertEqual(status, Int32(SWIFTLR_TYPE_ERROR.rawValue))
    XCTAssertEqual(message, "step_size must be an int or a float, got str")
    (status, message) = failure("CosineAnnealingWarmRestarts", ["T_0": .double(9_223_372_036_854_775_808.0)])
    XCTAssertEqual(status, Int32(SWIFTLR_OVERFLOW_ERROR.rawValue))
    XCTAssert(message.hasPrefix("T_0 is out of range"), message)
    (status, message) = failure("StepLr", ["step_size": .int(1)])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "unknown scheduler 'StepLr'")
    // No status or message buffer: still NULL, no crash.
    let config = makeCConfig(["base_lrs": .doubles([0.1])])
    defer { SwiftLR.swiftlr_config_free(config) }
    XCTAssertNil(SwiftLR.swiftlr_scheduler_new("StepLR", config, nil, nil))
  }

  func testGroupAndInputCountsAndFieldNames() {
    guard let step = make("StepLR", ["base_lrs": .doubles([0.1, 0.2, 0.3]), "step_size": .int(2)]),
      let lambda = make("LambdaLR", ["base_lrs": .doubles([0.1, 0.2])])
    else { return }
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_group_count(step), 3)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_input_count(step), 0)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_input_count(lambda), 2)  // one user factor per group
    let names = (0..<SwiftLR.swiftlr_scheduler_field_count(step)).map {
      String(cString: SwiftLR.swiftlr_scheduler_field_name(step, $0)!)
    }
    XCTAssertEqual(names, ["step_size", "gamma", "base_lrs", "last_epoch"])
    XCTAssertNil(SwiftLR.swiftlr_scheduler_field_name(step, 4))
    XCTAssertNil(SwiftLR.swiftlr_scheduler_field_name(step, -1))
  }

  // MARK: Stepping

  func testFailedStepChangesNothing() {
    guard let s = make("StepLR", ["base_lrs": .doubles([0.1, 0.2]), "step_size": .int(1)]),
      let lambda = make("LambdaLR", ["base_lrs": .doubles([0.1, 0.2])])
    else { return }
    var lrs = [0.1, 0.2]
    XCTAssertEqual(step(s, &lrs, count: 1, initial: true).0, 0)
    SwiftLR.swiftlr_scheduler_commit_step(s)
    let before = fields(s)
    var three = [0.1, 0.2, 0.3]
    let (status, message) = step(s, &three, count: 2)
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "expected 2 learning rates (one per param group), got 3")
    XCTAssertEqual(three, [0.1, 0.2, 0.3])
    XCTAssertEqual(fields(s), before)
    var m = swiftlr_message()
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_step(s, &lrs, -1, nil, 0, nil, 2, 0, &m), 1)
    XCTAssertEqual(text(of: m), "negative count")
    XCTAssertEqual(fields(s), before)
    var two = [0.1, 0.2]
    XCTAssertEqual(step(lambda, &two, count: 1, initial: true).1, "expected 2 step inputs, got 0")
    XCTAssertEqual(get(lambda, "last_epoch"), .int(-1))
  }

  func testUndoRestoresTheStateBeforeTheStepAndCommitKeepsTheNew() {
    guard let s = make("ReduceLROnPlateau", ["base_lrs": .doubles([0.1]), "patience": .int(0)]) else { return }
    var lrs = [0.1]
    let initial = fields(s)
    XCTAssertEqual(step(s, &lrs, inputs: [2.0], count: 1).0, 0)
    let afterFirst = fields(s)
    XCTAssertNotEqual(afterFirst, initial)  // best and last_epoch moved
    SwiftLR.swiftlr_scheduler_undo_step(s)
    XCTAssertEqual(fields(s), initial)
    XCTAssertEqual(step(s, &lrs, inputs: [2.0], count: 1).0, 0)
    SwiftLR.swiftlr_scheduler_commit_step(s)
    XCTAssertEqual(fields(s), afterFirst)
    // Nothing is kept after a commit: an undo then is a no-op.
    SwiftLR.swiftlr_scheduler_undo_step(s)
    XCTAssertEqual(fields(s), afterFirst)
  }

  // MARK: Fields

  func testGetInTwoPhasesWithATooSmallBuffer() {
    guard let s = make("StepLR", ["base_lrs": .doubles([0.1, 0.2, 0.3]), "step_size": .int(2)]),
      let plateau = make("ReduceLROnPlateau", ["base_lrs": .doubles([0.1]), "min_lr": .doubles([0.01])]),
      let multi = make("MultiStepLR", ["base_lrs": .doubles([0.1]), "milestones": .ints([5, 3])])
    else { return }
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 0xAB, count: 64)
    var v = swiftlr_value()
    // Three doubles need 24 bytes: 16 is too small, nothing is written.
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(s, "base_lrs", &v, buffer, 16), 1)
    XCTAssertEqual(v.tag, Int32(SWIFTLR_DOUBLES.rawValue))
    XCTAssertEqual(v.count, 3)
    XCTAssertNil(v.doubles)
    XCTAssert((0..<64).allSatisfy { buffer.load(fromByteOffset: $0, as: UInt8.self) == 0xAB })
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(s, "base_lrs", &v, nil, 1024), 1)
    XCTAssertNil(v.doubles)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(s, "base_lrs", &v, buffer, 24), 1)
    XCTAssertEqual(schedulerValue(v), .doubles([0.1, 0.2, 0.3]))
    // A string's count includes its NUL.
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(plateau, "mode", &v, buffer, 3), 1)
    XCTAssertEqual(v.tag, Int32(SWIFTLR_STRING.rawValue))
    XCTAssertEqual(v.count, 4)
    XCTAssertNil(v.string)
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(plateau, "mode", &v, buffer, 4), 1)
    XCTAssertEqual(schedulerValue(v), .string("min"))
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(multi, "milestones", &v, buffer, 15), 1)
    XCTAssertNil(v.ints)
    XCTAssertEqual(get(multi, "milestones"), .ints([3, 5]))
    // Scalars need no buffer.
    XCTAssertEqual(get(s, "step_size"), .int(2))
    XCTAssertEqual(get(s, "gamma"), .double(0.1))
    XCTAssertEqual(get(plateau, "default_min_lr"), SchedulerValue.none)
    XCTAssertEqual(get(plateau, "sign_aware_threshold"), .bool(false))
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_get(s, "no_such_field", &v, buffer, 64), 0)
  }

  func testUpdateSetsAllOrNothing() {
    guard let s = make("StepLR", ["base_lrs": .doubles([0.1]), "step_size": .int(2), "gamma": .double(0.5)]) else {
      return
    }
    XCTAssertEqual(update(s, ["step_size": .int(5), "gamma": .double(0.25)]).0, 0)
    XCTAssertEqual(get(s, "step_size"), .int(5))
    XCTAssertEqual(get(s, "gamma"), .double(0.25))
    let before = fields(s)
    var (status, message) = update(s, ["gamma": .double(0.9), "step_size": .int(0)])
    XCTAssertEqual(status, Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(message, "step_size must be positive, got 0")
    XCTAssertEqual(fields(s), before)
    (status, message) = update(s, ["gamma": .double(0.9), "step": .int(1)])
    XCTAssertEqual(status, Int32(SWIFTLR_KEY_ERROR.rawValue))
    XCTAssert(message.contains("has no field 'step'"), message)
    (status, _) = update(s, ["step_size": .string("3")])
    XCTAssertEqual(status, Int32(SWIFTLR_TYPE_ERROR.rawValue))
    XCTAssertEqual(fields(s), before)
  }

  // MARK: Copies, lrs and momenta

  func testCopyIsIndependentAndStepsAlike() {
    let values: [String: SchedulerValue] = ["base_lrs": .doubles([0.1]), "T_0": .int(3), "T_mult": .int(2)]
    guard let s = make("CosineAnnealingWarmRestarts", values) else { return }
    var lrs = [0.1]
    for k in 1...4 {
      step(s, &lrs, count: k, initial: k == 1)
      SwiftLR.swiftlr_scheduler_commit_step(s)
    }
    let copy = SwiftLR.swiftlr_scheduler_copy(s)
    owned.append(copy)
    XCTAssertEqual(fields(copy), fields(s))
    let atCopy = fields(copy)
    var copyLRs = lrs
    for k in 5...9 {
      step(s, &lrs, count: k)
      SwiftLR.swiftlr_scheduler_commit_step(s)
    }
    XCTAssertEqual(fields(copy), atCopy)
    XCTAssertNotEqual(fields(s), atCopy)
    for k in 5...9 {
      step(copy, &copyLRs, count: k)
      SwiftLR.swiftlr_scheduler_commit_step(copy)
    }
    XCTAssertEqual(copyLRs, lrs)
    XCTAssertEqual(fields(copy), fields(s))
  }

  func testLrsWithoutStepping() {
    guard let s = make("StepLR", ["base_lrs": .doubles([0.1, 0.3]), "step_size": .int(2), "gamma": .double(0.5)]),
      let plateau = make("ReduceLROnPlateau", ["base_lrs": .doubles([0.1])])
    else { return }
    var lrs = [0.1, 0.3]
    for k in 1...6 {
      step(s, &lrs, count: k, initial: k == 1)
      SwiftLR.swiftlr_scheduler_commit_step(s)
    }
    let before = fields(s)  // last_epoch 5
    var message = swiftlr_message()
    // The closed form: base * gamma ** (last_epoch // step_size), exact for these values.
    var closed = [7.0, 7.0]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_lrs(s, &closed, 2, 1, &message), 0)
    XCTAssertEqual(closed, [0.1 * 0.25, 0.3 * 0.25])
    // get_lr(): 5 is no multiple of 2, so the current lrs come back.
    var chained = [0.7, 0.9]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_lrs(s, &chained, 2, 0, &message), 0)
    XCTAssertEqual(chained, [0.7, 0.9])
    XCTAssertEqual(fields(s), before)
    var one = [0.1]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_lrs(s, &one, 1, 0, &message), Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_lrs(s, &one, -1, 0, &message), Int32(SWIFTLR_VALUE_ERROR.rawValue))
    XCTAssertEqual(text(of: message), "negative count")
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_lrs(plateau, &one, 1, 1, &message), Int32(SWIFTLR_TYPE_ERROR.rawValue))
    XCTAssertEqual(text(of: message), "ReduceLROnPlateau has no closed form")
  }

  func testMomentaOfACyclingScheduler() throws {
    let values: [String: SchedulerValue] = [
      "base_lrs": .doubles([0.01, 0.02]), "max_lr": .doubles([0.1, 0.2]), "step_size_up": .int(4),
    ]
    guard let s = make("CyclicLR", values),
      let plain = make("StepLR", ["base_lrs": .doubles([0.1, 0.2]), "step_size": .int(1)])
    else { return }
    var lrs = [0.01, 0.02]
    for k in 1...3 {
      step(s, &lrs, count: k, initial: k == 1)
      SwiftLR.swiftlr_scheduler_commit_step(s)
    }
    // Two steps up a 4-step rise: PyTorch's momentum is max - (max - base) * 2/4.
    var momenta = [0.0, 0.0]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_momenta(s, &momenta, 2), 1)
    assertClose(momenta, [0.9 - 0.1 * 0.5, 0.9 - 0.1 * 0.5], relative: 1e-15)
    var one = [-1.0]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_momenta(s, &one, 1), 0)
    XCTAssertEqual(one, [-1.0])
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_momenta(s, nil, 2), 0)
    var untouched = [-1.0, -1.0]
    XCTAssertEqual(SwiftLR.swiftlr_scheduler_momenta(plain, &untouched, 2), 0)
    XCTAssertEqual(untouched, [-1.0, -1.0])
  }
}
