"""swiftlr: PyTorch's learning-rate schedulers and SGD, with a Swift core.

    >>> import numpy as np, swiftlr
    >>> from swiftlr import optim
    >>> w = swiftlr.Parameter(np.zeros((10, 1), dtype=np.float32))
    >>> optimizer = optim.SGD([w], lr=0.1)
    >>> scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.9)

The compiled core is the private module ``swiftlr._swiftlr``; everything public
is re-exported here and in :mod:`swiftlr.optim`. :mod:`swiftlr.schedules`
holds the pure (stateless) schedules, :mod:`swiftlr.plot` draws a scheduler
with matplotlib, which it imports only when it draws.
"""

from swiftlr import nn, optim, plot, schedules
from swiftlr._lr_find import LRFinderResult, lr_find
from swiftlr._parameter import Parameter
from swiftlr._torch import torch_safe_globals
from swiftlr.optim._resume_checks import ScheduleDriftWarning

__version__ = "0.1.0"

__all__ = [
    "LRFinderResult",
    "Parameter",
    "ScheduleDriftWarning",
    "lr_find",
    "nn",
    "optim",
    "plot",
    "schedules",
    "torch_safe_globals",
    "__version__",
]
