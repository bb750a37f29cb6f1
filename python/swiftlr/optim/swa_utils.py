"""Stochastic Weight Averaging utilities (``torch.optim.swa_utils``): the
``SWALR`` scheduler, with its rule in swiftlr's Swift core."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from swiftlr import _swiftlr
from swiftlr._typing import SupportsParamGroups, SWAAnnealStrategy
from swiftlr.optim._swift_scheduler import SwiftScheduler, arguments_of, per_group

__all__ = ["SWALR"]


class SWALR(SwiftScheduler):
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
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr 0.1 -> 0.05 over 5 epochs (cosine), then 0.05
        >>> scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=5)
        >>> scheduler.preview(6)[:, 0].round(4)
        array([0.0952, 0.0827, 0.0673, 0.0548, 0.05  , 0.05  ])
    """

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
        super().__init__(**arguments_of(locals()))

    def _write_groups(self, optimizer: SupportsParamGroups, arguments: dict[str, Any], last_epoch: int) -> None:
        for value, group in zip(per_group(optimizer, arguments["swa_lr"]), optimizer.param_groups):
            group["swa_lr"] = value

    @property
    def anneal_func(self) -> Callable[[float], float]:
        """The annealing function of ``_anneal_strategy`` (PyTorch's attribute):
        the weight of ``swa_lr`` at progress ``t`` in [0, 1], from the core."""
        return functools.partial(_swiftlr.anneal_weight, self._anneal_strategy)

    # PyTorch reads each group's ``swa_lr`` at every step; so does the C step
    # (the core's group inputs). The step number (``_step_count - 1``) reaches
    # the core with every step.
