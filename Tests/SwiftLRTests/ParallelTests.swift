import Synchronization
import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

/// `parallelRanges` and its worker pool: every element once, pool reuse, and
/// callers on several threads at once.
final class ParallelTests: XCTestCase {
  /// Counts how often each index of `0..<total` was visited.
  func visits(total: Int, minimumPerThread: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: total)
    counts.withUnsafeMutableBufferPointer { c in
      let base = c.baseAddress!
      parallelRanges(total: total, minimumPerThread: minimumPerThread) { range in
        for i in range { base[i] += 1 }
      }
    }
    return counts
  }

  func testEveryElementExactlyOnceAtEverySplit() {
    for (total, minimum) in [(0, 1), (1, 1), (7, 1), (1000, 1), (1000, 10_000), (100_003, 1 << 10)] {
      XCTAssertEqual(visits(total: total, minimumPerThread: minimum), [Int](repeating: 1, count: total), "\(total)")
    }
  }

  /// Every cut between two ranges falls on a multiple of `chunkGranule`, so
  /// no cache line is written by two threads.
  func testCutsFallOnGranules() {
    let total = 1_000_003
    var starts = [Bool](repeating: false, count: total)
    starts.withUnsafeMutableBufferPointer { s in
      let base = s.baseAddress!
      parallelRanges(total: total, minimumPerThread: 1 << 10) { range in base[range.lowerBound] = true }
    }
    let cuts = starts.indices.filter { starts[$0] }
    XCTAssertEqual(cuts.first, 0)
    XCTAssertEqual(cuts.filter { $0 % chunkGranule != 0 }, [])
    if onlineCores > 1 { XCTAssertGreaterThan(cuts.count, 1) }
  }

  func testThreadCountFollowsTheMinimum() {
    XCTAssertEqual(parallelThreads(total: 10, minimumPerThread: 100), 1)
    XCTAssertEqual(parallelThreads(total: 1 << 30, minimumPerThread: 1), min(onlineCores, 64))
  }

  /// The pool is reused across many calls (a step wakes it, it does not start threads).
  func testManyCallsReuseThePool() {
    for _ in 0..<2000 {
      XCTAssertEqual(visits(total: 64, minimumPerThread: 1).reduce(0, +), 64)
    }
  }

  /// How a call was split: the number of ranges, and whether one of them was all of `0..<total`.
  func split(total: Int, minimumToWake: Int) -> (ranges: Int, whole: Bool) {
    let ranges = Atomic<Int>(0)
    let whole = Atomic<Bool>(false)
    parallelRanges(total: total, minimumPerThread: 16, minimumToWake: minimumToWake) { range in
      ranges.wrappingAdd(1, ordering: .relaxed)
      if range == 0..<total { whole.store(true, ordering: .relaxed) }
    }
    return (ranges.load(ordering: .relaxed), whole.load(ordering: .relaxed))
  }

  /// Waits (up to 10 s) until the pool's workers sleep until a call wakes
  /// them, and longer than a worker's spin since the last call.
  func waitForIdleWorkers() -> Bool {
    for _ in 0..<10_000 {
      usleep(1000)
      if WorkerPool.workersIdle { return true }
    }
    return false
  }

  /// Sleeping workers are woken only for a share of `minimumToWake` or more:
  /// a smaller one runs on the caller, in one range; a large one is split.
  func testSleepingWorkersAreWokenOnlyForALargeShare() {
    XCTAssertGreaterThan(onlineCores, 1, "this test needs a worker")
    _ = split(total: 1 << 16, minimumToWake: 0)  // start the pool
    XCTAssertTrue(waitForIdleWorkers())
    let small = split(total: 1 << 12, minimumToWake: 1 << 12)
    XCTAssertEqual(small.ranges, 1)
    XCTAssertTrue(small.whole)
    XCTAssertTrue(waitForIdleWorkers())
    let large = split(total: 1 << 14, minimumToWake: 1 << 12)
    XCTAssertGreaterThan(large.ranges, 1)
    XCTAssertFalse(large.whole)
  }

  /// A call that follows the last one within a worker's spin (a loop of
  /// steps) is split even when its share is small: the worker it wakes will
  /// still be awake for the next. Retried, since the test thread may be
  /// preempted between the two calls.
  func testBackToBackCallsWakeTheWorkers() {
    XCTAssertGreaterThan(onlineCores, 1, "this test needs a worker")
    var splitOnce = false
    for _ in 0..<1000 where !splitOnce {
      _ = split(total: 1 << 12, minimumToWake: 1 << 20)
      splitOnce = split(total: 1 << 12, minimumToWake: 1 << 20).ranges > 1
    }
    XCTAssertTrue(splitOnce)
  }

  /// Small calls at a steady pace (a training loop): the first runs alone and
  /// wakes the workers with no job; they then wake shortly before each next
  /// call is due, which finds them awake and is split. Without anticipation
  /// none of these calls is split (each is below the share that wakes a
  /// sleeping worker, and 2 ms apart they are not back to back), so one split
  /// call shows the mechanism. How many are split is speed, which
  /// `benchmarks/loop_bench.py` measures: 26 to 28 of 30 on a quiet machine,
  /// as few as 3 of 600 with seven builds running on two cores (the kernel
  /// runs a woken worker, and the caller's sleep, late). The test raises this
  /// process's threads above other processes where it may (root: CI) and
  /// runs up to 20 rounds of 30 calls until one is split.
  func testSteadyCallsAreAnticipated() {
    XCTAssertGreaterThan(onlineCores, 1, "this test needs a worker")
    _ = split(total: 1 << 16, minimumToWake: 0)  // start the pool
    let restore = raiseThreadPriorities()
    defer { restore() }
    var splits = 0
    for _ in 0..<20 where splits == 0 {
      XCTAssertTrue(waitForIdleWorkers())
      for _ in 0..<30 {
        usleep(2000)
        if split(total: 1 << 12, minimumToWake: 1 << 20).ranges > 1 { splits += 1 }
      }
    }
    XCTAssertGreaterThan(splits, 0)
  }

  /// Gives every thread of this process the highest priority it is allowed
  /// (nice -20 as root, unchanged otherwise); returns what puts them back.
  func raiseThreadPriorities() -> () -> Void {
    var saved: [(id_t, Int32)] = []
    guard let dir = opendir("/proc/self/task") else { return {} }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      guard let tid = id_t(name) else { continue }
      errno = 0
      let old = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid)
      if errno == 0 && setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, -20) == 0 {
        saved.append((tid, old))
      }
    }
    return { for (tid, old) in saved { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, old) } }
  }

  /// Callers on several threads at once: one holds the pool, the others run alone.
  func testConcurrentCallers() {
    let group = DispatchGroupLite()
    for _ in 0..<4 {
      group.run {
        for _ in 0..<200 {
          XCTAssertEqual(self.visits(total: 4096, minimumPerThread: 16), [Int](repeating: 1, count: 4096))
        }
      }
    }
    group.wait()
  }
}

/// Threads started and joined with pthreads (the tests use no Foundation either).
final class DispatchGroupLite {
  private var threads: [pthread_t] = []

  func run(_ body: @escaping () -> Void) {
    final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    var handle = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let status = pthread_create(
      &handle, nil,
      { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
      }, context)
    precondition(status == 0)
    threads.append(handle)
  }

  func wait() { for t in threads { pthread_join(t, nil) } }
}
