import Synchronization
import _SwiftLRShims

// MARK: - Memory shared between parameters

// torch's SGD updates its parameters one after another, so two parameters
// over one memory (the same array twice, a view, a transpose: tied
// embeddings) both land, and a gradient that is another parameter's data is
// read after that parameter's update. swiftlr splits a large step's elements
// across threads regardless of which tensor they belong to: two tensors
// sharing memory would then be updated at once, and one update lost. The
// step asks `sgdTensorsShareMemory` before splitting so, and when they do it
// runs the tensors one after another (each still split across the threads).

/// One tensor's memory as a byte range, and which tensor it belongs to.
@usableFromInline
struct MemoryRange: Equatable {
  var start, end: UInt
  var owner: Int
}

/// Whether the step must run `tensors` one after another to give torch's
/// result: some tensor's parameter or momentum buffer (what the step writes)
/// overlaps memory of another tensor (its parameter, gradient or buffer).
///
/// Edge Cases:
/// - Gradients that overlap only each other (one array as the gradient of
///   two parameters) are only read: not sharing.
/// - A tensor whose gradient is its own data is not sharing (each element is
///   read before it is written); partial overlap within one tensor is refused
///   earlier (`sgdSelfOverlapError`).
/// - Cost: the written ranges are sorted once and kept while the same
///   parameters and buffers come back (the usual loop); gradients, which may
///   be new arrays at every step, are then looked up in them by binary search,
///   and not at all when they too are the previous step's.
func sgdTensorsShareMemory(_ tensors: UnsafeBufferPointer<swiftlr_sgd_tensor>) -> Bool {
  // A step that finds the cache taken (another thread's step) works alone.
  if let verdict = sharedMemoryCache.withLockIfAvailable({ $0.verdict(tensors) }) { return verdict }
  var cache = SharedMemoryCache()
  return cache.verdict(tensors)
}

private let sharedMemoryCache = Mutex(SharedMemoryCache())

/// One tensor's addresses for the cache: parameter, buffer, gradient, bytes.
private func memoryKey(_ t: swiftlr_sgd_tensor) -> (UInt, UInt, UInt, UInt) {
  let bytes = UInt(t.count) &* UInt(t.dtype == Int32(SWIFTLR_FLOAT64.rawValue) ? 8 : 4)
  return (UInt(bitPattern: t.param), UInt(bitPattern: t.buffer), UInt(bitPattern: t.grad), bytes)
}

/// The last step's written ranges, sorted, and its verdict.
struct SharedMemoryCache {
  var key: [UInt] = []  // param, buffer, grad, byte length per tensor
  var written: [MemoryRange] = []
  var writtenShare = false
  var verdict = false

  /// The verdict for `tensors`: compared in place with the last step's
  /// first (no allocation when they are the same).
  mutating func verdict(_ tensors: UnsafeBufferPointer<swiftlr_sgd_tensor>) -> Bool {
    var sameWrites = key.count == tensors.count * 4, sameReads = sameWrites
    for (i, t) in tensors.enumerated() where sameWrites {
      let (p, b, g, n) = memoryKey(t)
      sameWrites = key[4 * i] == p && key[4 * i + 1] == b && key[4 * i + 3] == n
      sameReads = sameReads && key[4 * i + 2] == g
    }
    if sameWrites && sameReads { return verdict }
    key.removeAll(keepingCapacity: true)
    for t in tensors {
      let (p, b, g, n) = memoryKey(t)
      key.append(p)
      key.append(b)
      key.append(g)
      key.append(n)
    }
    if !sameWrites {
      written = []
      for k in stride(from: 0, to: key.count, by: 4) where key[k + 3] > 0 {
        written.append(MemoryRange(start: key[k], end: key[k] &+ key[k + 3], owner: k / 4))
        if key[k + 1] != 0 {
          written.append(MemoryRange(start: key[k + 1], end: key[k + 1] &+ key[k + 3], owner: k / 4))
        }
      }
      written.sort { $0.start < $1.start }
      writtenShare = rangesOverlap(written)
    }
    verdict = writtenShare || readsOverlapWrites(key, written)
    return verdict
  }
}

/// Whether two ranges of `sorted` (by start) with different owners overlap.
/// The sweep keeps the two largest ends seen so far with distinct owners: the
/// largest end among the other owners' ranges is one of them.
func rangesOverlap(_ sorted: [MemoryRange]) -> Bool {
  var first = (end: UInt(0), owner: -1), second = (end: UInt(0), owner: -1)
  for r in sorted {
    let other = first.owner != r.owner ? first.end : second.end
    if r.start < other { return true }
    if r.owner == first.owner {
      first.end = max(first.end, r.end)
    } else if r.end > first.end {
      second = first
      first = (r.end, r.owner)
    } else if r.end > second.end {
      second = (r.end, r.owner)
    }
  }
  return false
}

/// Whether a gradient overlaps another tensor's written range. `written` is
/// sorted and pairwise disjoint across owners (else the answer is already
/// yes), so the ranges a gradient meets are consecutive from the first one
/// ending after its start.
private func readsOverlapWrites(_ key: [UInt], _ written: [MemoryRange]) -> Bool {
  for k in stride(from: 0, to: key.count, by: 4) where key[k + 3] > 0 {
    let (start, end, owner) = (key[k + 2], key[k + 2] &+ key[k + 3], k / 4)
    var lo = 0, hi = written.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if written[mid].end <= start { lo = mid + 1 } else { hi = mid }
    }
    while lo < written.count && written[lo].start < end {
      if written[lo].owner != owner { return true }
      lo += 1
    }
  }
  return false
}

/// The error for a tensor whose gradient or momentum buffer overlaps its own
/// parameter, or each other, without being the same memory (torch refuses
/// such an in-place update), or nil.
func sgdSelfOverlapError(_ t: swiftlr_sgd_tensor, index: Int) -> SchedulerError? {
  let bytes = UInt(t.count) &* UInt(t.dtype == Int32(SWIFTLR_FLOAT64.rawValue) ? 8 : 4)
  guard bytes > 0 else { return nil }
  let p = UInt(bitPattern: t.param), g = UInt(bitPattern: t.grad), b = UInt(bitPattern: t.buffer)
  func partial(_ x: UInt, _ y: UInt) -> Bool { x != y && x < y &+ bytes && y < x &+ bytes }
  if partial(p, g) {
    return .value(
      "gradient of parameter \(index) overlaps the parameter's memory without being it; copy one of them")
  }
  if b != 0 && (b == p || b == g || partial(b, p) || partial(b, g)) {
    return .value(
      "momentum buffer of parameter \(index) shares memory with the parameter or its gradient; give it its own array"
    )
  }
  return nil
}
