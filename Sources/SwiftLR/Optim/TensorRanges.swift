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

// MARK: - An optimizer's step over its tensor list

/// A tensor of an optimizer's C step (`swiftlr_sgd_tensor`,
/// `swiftlr_adam_tensor`): where it is in memory, its group, size and dtype.
protocol StepTensor: StepTensorMemory {
  var group: Int64 { get }
  var count: Int64 { get }
  var dtype: Int32 { get }
}

extension swiftlr_sgd_tensor: StepTensor {}
extension swiftlr_adam_tensor: StepTensor {}

/// An optimizer's C step (`swiftlr_sgd_step`, `swiftlr_adam_step`): checks
/// the lists, `checkGroup` each group and every tensor (`hasArrays`: whether
/// a tensor of that group has every array its step needs), then runs
/// `kernel` over all tensors together (`forEachTensorRange`), or one tensor
/// after another when their memory overlaps (`tensorsShareMemory`). Nothing
/// is written unless everything checks out. Options are not range-checked:
/// PyTorch checks them once, in the constructor, and steps with whatever a
/// scheduler sets. `threadShare`: the fraction of SGD's elements per thread
/// (`sgdMinimumPerThread`) and per wake at which a thread pays off.
@inline(__always)
func optimizerStep<T: StepTensor, G>(
  _ tensors: UnsafePointer<T>?, _ tensorCount: Int64, _ groups: UnsafePointer<G>?, _ groupCount: Int64,
  _ message: UnsafeMutablePointer<swiftlr_message>?, threadShare: Int = 1,
  checkGroup: (G) -> SchedulerError? = { _ in nil }, hasArrays: (T, G) -> Bool,
  kernel: (UnsafePointer<T>, UnsafePointer<G>, Int64, Int64) -> Void
) -> Int32 {
  guard tensorCount >= 0, groupCount >= 0,
    tensorCount == 0 || tensors != nil, groupCount == 0 || groups != nil
  else { return report(.value("invalid tensor or group list"), message) }
  let list = UnsafeBufferPointer(start: tensors, count: Int(tensorCount))
  let options = UnsafeBufferPointer(start: groups, count: Int(groupCount))
  var tally = TensorTally()
  do throws(SchedulerError) {
    for g in options { if let error = checkGroup(g) { throw error } }
    for (index, t) in list.enumerated() {
      try tally.add(
        group: t.group, groupCount: groupCount, count: t.count, dtype: t.dtype,
        hasArrays: t.group >= 0 && t.group < groupCount && hasArrays(t, options[Int(t.group)]))
      if let error = selfOverlapError(t, index: index) { throw error }
    }
  } catch {
    return report(error, message)
  }
  guard let first = list.baseAddress, let groupBase = options.baseAddress else { return 0 }
  withUnsafeTemporaryAllocation(of: Int.self, capacity: list.count) { counts in
    for (k, t) in list.enumerated() { counts[k] = Int(t.count) }
    // Tensors that share memory run in torch's order: one after another.
    forEachTensorRange(
      counts: UnsafeBufferPointer(counts), total: tally.total, minimumPerThread: sgdMinimumPerThread / threadShare,
      wake: sgdWakeElements(tally.widest) / threadShare, sequential: list.count > 1 && tensorsShareMemory(list)
    ) { k, range in
      let t = first + k
      kernel(t, groupBase + Int(t.pointee.group), Int64(range.lowerBound), Int64(range.upperBound))
    }
  }
  return 0
}
