#if canImport(Glibc)
  import Glibc
#endif

/// Decays each group's lr by `gamma` whenever `lastEpoch` reaches a milestone
/// (PyTorch's `MultiStepLR`).
///
/// The milestones are held as PyTorch holds them, a `Counter` of epoch →
/// count: `milestones` (distinct epochs, ascending) with `milestoneCounts`
/// (any integer: a checkpoint may hold zero or negative counts). At a
/// milestone the step multiplies the lr by `gamma ** count`; the closed form
/// counts only the positive counts, as PyTorch's `Counter.elements()` does.
/// So a checkpoint's `Counter({5: 2*10**7})` is one entry, not twenty million.
///
/// - Parameters:
///   - milestones: epoch indices, in any order, repeats allowed (a
///     milestone listed `n` times decays by `gamma ** n` at once); or, with
///     `counts`, the Counter's keys.
///   - gamma: multiplicative factor of the decay. Default: 0.1.
///
/// Edge cases: an empty milestone list never decays, as in PyTorch. Where
/// PyTorch would raise at the milestone's step (`gamma ** count` overflows,
/// or `0.0 ** negative`), the scheduler is refused when built or loaded.
public struct MultiStepLR: LRScheduler {
  public var baseLRs: [Double]
  public var lastEpoch: Int
  /// The Counter's epochs, distinct and ascending (checked by `validate`).
  public var milestones: [Int] { didSet { tally() } }
  /// How many times each of `milestones` counts; set together with them.
  public var milestoneCounts: [Int] { didSet { tally() } }
  public var gamma: Double
  /// `decays[i]`: the positive counts of `milestones[0...i]` added up (the
  /// closed form's exponent); saturates where `validate` refuses the total.
  private var decays: [Int] = []

  /// From a list of epochs with repeats, as PyTorch's constructor takes them.
  public init(baseLRs: [Double], milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1) throws(SchedulerError) {
    try self.init(
      baseLRs: baseLRs, milestones: milestones, counts: Array(repeating: 1, count: milestones.count), gamma: gamma,
      lastEpoch: lastEpoch)
  }

  /// From a Counter's keys and values (an epoch given twice adds its counts).
  public init(
    baseLRs: [Double], milestones: [Int], counts: [Int], gamma: Double = 0.1, lastEpoch: Int = -1
  ) throws(SchedulerError) {
    guard counts.count == milestones.count else {
      throw .value("milestone_counts has \(counts.count) values for \(milestones.count) milestones")
    }
    let (epochs, merged) = try Self.merged(milestones, counts)
    self.baseLRs = baseLRs
    self.milestones = epochs
    self.milestoneCounts = merged
    self.gamma = gamma
    self.lastEpoch = lastEpoch
    tally()
    try checkState()
  }

  /// `milestone_counts` is the other half of PyTorch's Counter (each
  /// milestone's count); None counts each listed milestone once.
  public static let arguments: [SchedulerArgument] = [
    .ints("milestones"), .init("milestone_counts", .ints, default: SchedulerValue.none, first: false) { _ in },
    .float("gamma", default: 0.1),
  ]

  public init(arguments a: SchedulerArguments) throws(SchedulerError) {
    let milestones = try a.ints("milestones")
    let counts =
      a.optional("milestone_counts") == nil
      ? Array(repeating: 1, count: milestones.count) : try a.ints("milestone_counts")
    try self.init(
      baseLRs: a.doubles("base_lrs"), milestones: milestones, counts: counts, gamma: a.double("gamma"),
      lastEpoch: a.int("last_epoch"))
  }

  public static let fields: [SchedulerField<MultiStepLR>] = [
    .ints("milestones", \.milestones), .ints("milestone_counts", \.milestoneCounts), .double("gamma", \.gamma),
  ]

  /// Sorts the pairs by epoch and adds up the counts of a repeated epoch.
  static func merged(_ epochs: [Int], _ counts: [Int]) throws(SchedulerError) -> ([Int], [Int]) {
    let order = epochs.indices.sorted { epochs[$0] < epochs[$1] }
    var outEpochs: [Int] = []
    var outCounts: [Int] = []
    for i in order {
      if let last = outEpochs.last, last == epochs[i] {
        let (sum, overflow) = outCounts[outCounts.count - 1].addingReportingOverflow(counts[i])
        guard !overflow else { throw .overflow("the counts of milestone \(last) add up beyond 64 bits") }
        outCounts[outCounts.count - 1] = sum
      } else {
        outEpochs.append(epochs[i])
        outCounts.append(counts[i])
      }
    }
    return (outEpochs, outCounts)
  }

  private mutating func tally() {
    var total = 0
    decays = []
    decays.reserveCapacity(milestoneCounts.count)
    for count in milestoneCounts {
      let (sum, overflow) = total.addingReportingOverflow(max(count, 0))
      total = overflow ? Int.max : sum
      decays.append(total)
    }
  }

  public func validate() throws(SchedulerError) {
    guard milestoneCounts.count == milestones.count else {
      throw .value("milestone_counts has \(milestoneCounts.count) values for \(milestones.count) milestones")
    }
    var total = 0
    for (i, count) in milestoneCounts.enumerated() {
      guard i == 0 || milestones[i - 1] < milestones[i] else {
        throw .value("milestones must be distinct and increasing when given with their counts")
      }
      let (sum, overflow) = total.addingReportingOverflow(max(count, 0))
      guard !overflow else { throw .overflow("the milestone counts add up beyond 2**63-1") }
      total = sum
      // Python's float ** int raises where C's pow overflows or divides by zero.
      if gamma == 0 && count < 0 {
        throw .value("gamma ** \(count) divides by zero (gamma is 0.0) at milestone \(milestones[i])")
      }
      if gamma.isFinite && !pow(gamma, Double(count)).isFinite {
        throw .overflow("gamma ** \(count) overflows at milestone \(milestones[i]) (gamma is \(gamma))")
      }
    }
  }

  /// Where `epoch` is among `milestones` (binary search), or nil.
  func index(of epoch: Int) -> Int? {
    let i = bound(epoch, orEqual: false)
    return i < milestones.count && milestones[i] == epoch ? i : nil
  }

  /// How many times `epoch` counts (PyTorch's `milestones[epoch]`; 0 if absent).
  func count(of epoch: Int) -> Int {
    index(of: epoch).map { milestoneCounts[$0] } ?? 0
  }

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
    guard let i = index(of: lastEpoch) else { return current }
    return current * pow(gamma, Double(milestoneCounts[i]))
  }

  public static var hasClosedForm: Bool { true }

  /// `base_lr * gamma ** bisect_right(sorted(milestones.elements()), last_epoch)`.
  /// The closed form's power of `gamma` at `epoch`: the milestones passed, counted with repeats.
  func decayCount(at epoch: Int) -> Double {
    let passed = bound(epoch, orEqual: true)
    return Double(passed == 0 ? 0 : decays[passed - 1])
  }

  public func checkClosedFormLR(at epoch: Int) throws(SchedulerError) {
    try checkPower(gamma, decayCount(at: epoch))
  }

  public func closedFormLR<L: LRValue>(group: Int, current: L) -> L? {
    baseLR(group, like: current) * pow(gamma, decayCount(at: lastEpoch))
  }
}
