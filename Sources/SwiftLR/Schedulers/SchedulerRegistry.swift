/// Every scheduler the C ABI can build, by its PyTorch class name.
public enum SchedulerRegistry {
  /// A scheduler type and its C ABI box maker, compiled for that type:
  /// `Entry(StepLR.self)` specializes the maker, so the boxes it builds step
  /// without protocol witnesses.
  struct Entry {
    let type: any LRScheduler.Type
    let makeBox: (SchedulerConfig) throws(SchedulerError) -> NativeScheduler
    /// `ScheduleEvaluation` over a scheduler built from the config.
    let evaluate: (SchedulerConfig, ScheduleEvaluation.Request) throws(SchedulerError) -> Void

    init<S: LRScheduler>(_ type: S.Type) {
      self.init(type) { (config, request) throws(SchedulerError) in
        try ScheduleEvaluation.evaluate(try S(config: config), request)
      }
    }

    /// An absolute schedule's lr is a function of the step: evaluated at each step directly.
    init<S: AbsoluteSchedule>(_ type: S.Type) {
      self.init(type) { (config, request) throws(SchedulerError) in
        try ScheduleEvaluation.evaluate(absolute: try S(config: config), request)
      }
    }

    private init<S: LRScheduler>(
      _ type: S.Type, evaluate: @escaping (SchedulerConfig, ScheduleEvaluation.Request) throws(SchedulerError) -> Void
    ) {
      self.type = type
      self.makeBox = { (config) throws(SchedulerError) in NativeScheduler(try S(config: config)) }
      self.evaluate = evaluate
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

  /// The entry of `kind`, or the error naming it.
  static func entry(_ kind: String) throws(SchedulerError) -> Entry {
    guard let entry = entries[kind] else { throw .value("unknown scheduler '\(kind)'") }
    return entry
  }

  /// Builds the scheduler `kind` from its configuration.
  public static func make(_ kind: String, config: SchedulerConfig) throws(SchedulerError) -> any LRScheduler {
    try entry(kind).type.init(config: config)
  }

  /// Builds the scheduler `kind` in a box for the C ABI.
  static func makeBox(_ kind: String, config: SchedulerConfig) throws(SchedulerError) -> NativeScheduler {
    try entry(kind).makeBox(config)
  }
}

// MARK: - Existential helpers

// `fields` and `update` use `Self`; these open the existential for the C ABI.

func updateFields<S: LRScheduler>(_ scheduler: inout S, _ values: [String: SchedulerValue]) throws(SchedulerError) {
  try scheduler.update(values)
}
