import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// `tensorsShareMemory` and `selfOverlapError`: when a step must run
/// its tensors one after another.
final class SharedMemoryTests: XCTestCase {
  /// Tensors over byte offsets of one fake address space (never dereferenced).
  func tensor(param: Int, grad: Int, buffer: Int? = nil, count: Int, dtype: swiftlr_dtype = SWIFTLR_FLOAT32)
    -> swiftlr_sgd_tensor
  {
    let base = 0x1000_0000
    return swiftlr_sgd_tensor(
      param: UnsafeMutableRawPointer(bitPattern: base + param), grad: UnsafeRawPointer(bitPattern: base + grad),
      buffer: buffer.flatMap { UnsafeMutableRawPointer(bitPattern: base + $0) }, count: Int64(count),
      dtype: Int32(dtype.rawValue), fresh_buffer: 0, group: 0)
  }

  func share(_ tensors: [swiftlr_sgd_tensor]) -> Bool {
    tensors.withUnsafeBufferPointer { tensorsShareMemory($0) }
  }

  func testDisjointTensorsDoNotShare() {
    XCTAssertFalse(share([tensor(param: 0, grad: 400, count: 100), tensor(param: 800, grad: 1200, count: 100)]))
    // Touching ends are not an overlap.
    XCTAssertFalse(share([tensor(param: 0, grad: 800, count: 100), tensor(param: 400, grad: 1200, count: 100)]))
    // The same gradient read by two parameters is only read.
    XCTAssertFalse(share([tensor(param: 0, grad: 800, count: 100), tensor(param: 400, grad: 800, count: 100)]))
    // A gradient that is its own parameter's data.
    XCTAssertFalse(share([tensor(param: 0, grad: 0, count: 100), tensor(param: 400, grad: 400, count: 100)]))
  }

  func testWrittenMemoryReachedByAnotherTensorShares() {
    XCTAssertTrue(share([tensor(param: 0, grad: 800, count: 100), tensor(param: 0, grad: 1200, count: 100)]))
    XCTAssertTrue(share([tensor(param: 0, grad: 800, count: 100), tensor(param: 396, grad: 1200, count: 100)]))
    // Another tensor's gradient is this one's parameter, or its buffer.
    XCTAssertTrue(share([tensor(param: 0, grad: 800, count: 100), tensor(param: 400, grad: 0, count: 100)]))
    XCTAssertTrue(
      share([
        tensor(param: 0, grad: 800, buffer: 2000, count: 100), tensor(param: 400, grad: 2100, count: 100),
      ]))
    // float64 tensors are twice as long in bytes.
    XCTAssertTrue(
      share([
        tensor(param: 0, grad: 8000, count: 100, dtype: SWIFTLR_FLOAT64),
        tensor(param: 796, grad: 9000, count: 1, dtype: SWIFTLR_FLOAT64),
      ]))
  }

  func testTheCacheGivesTheSameVerdicts() {
    let shared = [tensor(param: 0, grad: 800, count: 100), tensor(param: 200, grad: 1200, count: 100)]
    let apart = [tensor(param: 0, grad: 800, count: 100), tensor(param: 400, grad: 1200, count: 100)]
    let newGradient = [tensor(param: 0, grad: 800, count: 100), tensor(param: 400, grad: 0, count: 100)]
    for _ in 0..<3 {
      XCTAssertTrue(share(shared))
      XCTAssertFalse(share(apart))
      XCTAssertTrue(share(newGradient))  // same writes as `apart`, a gradient that meets them
      XCTAssertFalse(share(apart))
    }
  }

  func testSweepFindsAnOverlapHiddenBehindTheSameOwner() {
    // Tensor 1's long range hides nothing: the sweep keeps the largest end of
    // each of two owners.
    let ranges = [
      MemoryRange(start: 0, end: 50, owner: 0), MemoryRange(start: 10, end: 100, owner: 1),
      MemoryRange(start: 60, end: 70, owner: 1),
    ]
    XCTAssertTrue(rangesOverlap(ranges))
    XCTAssertTrue(
      rangesOverlap([
        MemoryRange(start: 0, end: 100, owner: 1), MemoryRange(start: 5, end: 10, owner: 1),
        MemoryRange(start: 20, end: 30, owner: 0),
      ]))
    XCTAssertFalse(
      rangesOverlap([
        MemoryRange(start: 0, end: 10, owner: 0), MemoryRange(start: 5, end: 20, owner: 0),
        MemoryRange(start: 20, end: 30, owner: 1),
      ]))
  }

  func testPartialOverlapWithinATensorIsRefused() {
    XCTAssertNil(selfOverlapError(tensor(param: 0, grad: 0, count: 10), index: 0))
    XCTAssertNil(selfOverlapError(tensor(param: 0, grad: 40, buffer: 80, count: 10), index: 0))
    XCTAssertNotNil(selfOverlapError(tensor(param: 0, grad: 4, count: 10), index: 0))
    XCTAssertNotNil(selfOverlapError(tensor(param: 0, grad: 40, buffer: 0, count: 10), index: 0))
    XCTAssertNotNil(selfOverlapError(tensor(param: 0, grad: 40, buffer: 44, count: 10), index: 0))
    XCTAssertNil(selfOverlapError(tensor(param: 0, grad: 4, count: 0), index: 0))
  }

  /// An Adam tensor over byte offsets of the same fake address space.
  func adam(param: Int, grad: Int, expAvg: Int, expAvgSq: Int, maxExpAvgSq: Int? = nil, count: Int)
    -> swiftlr_adam_tensor
  {
    let base = 0x1000_0000
    return swiftlr_adam_tensor(
      param: UnsafeMutableRawPointer(bitPattern: base + param), grad: UnsafeRawPointer(bitPattern: base + grad),
      exp_avg: UnsafeMutableRawPointer(bitPattern: base + expAvg),
      exp_avg_sq: UnsafeMutableRawPointer(bitPattern: base + expAvgSq),
      max_exp_avg_sq: maxExpAvgSq.flatMap { UnsafeMutableRawPointer(bitPattern: base + $0) }, count: Int64(count),
      dtype: Int32(SWIFTLR_FLOAT32.rawValue), step: 1, group: 0)
  }

  func testAdamMomentsAreWrittenMemory() {
    func share(_ tensors: [swiftlr_adam_tensor]) -> Bool { tensors.withUnsafeBufferPointer { tensorsShareMemory($0) } }
    let first = adam(param: 0, grad: 400, expAvg: 800, expAvgSq: 1200, count: 100)
    XCTAssertFalse(share([first, adam(param: 1600, grad: 2000, expAvg: 2400, expAvgSq: 2800, count: 100)]))
    // Another tensor's gradient is this one's exp_avg_sq, or its parameter is this one's max_exp_avg_sq.
    XCTAssertTrue(share([first, adam(param: 1600, grad: 1200, expAvg: 2400, expAvgSq: 2800, count: 100)]))
    XCTAssertTrue(
      share([
        adam(param: 0, grad: 400, expAvg: 800, expAvgSq: 1200, maxExpAvgSq: 3200, count: 100),
        adam(param: 3200, grad: 2000, expAvg: 2400, expAvgSq: 2800, count: 100),
      ]))
    // Two parameters reading one gradient only read it.
    XCTAssertFalse(share([first, adam(param: 1600, grad: 400, expAvg: 2400, expAvgSq: 2800, count: 100)]))
  }

  func testAdamStateSharingItsOwnTensorIsRefused() {
    XCTAssertNil(selfOverlapError(adam(param: 0, grad: 0, expAvg: 400, expAvgSq: 800, count: 100), index: 0))
    let moments = selfOverlapError(adam(param: 0, grad: 400, expAvg: 800, expAvgSq: 800, count: 100), index: 3)
    XCTAssertEqual(
      moments,
      .value(
        "exp_avg_sq of parameter 3 shares memory with the parameter, its gradient or its other state; give it its "
          + "own array"))
    let maximum = adam(param: 0, grad: 400, expAvg: 800, expAvgSq: 1200, maxExpAvgSq: 404, count: 100)
    XCTAssertNotNil(selfOverlapError(maximum, index: 0))
    XCTAssertNotNil(selfOverlapError(adam(param: 0, grad: 4, expAvg: 800, expAvgSq: 1200, count: 100), index: 0))
  }

  /// Through the ABI: two tensors over one array, a step split across
  /// threads, both updates land (in order).
  func testAStepOverOneArrayTwiceAppliesBoth() {
    let count = 1 << 20
    var data = [Float](repeating: 1, count: count)
    let grad = [Float](repeating: 0.5, count: count)
    var group = swiftlr_sgd_group(SGDOptions(lr: 0.25, fusedMultiplyAdd: false))
    data.withUnsafeMutableBytes { p in
      grad.withUnsafeBytes { g in
        let t = swiftlr_sgd_tensor(
          param: p.baseAddress, grad: g.baseAddress, buffer: nil, count: Int64(count),
          dtype: Int32(SWIFTLR_FLOAT32.rawValue), fresh_buffer: 0, group: 0)
        var message = swiftlr_message()
        XCTAssertEqual([t, t].withUnsafeBufferPointer { swiftlr_sgd_step($0.baseAddress, 2, &group, 1, &message) }, 0)
      }
    }
    XCTAssertEqual(Set(data), [0.75])
  }
}
