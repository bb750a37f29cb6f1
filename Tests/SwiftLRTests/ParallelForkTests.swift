import Synchronization
import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

/// `parallelRanges` across `fork()`: the child of a process whose other
/// threads hold the worker pool (and its lock) gets a pool of its own.
final class ParallelForkTests: XCTestCase {
  /// How often each index of `0..<total` was visited by one split call.
  func visits(_ total: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: total)
    counts.withUnsafeMutableBufferPointer { c in
      let base = c.baseAddress!
      parallelRanges(total: total, minimumPerThread: 1 << 10) { range in
        for i in range { base[i] += 1 }
      }
    }
    return counts
  }

  /// `fork()` while other threads hold the pool (and its lock): the child's
  /// first split call starts a pool of its own instead of waiting forever for
  /// the parent's. A child that runs a minute is killed: a hang detector.
  func testForkWhileOtherThreadsUseThePool() {
    final class Flag { let stop = Atomic<Bool>(false) }
    let flag = Flag()
    let group = DispatchGroupLite()
    let total = 1 << 17
    for _ in 0..<3 {
      group.run {
        while !flag.stop.load(ordering: .relaxed) { _ = self.visits(total) }
      }
    }
    for _ in 0..<30 {
      let pid = fork()
      if pid == 0 {
        _exit(visits(total) == [Int](repeating: 1, count: total) ? 0 : 1)
      }
      var status: Int32 = 0
      var naps = 0
      while waitpid(pid, &status, WNOHANG) == 0 {
        naps += 1
        if naps > 60_000 {
          kill(pid, SIGKILL)
          waitpid(pid, &status, 0)
          XCTFail("a forked child hung")
          break
        }
        usleep(1000)
      }
      XCTAssertEqual(status, 0, "the child's wait status")
    }
    flag.stop.store(true, ordering: .relaxed)
    group.wait()
  }
}
