import _SwiftLRShims

/// `swiftlr_sgd_step`: validates every tensor and group, then runs the
/// kernels. Nothing is written unless everything checks out.
@_cdecl("swiftlr_sgd_step")
public func swiftlr_sgd_step(
  _ tensors: UnsafePointer<swiftlr_sgd_tensor>?, _ tensorCount: Int64,
  _ groups: UnsafePointer<swiftlr_sgd_group>?, _ groupCount: Int64,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  guard tensorCount >= 0, groupCount >= 0,
        tensorCount == 0 || tensors != nil, groupCount == 0 || groups != nil
  else { return report(.value("invalid tensor or group list"), message) }
  let list = UnsafeBufferPointer(start: tensors, count: Int(tensorCount))
  let options = UnsafeBufferPointer(start: groups, count: Int(groupCount)).map(SGDOptions.init)
  do throws(SchedulerError) {
    for o in options { try o.validate() }
    for t in list {
      guard t.group >= 0, t.group < groupCount else { throw .value("group index \(t.group) out of range") }
      guard t.count >= 0 else { throw .value("negative element count") }
      guard t.count == 0 || (t.param != nil && t.grad != nil) else { throw .value("null parameter or gradient") }
      guard t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) || t.dtype == Int32(SWIFTLR_FLOAT64.rawValue) else {
        throw .type("unsupported dtype code \(t.dtype)")
      }
      if options[Int(t.group)].momentum != 0 && t.count > 0 && t.buffer == nil {
        throw .value("momentum needs a buffer")
      }
    }
  } catch {
    return report(error, message)
  }
  for t in list where t.count > 0 {
    let o = options[Int(t.group)]
    let n = Int(t.count)
    let buffer = o.momentum != 0 ? t.buffer : nil
    if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) {
      sgdUpdate(
        param: t.param!.assumingMemoryBound(to: Float.self), grad: t.grad!.assumingMemoryBound(to: Float.self),
        buffer: buffer?.assumingMemoryBound(to: Float.self), count: n, freshBuffer: t.fresh_buffer != 0, options: o)
    } else {
      sgdUpdate(
        param: t.param!.assumingMemoryBound(to: Double.self), grad: t.grad!.assumingMemoryBound(to: Double.self),
        buffer: buffer?.assumingMemoryBound(to: Double.self), count: n, freshBuffer: t.fresh_buffer != 0, options: o)
    }
  }
  return 0
}

extension SGDOptions {
  init(_ g: swiftlr_sgd_group) {
    self.init(
      lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weight_decay,
      nesterov: g.nesterov != 0, maximize: g.maximize != 0)
  }
}
