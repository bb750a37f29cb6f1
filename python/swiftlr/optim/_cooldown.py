"""``CooldownLR``: the decay of a warmup-stable-decay run, started from
whatever lrs the optimizer holds, at any step (swiftlr's own)."""

from __future__ import annotations

from typing import Any

from swiftlr._typing import SupportsParamGroups, WSDDecayType
from swiftlr.optim._scheduler_base import _lr_value
from swiftlr.optim._swift_scheduler import SwiftScheduler, arguments_of
from swiftlr.optim._warmup import _WSDDecayFields

__all__ = ["CooldownLR"]


class CooldownLR(_WSDDecayFields, SwiftScheduler):
    r"""Decays each group's CURRENT lr to ``min_lr_ratio`` times it over
    ``decay_steps`` steps: the cooldown of a warmup-stable-decay (WSD) run,
    branched from any checkpoint without fixing the run's length in advance.

    swiftlr's own: PyTorch has no such class. Its ``base_lrs`` are the groups'
    lrs when it is built (not ``initial_lr``), so build it right after loading
    a checkpoint, or after any scheduler has run. With :math:`t` =
    ``last_epoch``, :math:`D` = ``decay_steps`` and :math:`m` = ``min_lr_ratio``:

    .. math::
        \eta_t = \eta_{start} \cdot \begin{cases}
            m + (1 - m)\, d(t / D) & t < D \\
            m & t \ge D
        \end{cases}

    where :math:`d(p)` is :math:`1 - p` (``"linear"``),
    :math:`\frac{1}{2}(1 + \cos \pi p)` (``"cosine"``) or :math:`1 - \sqrt{p}`
    (``"1-sqrt"``), the decay of :class:`WarmupStableDecayLR`. Built where
    transformers' ``get_wsd_schedule`` starts decaying (instead of that
    schedule's step into the decay), its lrs equal that schedule's bit for bit.

    As the last stage of a :class:`SequentialLR` it starts, at its milestone,
    from the lrs the groups hold then. Its state (``base_lrs`` included)
    round-trips through ``state_dict()``.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        decay_steps (int): Steps of the decay; positive.
        decay_type (str): ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
            Default: ``"linear"``.
        min_lr_ratio (float): Final factor of the starting lr, in [0, 1].
            Default: 0.0.

    Raises:
        ValueError: for ``decay_steps < 1``, an unknown ``decay_type`` or a
            ratio outside [0, 1]; nothing changes then.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> optimizer.param_groups[0].update(lr=0.08)  # wherever the run is
        >>> # lr = 0.08 * (0.25 + 0.75 * (1 - epoch / 4)) for epoch < 4, then 0.02
        >>> scheduler = CooldownLR(optimizer, decay_steps=4, min_lr_ratio=0.25)
        >>> scheduler.get_last_lr(), scheduler.preview(5)[:, 0].round(4)
        ([0.08], array([0.065, 0.05 , 0.035, 0.02 , 0.02 ]))
    """

    #: Its base lrs are the lrs it started from, not the configuration's: no drift check.
    _base_lrs_are_config = False

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        decay_steps: int,
        decay_type: WSDDecayType = "linear",
        min_lr_ratio: float = 0.0,
    ) -> None:
        super().__init__(**arguments_of(locals()))

    def _attach(self, optimizer: Any, last_epoch: int) -> list[Any]:
        """Records ``initial_lr`` as every scheduler does; the base lrs are the current ones."""
        super()._attach(optimizer, last_epoch)
        return [_lr_value(group["lr"]) for group in optimizer.param_groups]

    def _update_lr(self, epoch: float | None = None) -> None:
        """PyTorch's ``_update_lr``; restarted at epoch 0 (a SequentialLR
        milestone) it starts from the lrs the groups hold then."""
        if epoch == 0:
            self._core_update({"base_lrs": [float(group["lr"]) for group in self.optimizer.param_groups]})
        super()._update_lr(epoch)
