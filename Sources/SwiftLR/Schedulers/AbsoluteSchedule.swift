/// A schedule whose lr is a function of the step alone (swiftlr's warmup
/// schedulers): not chained from the current lr, so `step()` and the
/// deprecated `step(epoch)` give the same values, and the rule is its own
/// closed form. A negative epoch (only `step(epoch)` reaches one) counts as
/// step 0.
///
/// A conforming type gives `lr(group:at:)`; `chainedLR`, `closedFormLR` and
/// `hasClosedForm` come from here. The lr is computed in float64, then stored
/// into the group's lr (a tensor's dtype).
public protocol AbsoluteSchedule: LRScheduler {
  /// Group `group`'s lr at step `t >= 0`, in float64.
  func lr(group: Int, at t: Int) -> Double

  /// `out[i] = lr(group: group, at: steps[i])` for steps `>= 0`, the same
  /// bits; a type may batch the work (its cosines through `cosines`).
  func lrs(group: Int, at steps: UnsafeBufferPointer<Int64>, into out: UnsafeMutableBufferPointer<Double>)
}

extension AbsoluteSchedule {
  public static var hasClosedForm: Bool { true }

  public func lrs(group: Int, at steps: UnsafeBufferPointer<Int64>, into out: UnsafeMutableBufferPointer<Double>) {
    for i in 0..<steps.count { out[i] = lr(group: group, at: Int(steps[i])) }
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    current.storing(lr(group: group, at: max(lastEpoch, 0)))
  }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    current.storing(lr(group: group, at: max(lastEpoch, 0)))
  }
}
