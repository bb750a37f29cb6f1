"""Schedulers that decay the lr by a rule of the epoch: step, multi-step,
constant, linear, exponential, polynomial and cosine annealing."""

from __future__ import annotations

from typing import Any

from swiftlr.optim._scheduler_base import CoreScheduler

__all__ = ["StepLR"]


class StepLR(CoreScheduler):
    """Decays the learning rate of each parameter group by gamma every step_size epochs.

    Such decay can happen together with other changes to the learning rate
    from outside this scheduler. When ``last_epoch=-1``, sets the initial lr
    as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        step_size (int): Period of learning rate decay.
        gamma (float): Multiplicative factor of learning rate decay.
            Default: 0.1.
        last_epoch (int): The index of last epoch. Default: -1.

    Raises:
        ValueError: if ``step_size`` is not positive (PyTorch accepts it and
            fails with ZeroDivisionError at the first step).

    Example:
        >>> # lr = 0.05     if epoch < 30
        >>> # lr = 0.005    if 30 <= epoch < 60
        >>> # lr = 0.0005   if 60 <= epoch < 90
        >>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
        >>> for epoch in range(100):
        >>>     train(...)
        >>>     validate(...)
        >>>     scheduler.step()
    """

    _fields = ("step_size", "gamma")

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        super().__init__(optimizer, last_epoch, step_size=step_size, gamma=gamma)
