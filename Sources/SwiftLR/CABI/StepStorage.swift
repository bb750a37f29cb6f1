@_spi(Reflection) import Swift

/// The one stored copy of a scheduler behind a `NativeScheduler`, and the state
/// its last step started from, so that the C step can undo a step whose
/// results it could not write into Python objects.
///
/// Saving the state before every step would copy it: a retain and a release
/// of every array, string and class it holds, twice per step. Instead
/// `before` is a second owner of the state, kept equal to `value` between
/// steps. A step mutates `value` in place; since every buffer then has two
/// owners, the rule cannot change one in place or free it (copy-on-write
/// gives `value` a new one), so `before` still holds the state the step
/// started from. At the end, a step that left every reference field as it was
/// (the common case: the rules replace their arrays only when their values
/// change) is committed or undone by copying the plain bytes from one copy to
/// the other, with no reference counting; otherwise by a Swift assignment.
///
/// Why not public language features only (commit and undo as assignments,
/// no field reflection, no byte copies): measured 2026-12-07 with callgrind
/// (instructions of one `scheduler.step()` from Python, side by side, same
/// build otherwise), assignments cost +10 instructions a StepLR step (+0.6%
/// of ~1,600), +41 a OneCycleLR step (+1.2% of ~3,400) and +211 a CyclicLR
/// step (+5.6% of ~3,800: four arrays retained and released per commit,
/// atomics each), over the 5% this project accepts for it.
final class StepStorage<S> {
  @exclusivity(unchecked) var value: S  // stepped in place; no dynamic check per step
  @exclusivity(unchecked) private var before: S
  /// A step ran and is neither committed nor undone yet.
  private var pending = false
  /// Byte ranges of `S` holding references (or anything that is not plain
  /// data): the only bytes compared to tell whether a step kept them.
  private let references: UnsafeMutableBufferPointer<(offset: Int, count: Int)>

  init(_ value: S) {
    self.value = value
    self.before = value
    references = referenceRanges(of: S.self)
  }

  deinit {
    references.deallocate()
  }

  /// Replaces the state outside a step (field updates, loads).
  func replace(_ newValue: S) {
    value = newValue
    before = newValue
    pending = false
  }

  /// Called before a step mutates `value`: a step the caller forgot to
  /// commit or undo is kept.
  @inline(__always)
  func beginStep() {
    if pending { commit() }
    pending = true
  }

  /// Keeps the stepped state.
  func commit() {
    pending = false
    if sameReferences() {
      withUnsafeMutableBytes(of: &before) { to in
        withUnsafeBytes(of: &value) { from in to.copyMemory(from: from) }
      }
    } else {
      before = value
    }
  }

  /// Puts back the state the step started from.
  func undo() {
    pending = false
    if sameReferences() {
      withUnsafeMutableBytes(of: &value) { to in
        withUnsafeBytes(of: &before) { from in to.copyMemory(from: from) }
      }
    } else {
      value = before
    }
  }

  /// Whether `value` holds, bit for bit, the references `before` holds: then
  /// the two copies differ in plain data only, and copying their bytes over
  /// each other moves no ownership.
  @inline(__always)
  private func sameReferences() -> Bool {
    withUnsafeBytes(of: &value) { a in
      withUnsafeBytes(of: &before) { b in
        for range in references {
          var k = range.offset
          let end = range.offset + range.count
          while k + 8 <= end {
            guard
              a.loadUnaligned(fromByteOffset: k, as: UInt64.self) == b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            else { return false }
            k += 8
          }
          while k < end {
            guard a[k] == b[k] else { return false }
            k += 1
          }
        }
        return true
      }
    }
  }
}

/// The byte ranges of `S`'s stored fields that are not plain data (arrays,
/// strings, classes, enums with such payloads), from the runtime's field
/// metadata; the whole of `S` when that is not available (then every commit
/// and undo assigns: slower, as correct).
private func referenceRanges<S>(of type: S.Type) -> UnsafeMutableBufferPointer<(offset: Int, count: Int)> {
  var ranges: [(offset: Int, count: Int)] = []
  let size = MemoryLayout<S>.size
  func layout<T>(_ field: T.Type) -> (plain: Bool, size: Int) { (_isPOD(field), MemoryLayout<T>.size) }
  if _isPOD(S.self) {
    // Nothing to compare: plain bytes move freely.
  } else if size > 0, !(S.self is AnyObject.Type),
    _forEachField(
      of: S.self, options: [],
      body: { _, offset, fieldType, _ in
        let field = _openExistential(fieldType, do: layout)
        if !field.plain { ranges.append((offset, field.size)) }
        return true
      }),
    ranges.allSatisfy({ $0.offset >= 0 && $0.count >= 0 && $0.offset + $0.count <= size })
  {
    // The fields' own ranges (a class's fields would lie outside `S`: refused).
  } else {
    ranges = [(0, size)]
  }
  // Adjacent fields make one range (fewer, longer comparisons).
  var merged: [(offset: Int, count: Int)] = []
  for range in ranges.sorted(by: { $0.offset < $1.offset }) {
    if let last = merged.last, last.offset + last.count == range.offset {
      merged[merged.count - 1].count += range.count
    } else {
      merged.append(range)
    }
  }
  let buffer = UnsafeMutableBufferPointer<(offset: Int, count: Int)>.allocate(capacity: merged.count)
  _ = buffer.initialize(from: merged)
  return buffer
}
