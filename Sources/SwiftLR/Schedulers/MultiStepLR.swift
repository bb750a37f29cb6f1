#if canImport(Glibc)
import Glibc
#endif

/// Decays each group's lr by `gamma` whenever `lastEpoch` reaches a milestone
/// (PyTorch's `MultiStepLR`).
///
/// PyTorch keeps the milestones as a `Counter`; a milestone listed `n` times
/// decays by `gamma ** n` at once. Here they are a sorted list with repeats,
/// which holds the same information (the Python class shows it as a Counter).
///
/// - Parameters:
///   - milestones: epoch indices, in any order, repeats allowed.
///   - gamma: multiplicative factor of the decay. Default: 0.1.
///
/// Edge cases: an empty milestone list never decays, as in PyTorch.
public struct MultiStepLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  /// Sorted ascending, with repeats (PyTorch's `sorted(milestones.elements())`).
  public var milestones: [Int] {
    didSet { milestones.sort() }
  }
  public var gamma: Double

  public init(baseLRs: [Double], milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1) throws(SchedulerError) {
    self.baseLRs = baseLRs
    self.milestones = milestones.sorted()
    self.gamma = gamma
    self.lastEpoch = lastEpoch
    try validate()
  }

  public init(config: SchedulerConfig) throws(SchedulerError) {
    try self.init(
      baseLRs: config.doubles("base_lrs"), milestones: config.ints("milestones"),
      gamma: config.double("gamma", default: 0.1), lastEpoch: config.int("last_epoch", default: -1))
  }

  public static let fields: [SchedulerField<MultiStepLR>] = [
    .ints("milestones", \.milestones), .double("gamma", \.gamma),
  ]

  public func validate() throws(SchedulerError) {
    try validateCommon(baseLRs: baseLRs, lastEpoch: lastEpoch)
  }

  /// How many times `epoch` is a milestone (PyTorch's `milestones[epoch]`).
  func count(of epoch: Int) -> Int {
    upperBound(epoch) - bound(epoch, orEqual: false)
  }

  /// Python's `bisect_right(milestones, value)`: the number of milestones <= value.
  func upperBound(_ value: Int) -> Int { bound(value, orEqual: true) }

  /// The number of milestones < value, or <= value when `orEqual`.
  func bound(_ value: Int, orEqual: Bool) -> Int {
    var low = 0
    var high = milestones.count
    while low < high {
      let mid = low + (high - low) / 2
      let m = milestones[mid]
      if m < value || (orEqual && m == value) { low = mid + 1 } else { high = mid }
    }
    return low
  }

  public func chainedLR<L: LRValue>(group: Int, current: L) -> L {
    let n = count(of: lastEpoch)
    if n == 0 { return current }
    return current * pow(gamma, Double(n))
  }

  public static var hasClosedForm: Bool { true }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    baseLR(group, like: current) * pow(gamma, Double(upperBound(lastEpoch)))
  }
}
