import _SwiftLRShims

/// Runs `update(k, range)` over the elements of every tensor `k` of
/// `counts` (one range of all their elements together, multi-tensor style),
/// split across the worker pool once it is large enough to be worth a second
/// thread (`minimumPerThread`); below that everything runs on the caller,
/// with no allocation. `wake`: elements per thread for which sleeping workers
/// are woken (see `parallelRanges`). `sequential`: each tensor is split
/// across the threads on its own, one tensor after another (torch's order,
/// for tensors that share memory).
///
/// Edge cases: a cut inside a tensor falls on a multiple of `chunkGranule`
/// of that tensor's elements, so both chunks beside it see whole vectors;
/// empty tensors get no call. `total` must be the sum of `counts`.
func forEachTensorRange(
  counts: UnsafeBufferPointer<Int>, total: Int, minimumPerThread: Int, wake: Int, sequential: Bool = false,
  _ update: (Int, Range<Int>) -> Void
) {
  if parallelThreads(total: total, minimumPerThread: minimumPerThread) <= 1 {
    for k in counts.indices where counts[k] > 0 { update(k, 0..<counts[k]) }
    return
  }
  if sequential {
    // (parallelRanges cuts on multiples of chunkGranule: no vector tail inside.)
    for k in counts.indices where counts[k] > 0 {
      parallelRanges(total: counts[k], minimumPerThread: minimumPerThread, minimumToWake: wake) { update(k, $0) }
    }
    return
  }
  // Prefix sums of element counts, for splitting the work (on the stack when small).
  withUnsafeTemporaryAllocation(of: Int.self, capacity: counts.count + 1) { starts in
    var sum = 0
    for (k, n) in counts.enumerated() {
      starts[k] = sum
      sum += n
    }
    starts[counts.count] = sum
    parallelRanges(total: total, minimumPerThread: minimumPerThread, minimumToWake: wake) { range in
      // The first tensor that ends after range.lowerBound.
      var k = upperBound(starts, range.lowerBound) - 1
      while k < counts.count && starts[k] < range.upperBound {
        let end = starts[k + 1] - starts[k]
        let lo = range.lowerBound > starts[k] ? (range.lowerBound - starts[k]) / chunkGranule * chunkGranule : 0
        let hi = range.upperBound < starts[k + 1] ? (range.upperBound - starts[k]) / chunkGranule * chunkGranule : end
        if hi > lo { update(k, lo..<hi) }
        k += 1
      }
    }
  }
}

/// The index of the first element of sorted `values` greater than `x`.
private func upperBound(_ values: UnsafeMutableBufferPointer<Int>, _ x: Int) -> Int {
  var lo = 0, hi = values.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if values[mid] <= x { lo = mid + 1 } else { hi = mid }
  }
  return lo
}

/// The checks an optimizer's ABI makes of every tensor (its group index,
/// element count, dtype, and that its arrays are there), and what it learns
/// from them: the total element count and the widest dtype.
struct TensorTally {
  var total = 0
  /// The widest dtype, for when to wake sleeping workers.
  var widest = SWIFTLR_FLOAT32

  mutating func add(
    group: Int64, groupCount: Int64, count: Int64, dtype: Int32, hasArrays: Bool
  ) throws(SchedulerError) {
    guard group >= 0, group < groupCount else { throw .value("group index \(group) out of range") }
    guard count >= 0 else { throw .value("negative element count") }
    guard count == 0 || hasArrays else { throw .value("null parameter, gradient or state array") }
    guard dtype == Int32(SWIFTLR_FLOAT32.rawValue) || dtype == Int32(SWIFTLR_FLOAT64.rawValue) else {
      throw .type("unsupported dtype code \(dtype)")
    }
    if dtype == Int32(SWIFTLR_FLOAT64.rawValue) { widest = SWIFTLR_FLOAT64 }
    let (sum, overflow) = total.addingReportingOverflow(Int(count))
    guard !overflow else { throw .overflow("too many elements") }
    total = sum
  }
}
