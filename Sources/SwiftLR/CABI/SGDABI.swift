import _SwiftLRShims

/// `swiftlr_sgd_step`: validates every tensor and group, then runs the
/// kernels. Nothing is written unless everything checks out.
///
/// All tensors together form one range of elements, split evenly across the
/// cores (multi-tensor style): one large parameter and many small ones
/// parallelize alike.
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
  // Prefix sums of element counts, for splitting the work.
  var starts: [Int] = []
  starts.reserveCapacity(list.count + 1)
  var total = 0
  do throws(SchedulerError) {
    // Options are not range-checked here: PyTorch checks them once, in the
    // constructor, and steps with whatever a scheduler sets.
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
      starts.append(total)
      let (sum, overflow) = total.addingReportingOverflow(Int(t.count))
      guard !overflow else { throw .overflow("too many elements") }
      total = sum
    }
  } catch {
    return report(error, message)
  }
  starts.append(total)
  parallelRanges(total: total, minimumPerThread: 1 << 17) { range in
    // The first tensor that ends after range.lowerBound.
    var k = upperBound(starts, range.lowerBound) - 1
    while k < list.count && starts[k] < range.upperBound {
      let lo = max(range.lowerBound, starts[k]) - starts[k]
      let hi = min(range.upperBound, starts[k + 1]) - starts[k]
      if hi > lo { update(list[k], options[Int(list[k].group)], lo..<hi) }
      k += 1
    }
  }
  return 0
}

/// The index of the first element of sorted `values` greater than `x`.
private func upperBound(_ values: [Int], _ x: Int) -> Int {
  var lo = 0, hi = values.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if values[mid] <= x { lo = mid + 1 } else { hi = mid }
  }
  return lo
}

/// The kernel on elements `range` of one tensor.
private func update(_ t: swiftlr_sgd_tensor, _ o: SGDOptions, _ range: Range<Int>) {
  func run<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type) {
    let param = t.param!.assumingMemoryBound(to: T.self) + range.lowerBound
    let grad = t.grad!.assumingMemoryBound(to: T.self) + range.lowerBound
    let buffer = t.buffer.map { $0.assumingMemoryBound(to: T.self) + range.lowerBound }
    sgdUpdate(param: param, grad: grad, buffer: buffer, count: range.count, freshBuffer: t.fresh_buffer != 0, options: o)
  }
  if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) { run(Float.self) } else { run(Double.self) }
}

@_cdecl("swiftlr_axpy")
public func swiftlr_axpy(_ a: UnsafeMutableRawPointer?, _ b: UnsafeRawPointer?, _ count: Int64, _ dtype: Int32, _ scale: Double) {
  guard let a, let b, count > 0 else { return }
  if dtype == Int32(SWIFTLR_FLOAT32.rawValue) {
    axpy(a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self), count: Int(count), scale: Float(scale))
  } else {
    axpy(a.assumingMemoryBound(to: Double.self), b.assumingMemoryBound(to: Double.self), count: Int(count), scale: scale)
  }
}

extension SGDOptions {
  init(_ g: swiftlr_sgd_group) {
    self.init(
      lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weight_decay,
      nesterov: g.nesterov != 0, maximize: g.maximize != 0)
  }
}
