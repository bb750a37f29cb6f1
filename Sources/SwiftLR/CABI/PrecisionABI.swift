import _SwiftLRShims

// Stepping with tensor lrs: each group's dtype crosses as an `LRPrecision`
// code. Float lrs take `swiftlr_scheduler_step` (the specialized closure);
// this path opens the scheduler existential, which costs a copy of its state,
// small next to the tensor `fill_` and `clone` each such group needs.

@_cdecl("swiftlr_scheduler_step_precise")
public func swiftlr_scheduler_step_precise(
  _ s: OpaquePointer, _ lrs: UnsafeMutablePointer<Double>?, _ lrCount: Int64,
  _ precisions: UnsafePointer<Int32>?, _ inputs: UnsafePointer<Double>?, _ inputCount: Int64,
  _ hasEpoch: Int32, _ epoch: Double, _ stepCount: Int64, _ isInitial: Int32,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  let b: NativeScheduler = unbox(s)
  guard lrCount >= 0, inputCount >= 0 else { return report(.value("negative count"), message) }
  let lrBuffer = UnsafeMutableBufferPointer(start: lrs, count: lrs == nil ? 0 : Int(lrCount))
  let codes = UnsafeBufferPointer(start: precisions, count: precisions == nil ? 0 : Int(lrCount))
  let inputBuffer = UnsafeBufferPointer(start: inputs, count: inputs == nil ? 0 : Int(inputCount))
  do throws(SchedulerError) {
    let context = StepContext(stepCount: Int(stepCount), isInitial: isInitial != 0)
    var scheduler = b.scheduler
    try stepOpened(&scheduler, lrBuffer, hasEpoch != 0 ? epoch : nil, inputBuffer, context, codes)
    b.stepped(scheduler)  // as `swiftlr_scheduler_step` leaves it: the C step commits or undoes it
    return 0
  } catch {
    return report(error, message)
  }
}

func stepOpened<S: LRScheduler>(
  _ scheduler: inout S, _ lrs: UnsafeMutableBufferPointer<Double>, _ epoch: Double?,
  _ inputs: UnsafeBufferPointer<Double>, _ context: StepContext, _ precisions: UnsafeBufferPointer<Int32>
) throws(SchedulerError) {
  try scheduler.step(lrs, epoch: epoch, inputs: inputs, context: context, precisions: precisions)
}
