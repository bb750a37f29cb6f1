import _SwiftLRShims

// MARK: - Gradient clipping over the C ABI

/// `swiftlr_clip_grad_norm`: checks every tensor, computes the total norm as
/// torch does (`GradientClipping.swift`), then scales every gradient across
/// the worker pool. Nothing is written unless everything checks out.
@_cdecl("swiftlr_clip_grad_norm")
public func swiftlr_clip_grad_norm(
  _ tensors: UnsafePointer<swiftlr_clip_tensor>?, _ tensorCount: Int64, _ maxNorm: Double, _ normType: Double,
  _ errorIfNonfinite: Int32, _ clip: Int32, _ capabilityCode: Int32, _ total: UnsafeMutablePointer<Double>?,
  _ totalDtype: UnsafeMutablePointer<Int32>?, _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  let list: UnsafeBufferPointer<swiftlr_clip_tensor>
  let tally: TensorTally
  switch checkedClipTensors(tensors, tensorCount) {
  case .failure(let error): return report(error, message)
  case .success(let checked): (list, tally) = checked
  }
  guard let capability = TorchCapability(rawValue: capabilityCode) else {
    return report(.value("unknown torch capability \(capabilityCode)"), message)
  }
  if list.contains(where: { $0.count == 0 }), let error = emptyGradientNormError(order: normType) {
    return report(error, message)
  }
  var singles: [Float] = [], doubles: [Double] = []
  for t in list {
    if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) {
      singles.append(vectorNorm(buffer(t, Float.self), order: normType, capability: capability))
    } else {
      doubles.append(vectorNorm(buffer(t, Double.self), order: normType, capability: capability))
    }
  }
  if singles.isEmpty && doubles.isEmpty {  // torch: tensor(0.), float32, nothing to clip
    total?.pointee = 0
    totalDtype?.pointee = Int32(SWIFTLR_FLOAT32.rawValue)
    return 0
  }
  // The total and the coefficient in the total's dtype (float64 as soon as
  // one gradient is: torch.stack promotes), widened exactly for the ABI.
  // torch stacks the norms grouped by dtype (`_group_tensors_by_device_and_dtype`,
  // a C++ unordered_map): with two dtypes, libstdc++ lists the key inserted
  // second first, so the dtype that appears first comes last.
  let norm: Double, coefficient: Double, dtype: swiftlr_dtype
  if doubles.isEmpty {
    let t = totalNorm(singles, order: normType, capability: capability)
    (norm, coefficient, dtype) = (Double(t), Double(clipCoefficient(total: t, maxNorm: maxNorm)), SWIFTLR_FLOAT32)
  } else {
    let widened = singles.map { Double($0) }
    let floatFirst = list[0].dtype == Int32(SWIFTLR_FLOAT32.rawValue)
    let t = totalNorm(floatFirst ? doubles + widened : widened + doubles, order: normType, capability: capability)
    (norm, coefficient, dtype) = (t, clipCoefficient(total: t, maxNorm: maxNorm), SWIFTLR_FLOAT64)
  }
  if errorIfNonfinite != 0 && !norm.isFinite { return report(nonfiniteNormError(order: normType), message) }
  if clip != 0 { scale(list, tally, by: coefficient) }
  total?.pointee = norm
  totalDtype?.pointee = Int32(dtype.rawValue)
  return 0
}

/// `swiftlr_clip_grad_value`: checks every tensor, then clamps them all.
@_cdecl("swiftlr_clip_grad_value")
public func swiftlr_clip_grad_value(
  _ tensors: UnsafePointer<swiftlr_clip_tensor>?, _ tensorCount: Int64, _ clipValue: Double,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  switch checkedClipTensors(tensors, tensorCount) {
  case .failure(let error): return report(error, message)
  case .success(let (list, tally)):
    forEachGradientRange(list, tally) { t, range in
      func clamp<T: GradientScalar>(_: T.Type) {
        let g = UnsafeMutableBufferPointer(mutating: buffer(t, T.self))
        let (low, high) = (T(-clipValue), T(clipValue))
        for i in range { g[i] = clampGradient(g[i], low: low, high: high) }
      }
      if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) { clamp(Float.self) } else { clamp(Double.self) }
    }
    return 0
  }
}

// MARK: - Helpers

/// The tensors as a buffer, each checked (count, dtype, memory present).
private func checkedClipTensors(
  _ tensors: UnsafePointer<swiftlr_clip_tensor>?, _ tensorCount: Int64
) -> Result<(UnsafeBufferPointer<swiftlr_clip_tensor>, TensorTally), SchedulerError> {
  guard tensorCount >= 0, tensorCount == 0 || tensors != nil else { return .failure(.value("invalid tensor list")) }
  let list = UnsafeBufferPointer(start: tensors, count: Int(tensorCount))
  var tally = TensorTally()
  do throws(SchedulerError) {
    for t in list {
      try tally.add(group: 0, groupCount: 1, count: t.count, dtype: t.dtype, hasArrays: t.grad != nil)
    }
  } catch {
    return .failure(error)
  }
  return .success((list, tally))
}

/// A checked tensor's elements.
private func buffer<T>(_ t: swiftlr_clip_tensor, _: T.Type) -> UnsafeBufferPointer<T> {
  UnsafeBufferPointer(start: t.grad?.assumingMemoryBound(to: T.self), count: Int(t.count))
}

/// Multiplies every gradient by `coefficient`, rounded to its dtype first (a
/// float32 gradient times a float64 0-d tensor computes in float32 in torch).
private func scale(_ list: UnsafeBufferPointer<swiftlr_clip_tensor>, _ tally: TensorTally, by coefficient: Double) {
  forEachGradientRange(list, tally) { t, range in
    func multiply<T: GradientScalar>(_: T.Type) {
      let g = UnsafeMutableBufferPointer(mutating: buffer(t, T.self))
      let c = T(coefficient)
      for i in range { g[i] = g[i] * c }
    }
    if t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) { multiply(Float.self) } else { multiply(Double.self) }
  }
}

/// Runs `update` over every gradient's elements across the worker pool;
/// gradients that overlap (one array twice, views of one array) run one after
/// another, as torch's loop does, so no element is updated twice at once.
private func forEachGradientRange(
  _ list: UnsafeBufferPointer<swiftlr_clip_tensor>, _ tally: TensorTally,
  _ update: (swiftlr_clip_tensor, Range<Int>) -> Void
) {
  withUnsafeTemporaryAllocation(of: Int.self, capacity: list.count) { counts in
    for (k, t) in list.enumerated() { counts[k] = Int(t.count) }
    let parallel = parallelThreads(total: tally.total, minimumPerThread: sgdMinimumPerThread) > 1
    forEachTensorRange(
      counts: UnsafeBufferPointer(counts), total: tally.total, minimumPerThread: sgdMinimumPerThread,
      wake: sgdWakeElements(tally.widest), sequential: parallel && list.count > 1 && gradientsOverlap(list)
    ) { k, range in update(list[k], range) }
  }
}

/// Whether two gradients share any byte.
private func gradientsOverlap(_ list: UnsafeBufferPointer<swiftlr_clip_tensor>) -> Bool {
  var ranges: [MemoryRange] = []
  ranges.reserveCapacity(list.count)
  for (k, t) in list.enumerated() where t.count > 0 {
    let start = UInt(bitPattern: t.grad)
    let bytes = UInt(t.count) * (t.dtype == Int32(SWIFTLR_FLOAT32.rawValue) ? 4 : 8)
    ranges.append(MemoryRange(start: start, end: start + bytes, owner: k))
  }
  ranges.sort { $0.start < $1.start }
  return rangesOverlap(ranges)
}
