import _SwiftLRShims

// The schedule half of the C ABI (swiftlr_abi.h): `ScheduleEvaluation` over
// raw buffers. Configurations are the scheduler ABI's `ConfigBox`es.

@_cdecl("swiftlr_schedule_values")
public func swiftlr_schedule_values(
  _ kind: UnsafePointer<CChar>, _ config: OpaquePointer, _ steps: UnsafePointer<Int64>?, _ count: Int64,
  _ inputs: UnsafePointer<Double>?, _ inputCount: Int64, _ closedForm: Int32, _ out: UnsafeMutablePointer<Double>?,
  _ message: UnsafeMutablePointer<swiftlr_message>?
) -> Int32 {
  guard count >= 0, inputCount >= 0 else { return report(.value("negative count"), message) }
  guard count == 0 || (steps != nil && out != nil) else {
    return report(.value("missing steps or output buffer"), message)
  }
  guard inputCount == 0 || inputs != nil else { return report(.value("missing inputs buffer"), message) }
  let configBox: ConfigBox = unbox(config)
  let stepBuffer = UnsafeBufferPointer(start: count == 0 ? nil : steps, count: Int(count))
  let inputBuffer = UnsafeBufferPointer(start: inputCount == 0 ? nil : inputs, count: Int(inputCount))
  let outBuffer = UnsafeMutableBufferPointer(start: count == 0 ? nil : out, count: Int(count))
  do throws(SchedulerError) {
    try ScheduleEvaluation.evaluate(
      kind: String(cString: kind), config: configBox.config, steps: stepBuffer, inputs: inputBuffer,
      closedForm: closedForm != 0, into: outBuffer)
    return 0
  } catch {
    return report(error, message)
  }
}
