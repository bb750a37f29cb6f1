"""Learning-rate schedulers: ``torch.optim.lr_scheduler``'s classes, with the
rules and their state in swiftlr's Swift core.

Each class checks its arguments as PyTorch does, then hands them to the Swift
scheduler of the same name; learning rates equal PyTorch's to the last bit,
because the core runs PyTorch's float64 recurrences, not closed forms. The
classes live in family modules (``_decay``, ...) and are all exported here,
where PyTorch users look for them.
"""

from swiftlr.optim._composite import ChainedScheduler, SequentialLR
from swiftlr.optim._cyclic import CyclicLR, OneCycleLR
from swiftlr.optim._decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from swiftlr.optim._lambda import LambdaLR, MultiplicativeLR
from swiftlr.optim._plateau import ReduceLROnPlateau
from swiftlr.optim._scheduler_base import EPOCH_DEPRECATION_WARNING, LRScheduler
from swiftlr.optim._swift_scheduler import SwiftScheduler
from swiftlr.optim._warm_restarts import CosineAnnealingWarmRestarts
from swiftlr.optim._warmup import (
    InverseSqrtLR,
    PiecewiseLinearLR,
    WarmupCosineLR,
    WarmupStableDecayLR,
)

__all__ = [
    "LRScheduler",
    "SwiftScheduler",
    "EPOCH_DEPRECATION_WARNING",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "MultiplicativeLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "CyclicLR",
    "OneCycleLR",
    "CosineAnnealingWarmRestarts",
    "WarmupCosineLR",
    "InverseSqrtLR",
    "WarmupStableDecayLR",
    "PiecewiseLinearLR",
]
