"""Stochastic Weight Averaging utilities (``torch.optim.swa_utils``): the
``SWALR`` scheduler, with its rule in swiftlr's Swift core."""

from __future__ import annotations

import math
from typing import Any

from swiftlr._typing import SupportsParamGroups, SWAAnnealStrategy
from swiftlr.optim._core_scheduler import CoreScheduler
from swiftlr.optim._cyclic import format_param
from swiftlr.optim._scheduler_base import _check_optimizer

__all__ = ["SWALR"]


class SWALR(CoreScheduler):
    r"""Anneals the learning rate in each parameter group to a fixed value, for
    Stochastic Weight Averaging (`Averaging Weights Leads to Wider Optima and
    Better Generalization`).

    Over ``anneal_epochs`` steps each group's lr moves from its value when the
    scheduler starts to ``swa_lr``, by cosine or linear annealing; then it
    stays at ``swa_lr``. The rule is chained, like PyTorch's: it works from
    each group's current lr, so the scheduler can follow another one late in
    training.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        swa_lr (float or list): the learning rate value for all param groups
            together or separately for each group; stored in each group as
            ``swa_lr`` and read back at every step.
        anneal_epochs (int): number of epochs in the annealing phase. Default: 10.
        anneal_strategy (str): "cos" or "linear": cosine or linear annealing.
            Default: "cos".
        last_epoch (int): the index of the last epoch. Default: -1.

    Example:
        >>> # lr 0.1 -> 0.05 over 5 epochs (cosine): 0.1, 0.0952, 0.0827, 0.0673, 0.0548, 0.05, 0.05, ...
        >>> scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=5)
        >>> for epoch in range(20):
        >>>     train(...)
        >>>     scheduler.step()
    """

    _state_fields = ("anneal_epochs", "_anneal_strategy")
    anneal_epochs: int
    _anneal_strategy: str

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: SWAAnnealStrategy = "cos",
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        swa_lrs = format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        super().__init__(
            optimizer,
            last_epoch,
            swa_lr=[float(v) for v in swa_lrs],
            anneal_epochs=anneal_epochs,
            anneal_strategy=anneal_strategy,
        )

    @property
    def anneal_func(self) -> Any:
        """The annealing function of ``_anneal_strategy`` (PyTorch's attribute)."""
        return _linear_anneal if self._anneal_strategy == "linear" else _cosine_anneal

    #: PyTorch reads each group's ``swa_lr`` at every step; so does the C step.
    #: The step number (``_step_count - 1``) reaches the core with every step.
    _group_inputs = ("swa_lr",)


def _linear_anneal(t: float) -> float:
    return t


def _cosine_anneal(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2
