import _SwiftLRShims

#if canImport(Glibc)
  import Glibc
#endif

// The scheduler half of the C ABI (swiftlr_abi.h). One generic mechanism
// serves every scheduler: configurations and state cross as named values.

/// The heap object behind a `swiftlr_config *`.
final class ConfigBox {
  var config = SchedulerConfig()
}

/// The heap object behind a `swiftlr_scheduler *`: the native half of a
/// Python `SwiftScheduler`, whose C type (`_swiftlr.NativeScheduler`, the
/// same object as the Python one) holds it; one name for both native halves.
///
/// It is built for one concrete scheduler type `S` (`init<S>`, reached from
/// the registry's specialized makers), and keeps the hot operations (step,
/// momenta, copy) as closures compiled for `S`: a step then runs no protocol
/// witness or existential code. Everything else sees the scheduler as
/// `any LRScheduler` through `scheduler`.
final class NativeScheduler {
  typealias Step = (
    UnsafeMutableBufferPointer<Double>, IntOrFloat?, UnsafeBufferPointer<Double>, StepContext
  ) throws(SchedulerError) -> Void

  /// The scheduler, by value; setting it requires the same concrete type.
  var scheduler: any LRScheduler {
    get { read() }
    set { write(newValue) }
  }
  let step: Step
  /// After a successful `step`, before the next: puts back the state the
  /// step started from (the C step's rollback when writing its results into
  /// Python objects fails), or keeps the new one (see `StepStorage`).
  let undoStep: () -> Void
  let commitStep: () -> Void
  /// Stores a state stepped outside `step` (the tensor-lr path), to be
  /// committed or undone as a step's.
  let stepped: (any LRScheduler) -> Void
  /// `fastForward` (lrs, steps, inputs, step count, counting, precisions) on
  /// the stored scheduler, compiled for its type; leaves the result to be
  /// committed or undone as a step's.
  let fastForward: FastForward
  typealias FastForward = (
    UnsafeMutableBufferPointer<Double>, Int, UnsafeBufferPointer<Double>, Int, Bool, UnsafeBufferPointer<Int32>
  ) throws(SchedulerError) -> Void
  /// Each group's cycled momentum into the buffer; false when momentum does not cycle.
  let momenta: (UnsafeMutableBufferPointer<Double>) -> Bool
  let copy: () -> NativeScheduler
  let groupCount: Int
  let inputCount: () -> Int
  private let read: () -> any LRScheduler
  private let write: (any LRScheduler) -> Void

  let names: [String]
  /// C copies of the field names, owned by the box, for `field_name`.
  let cNames: [UnsafeMutablePointer<CChar>]

  init<S: LRScheduler>(_ value: S) {
    // The one stored copy of the scheduler, shared by the closures.
    let storage = StepStorage(value)
    read = { storage.value }
    write = { if let v = $0 as? S { storage.replace(v) } }
    step = { (lrs, epoch, inputs, context) throws(SchedulerError) in
      storage.beginStep()
      do throws(SchedulerError) {
        try storage.value.step(lrs, epoch: epoch, inputs: inputs, context: context)
      } catch {
        storage.undo()  // `step` changes nothing when it throws: this only makes sure
        throw error
      }
    }
    stepped = { next in
      guard let next = next as? S else { return }
      storage.beginStep()
      storage.value = next
    }
    fastForward = { (lrs, steps, inputs, stepCount, counting, precisions) throws(SchedulerError) in
      var next = storage.value
      try next.fastForward(
        lrs, steps: steps, inputs: inputs, stepCount: stepCount, countingSteps: counting, precisions: precisions)
      storage.beginStep()
      storage.value = next
    }
    undoStep = { storage.undo() }
    commitStep = { storage.commit() }
    momenta = { out in
      // One copy of the state for all groups: each `storage.value` read copies
      // the scheduler (retaining its arrays), a fifth of OneCycleLR's step.
      // The first group's momentum, computed once, says whether momentum cycles.
      let scheduler = storage.value
      guard out.count == scheduler.groupCount, let first = scheduler.momentum(group: 0) else { return false }
      out[0] = first
      for i in out.indices.dropFirst() { out[i] = scheduler.momentum(group: i) ?? .nan }
      return true
    }
    copy = { NativeScheduler(storage.value) }
    groupCount = value.groupCount
    inputCount = { storage.value.inputCount }
    names = S.allFields.map(\.name)
    cNames = names.map { strdup($0)! }
  }

  deinit {
    cNames.forEach { free($0) }
  }
}

@inline(__always)
func unbox<T: AnyObject>(_ pointer: OpaquePointer) -> T {
  Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

/// Runs `body` on the object behind `pointer`, which the caller keeps alive:
/// no retain and release around the call (the per-step entry points).
@inline(__always)
func withBox<T: AnyObject, R>(_ pointer: OpaquePointer, _ body: (T) -> R) -> R {
  Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer))._withUnsafeGuaranteedRef(body)
}

@inline(__always)
func box<T: AnyObject>(_ object: T) -> OpaquePointer {
  OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// Copies `text` into the caller's message buffer, truncated, NUL-terminated.
func write(_ text: String, to message: UnsafeMutablePointer<swiftlr_message>?) {
  guard let message else { return }
  withUnsafeMutableBytes(of: &message.pointee.text) { raw in
    let capacity = raw.count - 1
    var n = 0
    for byte in text.utf8 where n < capacity {
      raw[n] = byte
      n += 1
    }
    raw[n] = 0
  }
}

func report(_ error: SchedulerError, _ message: UnsafeMutablePointer<swiftlr_message>?) -> Int32 {
  write(error.message, to: message)
  return error.exception.rawValue
}

// MARK: - Configurations

@_cdecl("swiftlr_config_new")
public func swiftlr_config_new() -> OpaquePointer {
  box(ConfigBox())
}

@_cdecl("swiftlr_config_free")
public func swiftlr_config_free(_ config: OpaquePointer?) {
  guard let config else { return }
  Unmanaged<ConfigBox>.fromOpaque(UnsafeRawPointer(config)).release()
}

func put(_ config: OpaquePointer, _ name: UnsafePointer<CChar>, _ value: SchedulerValue) {
  let box: ConfigBox = unbox(config)
  box.config[String(cString: name)] = value
}

@_cdecl("swiftlr_config_put_none")
public func swiftlr_config_put_none(_ c: OpaquePointer, _ name: UnsafePointer<CChar>) {
  put(c, name, .none)
}

@_cdecl("swiftlr_config_put_bool")
public func swiftlr_config_put_bool(_ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: Int32) {
  put(c, name, .bool(v != 0))
}

@_cdecl("swiftlr_config_put_int")
public func swiftlr_config_put_int(_ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: Int64) {
  put(c, name, .int(Int(v)))
}

@_cdecl("swiftlr_config_put_double")
public func swiftlr_config_put_double(_ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: Double) {
  put(c, name, .double(v))
}

@_cdecl("swiftlr_config_put_ints")
public func swiftlr_config_put_ints(
  _ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: UnsafePointer<Int64>?, _ n: Int64
) {
  let values = n > 0 && v != nil ? UnsafeBufferPointer(start: v, count: Int(n)).map { Int($0) } : []
  put(c, name, .ints(values))
}

@_cdecl("swiftlr_config_put_doubles")
public func swiftlr_config_put_doubles(
  _ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: UnsafePointer<Double>?, _ n: Int64
) {
  let values = n > 0 && v != nil ? Array(UnsafeBufferPointer(start: v, count: Int(n))) : []
  put(c, name, .doubles(values))
}

@_cdecl("swiftlr_config_put_string")
public func swiftlr_config_put_string(_ c: OpaquePointer, _ name: UnsafePointer<CChar>, _ v: UnsafePointer<CChar>) {
  put(c, name, .string(String(cString: v)))
}

// MARK: - Schedulers

@_cdecl("swiftlr_scheduler_new")
public func swiftlr_scheduler_new(
  _ kind: UnsafePointer<CChar>, _ config: OpaquePointer,
  _ status: UnsafeMutablePointer<Int32>?, _ message: UnsafeMutablePointer<swiftlr_message>?
) -> OpaquePointer? {
  let configBox: ConfigBox = unbox(config)
  do throws(SchedulerError) {
    let scheduler = try SchedulerRegistry.makeBox(String(cString: kind), config: configBox.config)
    status?.pointee = 0
    return box(scheduler)
  } catch {
    status?.pointee = report(error, message)
    return nil
  }
}

@_cdecl("swiftlr_scheduler_copy")
public func swiftlr_scheduler_copy(_ s: OpaquePointer) -> OpaquePointer {
  let original: NativeScheduler = unbox(s)
  return box(original.copy())
}

/// A scheduler's state saved by `swiftlr_scheduler_save`: the struct by value
/// (its arrays shared until one side writes), to put back with
/// `swiftlr_scheduler_restore`. Cheaper than a copy of the whole box
/// (`swiftlr_scheduler_copy` builds its closures and field names again).
final class SavedScheduler {
  let value: any LRScheduler
  init(_ value: any LRScheduler) { self.value = value }
}

@_cdecl("swiftlr_scheduler_save")
public func swiftlr_scheduler_save(_ s: OpaquePointer) -> OpaquePointer {
  let b: NativeScheduler = unbox(s)
  return box(SavedScheduler(b.scheduler))
}

@_cdecl("swiftlr_scheduler_restore")
public func swiftlr_scheduler_restore(_ s: OpaquePointer, _ saved: OpaquePointer) {
  let b: NativeScheduler = unbox(s)
  let state: SavedScheduler = unbox(saved)
  b.scheduler = state.value  // same concrete type: the C layer checks the core it came from
}

@_cdecl("swiftlr_scheduler_saved_free")
public func swiftlr_scheduler_saved_free(_ saved: OpaquePointer?) {
  guard let saved else { return }
  Unmanaged<SavedScheduler>.fromOpaque(UnsafeRawPointer(saved)).release()
}

@_cdecl("swiftlr_scheduler_free")
public func swiftlr_scheduler_free(_ s: OpaquePointer?) {
  guard let s else { return }
  Unmanaged<NativeScheduler>.fromOpaque(UnsafeRawPointer(s)).release()
}

@_cdecl("swiftlr_scheduler_group_count")
public func swiftlr_scheduler_group_count(_ s: OpaquePointer) -> Int64 {
  let b: NativeScheduler = unbox(s)
  return Int64(b.groupCount)
}

@_cdecl("swiftlr_scheduler_input_count")
public func swiftlr_scheduler_input_count(_ s: OpaquePointer) -> Int64 {
  let b: NativeScheduler = unbox(s)
  return Int64(b.inputCount())
}

@_cdecl("swiftlr_scheduler_step")
public func swiftlr_scheduler_step(
  _ s: OpaquePointer, _ lrs: UnsafeMutablePointer<Double>?, _ lrCount: Int64,
  _ inputs: UnsafePointer<Double>?, _ inputCount: Int64,
  _ epoch: UnsafePointer<swiftlr_value>?, _ stepCount: Int64, _ isInitial: Int32,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  guard lrCount >= 0, inputCount >= 0 else { return report(.value("negative count"), message) }
  let lrBuffer = UnsafeMutableBufferPointer(start: lrs, count: lrs == nil ? 0 : Int(lrCount))
  let inputBuffer = UnsafeBufferPointer(start: inputs, count: inputs == nil ? 0 : Int(inputCount))
  return withBox(s) { (b: NativeScheduler) -> Int32 in
    do throws(SchedulerError) {
      let context = StepContext(stepCount: Int(stepCount), isInitial: isInitial != 0)
      try b.step(lrBuffer, epochValue(epoch), inputBuffer, context)
      return 0
    } catch {
      return report(error, message)
    }
  }
}

/// The epoch of a step: nil without one, an int (kept exactly) or a float.
func epochValue(_ epoch: UnsafePointer<swiftlr_value>?) -> IntOrFloat? {
  guard let epoch else { return nil }
  let e = epoch.pointee
  return e.tag == Int32(SWIFTLR_DOUBLE.rawValue) ? .float(e.double_value) : .int(Int(e.int_value))
}

@_cdecl("swiftlr_scheduler_fast_forward")
public func swiftlr_scheduler_fast_forward(
  _ s: OpaquePointer, _ lrs: UnsafeMutablePointer<Double>?, _ lrCount: Int64, _ precisions: UnsafePointer<Int32>?,
  _ inputs: UnsafePointer<Double>?, _ inputCount: Int64, _ steps: Int64, _ stepCount: Int64, _ countSteps: Int32,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  guard lrCount >= 0, inputCount >= 0 else { return report(.value("negative count"), message) }
  let lrBuffer = UnsafeMutableBufferPointer(start: lrs, count: lrs == nil ? 0 : Int(lrCount))
  let codes = UnsafeBufferPointer(start: precisions, count: precisions == nil ? 0 : Int(lrCount))
  let inputBuffer = UnsafeBufferPointer(start: inputs, count: inputs == nil ? 0 : Int(inputCount))
  return withBox(s) { (b: NativeScheduler) -> Int32 in
    do throws(SchedulerError) {
      try b.fastForward(lrBuffer, Int(steps), inputBuffer, Int(stepCount), countSteps != 0, codes)
      return 0
    } catch {
      return report(error, message)
    }
  }
}

@_cdecl("swiftlr_scheduler_undo_step")
public func swiftlr_scheduler_undo_step(_ s: OpaquePointer) {
  withBox(s) { (b: NativeScheduler) in b.undoStep() }
}

@_cdecl("swiftlr_scheduler_commit_step")
public func swiftlr_scheduler_commit_step(_ s: OpaquePointer) {
  withBox(s) { (b: NativeScheduler) in b.commitStep() }
}

@_cdecl("swiftlr_scheduler_lrs")
public func swiftlr_scheduler_lrs(
  _ s: OpaquePointer, _ lrs: UnsafeMutablePointer<Double>?, _ lrCount: Int64, _ closedForm: Int32,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  let b: NativeScheduler = unbox(s)
  guard lrCount >= 0 else { return report(.value("negative count"), message) }
  let buffer = UnsafeMutableBufferPointer(start: lrs, count: lrs == nil ? 0 : Int(lrCount))
  do throws(SchedulerError) {
    try b.scheduler.currentLRs(buffer, closedForm: closedForm != 0)
    return 0
  } catch {
    return report(error, message)
  }
}

@_cdecl("swiftlr_scheduler_momenta")
public func swiftlr_scheduler_momenta(
  _ s: OpaquePointer, _ momenta: UnsafeMutablePointer<Double>?, _ count: Int64
) -> Int32 {
  withBox(s) { (b: NativeScheduler) -> Int32 in
    guard let momenta, count > 0, count == Int64(b.groupCount) else { return 0 }
    return b.momenta(UnsafeMutableBufferPointer(start: momenta, count: Int(count))) ? 1 : 0
  }
}

@_cdecl("swiftlr_scheduler_field_count")
public func swiftlr_scheduler_field_count(_ s: OpaquePointer) -> Int64 {
  let b: NativeScheduler = unbox(s)
  return Int64(b.names.count)
}

@_cdecl("swiftlr_scheduler_field_name")
public func swiftlr_scheduler_field_name(_ s: OpaquePointer, _ index: Int64) -> UnsafePointer<CChar>? {
  let b: NativeScheduler = unbox(s)
  guard index >= 0, index < b.cNames.count else { return nil }
  // The arrays live as long as the box, so the pointer stays valid.
  return UnsafePointer(b.cNames[Int(index)])
}

/// `value` in C form. A list's or string's elements go to the memory `place`
/// gives for their size in bytes, or nowhere when it gives nil (the pointer
/// stays NULL; `count` still says how many there are).
func cValue(_ value: SchedulerValue, place: (Int) -> UnsafeMutableRawPointer?) -> swiftlr_value {
  var v = swiftlr_value()
  func put<T>(_ items: [T]) -> UnsafePointer<T>? {
    v.count = Int64(items.count)
    guard let raw = place(items.count * MemoryLayout<T>.stride) else { return nil }
    let p = raw.bindMemory(to: T.self, capacity: items.count)
    p.initialize(from: items, count: items.count)
    return UnsafePointer(p)
  }
  switch value {
  case .none: v.tag = Int32(SWIFTLR_NONE.rawValue)
  case .bool(let x): v.tag = Int32(SWIFTLR_BOOL.rawValue); v.int_value = x ? 1 : 0
  case .int(let x): v.tag = Int32(SWIFTLR_INT.rawValue); v.int_value = Int64(x)
  case .double(let x): v.tag = Int32(SWIFTLR_DOUBLE.rawValue); v.double_value = x
  case .ints(let x): v.tag = Int32(SWIFTLR_INTS.rawValue); v.ints = put(x.map { Int64($0) })
  case .doubles(let x): v.tag = Int32(SWIFTLR_DOUBLES.rawValue); v.doubles = put(x)
  case .string(let x): v.tag = Int32(SWIFTLR_STRING.rawValue); v.string = put(Array(x.utf8CString))
  }
  return v
}

@_cdecl("swiftlr_scheduler_get")
public func swiftlr_scheduler_get(
  _ s: OpaquePointer, _ name: UnsafePointer<CChar>, _ out: UnsafeMutablePointer<swiftlr_value>,
  _ buffer: UnsafeMutableRawPointer?, _ capacity: Int64
) -> Int32 {
  let b: NativeScheduler = unbox(s)
  guard let value = b.scheduler.field(String(cString: name)) else { return 0 }
  // Lists and strings go into the caller's buffer when it is large enough;
  // `count` says how much they need either way (see swiftlr_abi.h).
  out.pointee = cValue(value) { bytes in Int64(bytes) <= capacity ? buffer : nil }
  return 1
}

@_cdecl("swiftlr_scheduler_update")
public func swiftlr_scheduler_update(
  _ s: OpaquePointer, _ config: OpaquePointer, _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  let b: NativeScheduler = unbox(s)
  let c: ConfigBox = unbox(config)
  do throws(SchedulerError) {
    try updateFields(&b.scheduler, c.config.values)
    return 0
  } catch {
    return report(error, message)
  }
}
