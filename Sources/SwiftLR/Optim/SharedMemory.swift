import Synchronization
import _SwiftLRShims

// MARK: - Memory shared between parameters

// torch's SGD and fused Adam update their parameters one after another, so
// two parameters over one memory (the same array twice, a view, a transpose:
// tied embeddings) both land, and a gradient that is another parameter's
// data is read after that parameter's update. swiftlr splits a large step's
// elements across threads regardless of which tensor they belong to: two
// tensors sharing memory would then be updated at once, and one update lost.
// The step asks `tensorsShareMemory` before splitting so, and when they do
// it runs the tensors one after another (each still split across the threads).

/// A tensor of an optimizer step as the memory checks see it: the arrays the
/// step writes (the parameter and its state) and the gradient it only reads.
protocol StepTensorMemory {
  /// How many arrays the step may write per tensor.
  static var writtenArrays: Int { get }
  /// The address of written array `k` (0 when the tensor has none).
  func written(_ k: Int) -> UInt
  /// The names of the written arrays after the parameter, for errors.
  static var stateNames: [String] { get }
  var gradAddress: UInt { get }
  /// Bytes of each array (all have the parameter's shape and dtype).
  var byteCount: UInt { get }
}

extension swiftlr_sgd_tensor: StepTensorMemory {
  static var writtenArrays: Int { 2 }
  func written(_ k: Int) -> UInt { UInt(bitPattern: k == 0 ? param : buffer) }
  static var stateNames: [String] { ["momentum buffer"] }
  var gradAddress: UInt { UInt(bitPattern: grad) }
  var byteCount: UInt { UInt(count) &* UInt(dtype == Int32(SWIFTLR_FLOAT64.rawValue) ? 8 : 4) }
}

extension swiftlr_adam_tensor: StepTensorMemory {
  static var writtenArrays: Int { 4 }
  func written(_ k: Int) -> UInt {
    switch k {
    case 0: UInt(bitPattern: param)
    case 1: UInt(bitPattern: exp_avg)
    case 2: UInt(bitPattern: exp_avg_sq)
    default: UInt(bitPattern: max_exp_avg_sq)
    }
  }
  static var stateNames: [String] { ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] }
  var gradAddress: UInt { UInt(bitPattern: grad) }
  var byteCount: UInt { UInt(count) &* UInt(dtype == Int32(SWIFTLR_FLOAT64.rawValue) ? 8 : 4) }
}

/// One tensor's memory as a byte range, and which tensor it belongs to.
@usableFromInline
struct MemoryRange: Equatable {
  var start, end: UInt
  var owner: Int
}

/// Whether the step must run `tensors` one after another to give torch's
/// result: some tensor's parameter or state (what the step writes) overlaps
/// memory of another tensor (its parameter, gradient or state).
///
/// Edge Cases:
/// - Gradients that overlap only each other (one array as the gradient of
///   two parameters) are only read: not sharing.
/// - A tensor whose gradient is its own data is not sharing (each element is
///   read before it is written); partial overlap within one tensor is refused
///   earlier (`selfOverlapError`).
/// - Cost: the written ranges are sorted once and kept while the same
///   parameters and state come back (the usual loop); gradients, which may
///   be new arrays at every step, are then looked up in them by binary search,
///   and not at all when they too are the previous step's.
func tensorsShareMemory<T: StepTensorMemory>(_ tensors: UnsafeBufferPointer<T>) -> Bool {
  // A step that finds the cache taken (another thread's step) works alone.
  let cached =
    T.self == swiftlr_adam_tensor.self
    ? adamSharedMemoryCache.withLockIfAvailable { $0.verdict(tensors) }
    : sgdSharedMemoryCache.withLockIfAvailable { $0.verdict(tensors) }
  if let cached { return cached }
  var alone = SharedMemoryCache()
  return alone.verdict(tensors)
}

// One cache per optimizer kind, so that SGD and Adam stepping in turn keep theirs.
private let sgdSharedMemoryCache = Mutex(SharedMemoryCache())
private let adamSharedMemoryCache = Mutex(SharedMemoryCache())

/// The last step's written ranges, sorted, and its verdict. `key` holds, per
/// tensor, its written addresses, its gradient's and its byte length.
struct SharedMemoryCache {
  var key: [UInt] = []
  var written: [MemoryRange] = []
  var writtenShare = false
  var verdict = false

  /// The verdict for `tensors`: compared in place with the last step's
  /// first (no allocation when they are the same).
  mutating func verdict<T: StepTensorMemory>(_ tensors: UnsafeBufferPointer<T>) -> Bool {
    let w = T.writtenArrays, stride = w + 2
    var sameWrites = key.count == tensors.count * stride, sameReads = sameWrites
    for (i, t) in tensors.enumerated() where sameWrites {
      let base = stride * i
      for k in 0..<w where key[base + k] != t.written(k) { sameWrites = false }
      sameWrites = sameWrites && key[base + w + 1] == t.byteCount
      sameReads = sameReads && key[base + w] == t.gradAddress
    }
    if sameWrites && sameReads { return verdict }
    key.removeAll(keepingCapacity: true)
    for t in tensors {
      for k in 0..<w { key.append(t.written(k)) }
      key.append(t.gradAddress)
      key.append(t.byteCount)
    }
    if !sameWrites {
      written = []
      for base in Swift.stride(from: 0, to: key.count, by: stride) where key[base + w + 1] > 0 {
        for k in 0..<w where key[base + k] != 0 {
          written.append(
            MemoryRange(start: key[base + k], end: key[base + k] &+ key[base + w + 1], owner: base / stride))
        }
      }
      written.sort { $0.start < $1.start }
      writtenShare = rangesOverlap(written)
    }
    verdict = writtenShare || readsOverlapWrites(key, stride: stride, written)
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
private func readsOverlapWrites(_ key: [UInt], stride: Int, _ written: [MemoryRange]) -> Bool {
  for k in Swift.stride(from: 0, to: key.count, by: stride) where key[k + stride - 1] > 0 {
    let (start, end, owner) = (key[k + stride - 2], key[k + stride - 2] &+ key[k + stride - 1], k / stride)
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

/// The error for a tensor whose gradient overlaps its own parameter without
/// being it (torch refuses such an in-place update), or whose state array (a
/// momentum buffer, a moment) shares memory with the parameter, the gradient
/// or another of its state arrays; or nil.
func selfOverlapError<T: StepTensorMemory>(_ t: T, index: Int) -> SchedulerError? {
  let bytes = t.byteCount
  guard bytes > 0 else { return nil }
  let p = t.written(0), g = t.gradAddress
  func overlap(_ x: UInt, _ y: UInt) -> Bool { x < y &+ bytes && y < x &+ bytes }
  if p != g && overlap(p, g) {
    return .value(
      "gradient of parameter \(index) overlaps the parameter's memory without being it; copy one of them")
  }
  for k in 1..<T.writtenArrays where t.written(k) != 0 {
    let s = t.written(k)
    var shares = overlap(s, p) || overlap(s, g)
    for j in 1..<k where t.written(j) != 0 && overlap(s, t.written(j)) { shares = true }
    if shares {
      return .value(
        "\(T.stateNames[k - 1]) of parameter \(index) shares memory with the parameter, its gradient or its other "
          + "state; give it its own array")
    }
  }
  return nil
}
