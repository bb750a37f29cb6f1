/// Every scheduler the C ABI can build, by its PyTorch class name.
public enum SchedulerRegistry {
  /// A scheduler type and its C ABI box maker, compiled for that type:
  /// `Entry(StepLR.self)` specializes the maker, so the boxes it builds step
  /// without protocol witnesses.
  struct Entry {
    let type: any LRScheduler.Type
    let makeBox: (SchedulerConfig) throws(SchedulerError) -> SchedulerBox

    init<S: LRScheduler>(_ type: S.Type) {
      self.type = type
      self.makeBox = { (config) throws(SchedulerError) in SchedulerBox(try S(config: config)) }
    }
  }

  static let entries: [String: Entry] = [
    "StepLR": Entry(StepLR.self),
    "WarmupCosineLR": Entry(WarmupCosineLR.self),
    "InverseSqrtLR": Entry(InverseSqrtLR.self),
    "WarmupStableDecayLR": Entry(WarmupStableDecayLR.self),
    "CooldownLR": Entry(CooldownLR.self),
    "PiecewiseLinearLR": Entry(PiecewiseLinearLR.self),
    "ReduceLROnPlateau": Entry(ReduceLROnPlateau.self),
    "CyclicLR": Entry(CyclicLR.self),
    "OneCycleLR": Entry(OneCycleLR.self),
    "CosineAnnealingWarmRestarts": Entry(CosineAnnealingWarmRestarts.self),
    "SWALR": Entry(SWALR.self),
    "MultiStepLR": Entry(MultiStepLR.self),
    "ConstantLR": Entry(ConstantLR.self),
    "LinearLR": Entry(LinearLR.self),
    "ExponentialLR": Entry(ExponentialLR.self),
    "PolynomialLR": Entry(PolynomialLR.self),
    "CosineAnnealingLR": Entry(CosineAnnealingLR.self),
    "LambdaLR": Entry(LambdaLR.self),
    "MultiplicativeLR": Entry(MultiplicativeLR.self),
  ]

  /// The scheduler types by PyTorch class name.
  public static var kinds: [String: any LRScheduler.Type] { entries.mapValues(\.type) }

  /// Builds the scheduler `kind` from its configuration.
  public static func make(_ kind: String, config: SchedulerConfig) throws(SchedulerError) -> any LRScheduler {
    guard let entry = entries[kind] else { throw .value("unknown scheduler '\(kind)'") }
    return try entry.type.init(config: config)
  }

  /// Builds the scheduler `kind` in a box for the C ABI.
  static func makeBox(_ kind: String, config: SchedulerConfig) throws(SchedulerError) -> SchedulerBox {
    guard let entry = entries[kind] else { throw .value("unknown scheduler '\(kind)'") }
    return try entry.makeBox(config)
  }
}

// MARK: - Existential helpers

// `fields` and `update` use `Self`; these open the existential for the C ABI.

func updateFields<S: LRScheduler>(_ scheduler: inout S, _ values: [String: SchedulerValue]) throws(SchedulerError) {
  try scheduler.update(values)
}
