"""Learning-rate schedulers: ``torch.optim.lr_scheduler``'s classes, with the
rules and their state in swiftlr's Swift core.

Each class hands its arguments to the Swift scheduler of the same name, which
checks them in PyTorch's order and words; learning rates equal PyTorch's to the last bit,
because the core runs PyTorch's float64 recurrences, not closed forms. The
classes live in family modules (``_decay``, ...) and are all exported here,
where PyTorch users look for them.
"""

from swiftlr.optim import _composite, _cooldown, _cyclic, _decay, _lambda, _plateau, _warm_restarts, _warmup
from swiftlr.optim._composite import *  # noqa: F403  (each family's __all__, re-exported)
from swiftlr.optim._cooldown import *  # noqa: F403
from swiftlr.optim._cyclic import *  # noqa: F403
from swiftlr.optim._decay import *  # noqa: F403
from swiftlr.optim._lambda import *  # noqa: F403
from swiftlr.optim._plateau import *  # noqa: F403
from swiftlr.optim._scheduler_base import EPOCH_DEPRECATION_WARNING, LRScheduler
from swiftlr.optim._swift_scheduler import SwiftScheduler
from swiftlr.optim._warm_restarts import *  # noqa: F403
from swiftlr.optim._warmup import *  # noqa: F403

__all__ = ["LRScheduler", "SwiftScheduler", "EPOCH_DEPRECATION_WARNING"]
__all__ += _decay.__all__
__all__ += _lambda.__all__
__all__ += _composite.__all__
__all__ += _plateau.__all__
__all__ += _cyclic.__all__
__all__ += _warm_restarts.__all__
__all__ += _warmup.__all__
__all__ += _cooldown.__all__
