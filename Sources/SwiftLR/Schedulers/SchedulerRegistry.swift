/// Every scheduler the C ABI can build, by its PyTorch class name.
public enum SchedulerRegistry {
  public static let kinds: [String: any LRScheduler.Type] = [
    "StepLR": StepLR.self,
    "WarmupCosineLR": WarmupCosineLR.self,
    "InverseSqrtLR": InverseSqrtLR.self,
    "WarmupStableDecayLR": WarmupStableDecayLR.self,
    "PiecewiseLinearLR": PiecewiseLinearLR.self,
    "ReduceLROnPlateau": ReduceLROnPlateau.self,
    "CyclicLR": CyclicLR.self,
    "OneCycleLR": OneCycleLR.self,
    "CosineAnnealingWarmRestarts": CosineAnnealingWarmRestarts.self,
    "SWALR": SWALR.self,
    "MultiStepLR": MultiStepLR.self,
    "ConstantLR": ConstantLR.self,
    "LinearLR": LinearLR.self,
    "ExponentialLR": ExponentialLR.self,
    "PolynomialLR": PolynomialLR.self,
    "CosineAnnealingLR": CosineAnnealingLR.self,
    "LambdaLR": LambdaLR.self,
    "MultiplicativeLR": MultiplicativeLR.self,
  ]

  /// Builds the scheduler `kind` from its configuration.
  public static func make(_ kind: String, config: SchedulerConfig) throws(SchedulerError) -> any LRScheduler {
    guard let type = kinds[kind] else { throw .value("unknown scheduler '\(kind)'") }
    return try type.init(config: config)
  }
}

// MARK: - Existential helpers

// `fields` and `update` use `Self`; these open the existential for the C ABI.

func fieldNames<S: LRScheduler>(_ scheduler: S) -> [String] {
  S.allFields.map(\.name)
}

func updateFields<S: LRScheduler>(_ scheduler: inout S, _ values: [String: SchedulerValue]) throws(SchedulerError) {
  try scheduler.update(values)
}
