import _SwiftLRShims

#if canImport(Glibc)
  import Glibc
#endif

// The declarations half of the C ABI (swiftlr_abi.h): each scheduler's
// arguments, their checks, and the few pure functions PyTorch exposes as
// attributes (SWALR's `anneal_func`, CyclicLR's `scale_fn`).

/// Every registered scheduler's arguments in C form, made once. The names,
/// conversions and defaults are copied to C memory that is never freed: the table
/// lives as long as the process, so the pointers handed out stay valid.
struct ArgumentTable: @unchecked Sendable {
  let rows: [String: [swiftlr_argument]]
  /// Each scheduler's fields that are PyTorch's attributes, in declaration order.
  let torchFields: [String: [UnsafePointer<CChar>]]
  /// Each scheduler's `groupInputKeys`, without (index 0) and with (1) cycled momentum.
  let groupInputs: [String: [[UnsafePointer<CChar>]]]

  static let shared = ArgumentTable()

  private init() {
    var rows: [String: [swiftlr_argument]] = [:]
    var torchFields: [String: [UnsafePointer<CChar>]] = [:]
    var groupInputs: [String: [[UnsafePointer<CChar>]]] = [:]
    let cString = { (name: String) in UnsafePointer(strdup(name)!) }
    for (kind, entry) in SchedulerRegistry.entries {
      rows[kind] = entry.type.arguments.map(Self.row)
      torchFields[kind] = torchFieldNames(entry.type).map(cString)
      groupInputs[kind] = [false, true].map { entry.type.groupInputKeys(cycleMomentum: $0).map(cString) }
    }
    self.rows = rows
    self.torchFields = torchFields
    self.groupInputs = groupInputs
  }

  private static func row(_ argument: SchedulerArgument) -> swiftlr_argument {
    var row = swiftlr_argument()
    row.name = UnsafePointer(strdup(argument.name))
    row.conversion = UnsafePointer(strdup(argument.conversion.rawValue))
    row.has_default = argument.defaultValue == nil ? 0 : 1
    row.checked_first = argument.checkedFirst ? 1 : 0
    if let value = argument.defaultValue {
      // Lists and strings to memory that is never freed.
      row.default_value = cValue(value) { bytes in
        UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 16)
      }
    }
    return row
  }
}

@_cdecl("swiftlr_scheduler_argument_count")
public func swiftlr_scheduler_argument_count(_ kind: UnsafePointer<CChar>) -> Int64 {
  guard let rows = ArgumentTable.shared.rows[String(cString: kind)] else { return -1 }
  return Int64(rows.count)
}

@_cdecl("swiftlr_scheduler_argument")
public func swiftlr_scheduler_argument(
  _ kind: UnsafePointer<CChar>, _ index: Int64, _ out: UnsafeMutablePointer<swiftlr_argument>
) -> Int32 {
  guard let rows = ArgumentTable.shared.rows[String(cString: kind)], index >= 0, index < Int64(rows.count) else {
    return 0
  }
  out.pointee = rows[Int(index)]
  return 1
}

/// `S`'s declared fields that are PyTorch's attributes (opens the existential).
private func torchFieldNames<S: LRScheduler>(_ type: S.Type) -> [String] {
  S.fields.filter(\.isTorchAttribute).map(\.name)
}

@_cdecl("swiftlr_scheduler_torch_field")
public func swiftlr_scheduler_torch_field(_ kind: UnsafePointer<CChar>, _ index: Int64) -> UnsafePointer<CChar>? {
  guard let names = ArgumentTable.shared.torchFields[String(cString: kind)], index >= 0, index < Int64(names.count)
  else { return nil }
  return names[Int(index)]
}

@_cdecl("swiftlr_scheduler_group_input")
public func swiftlr_scheduler_group_input(
  _ kind: UnsafePointer<CChar>, _ cycleMomentum: Int32, _ index: Int64
) -> UnsafePointer<CChar>? {
  guard let lists = ArgumentTable.shared.groupInputs[String(cString: kind)] else { return nil }
  let names = lists[cycleMomentum != 0 ? 1 : 0]
  return index >= 0 && index < Int64(names.count) ? names[Int(index)] : nil
}

@_cdecl("swiftlr_scheduler_check")
public func swiftlr_scheduler_check(
  _ kind: UnsafePointer<CChar>, _ config: OpaquePointer, _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  let name = String(cString: kind)
  guard let entry = SchedulerRegistry.entries[name] else {
    return report(.value("unknown scheduler '\(name)'"), message)
  }
  let box: ConfigBox = unbox(config)
  do throws(SchedulerError) {
    try entry.type.check(box.config.values)
    return 0
  } catch {
    return report(error, message)
  }
}

@_cdecl("swiftlr_anneal_weight")
public func swiftlr_anneal_weight(_ strategy: UnsafePointer<CChar>, _ t: Double) -> Double {
  AnnealStrategy(rawValue: String(cString: strategy))?.weight(t) ?? .nan
}

@_cdecl("swiftlr_cyclic_cycle")
public func swiftlr_cyclic_cycle(_ totalSize: Double, _ step: Double) -> Double {
  CyclicLR.cycle(at: step, totalSize: totalSize)
}

@_cdecl("swiftlr_cyclic_scale")
public func swiftlr_cyclic_scale(_ mode: UnsafePointer<CChar>, _ gamma: Double, _ x: Double) -> Double {
  guard let policy = CyclicLR.Mode(rawValue: String(cString: mode)) else { return .nan }
  return CyclicLR.scale(policy, gamma: gamma, at: x)
}
