/// An optimizer a scheduler can drive: what PyTorch's `lr_scheduler` reads
/// from and writes into an optimizer's param groups.
///
/// `SGD` conforms; an optimizer that conforms is driven by every scheduler
/// with one call, `try scheduler.step(&optimizer)`, and gets PyTorch's
/// constructor (its initial step) from `init(_:...)` of each scheduler.
///
/// Edge cases: setters receive exactly one value per group (the schedulers
/// never change the number of groups); a conforming type may ignore extra
/// values but must not trap on them.
public protocol ScheduledOptimizer {
  /// Each group's `lr`, in group order.
  var learningRates: [Double] { get set }

  /// Each group's `initial_lr`: nil until a scheduler built with
  /// `lastEpoch == -1` records the group's lr there (PyTorch's
  /// `group.setdefault("initial_lr", group["lr"])`).
  var initialLRs: [Double?] { get set }

  /// Each group's value that `OneCycleLR` and `CyclicLR` cycle: SGD's
  /// `momentum`, Adam's `beta1` (`betas[0]`), as PyTorch picks it.
  var momenta: [Double] { get set }
}
