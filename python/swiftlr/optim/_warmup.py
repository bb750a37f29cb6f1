"""Warmup schedulers that PyTorch lacks: ``WarmupCosineLR``, ``InverseSqrtLR``,
``WarmupStableDecayLR`` and ``PiecewiseLinearLR``.

Each is an absolute schedule of ``t = last_epoch`` and each group's base lr
(not chained from the current lr), computed in the Swift core; ``step()`` and
the deprecated ``step(epoch)`` give the same values, so they compose with
``SequentialLR`` and ``ChainedScheduler`` like PyTorch's closed-form
schedulers. A negative epoch (only reachable through ``step(epoch)``) counts
as step 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from swiftlr._typing import SupportsParamGroups, WSDDecayType
from swiftlr.optim._swift_scheduler import SwiftScheduler, arguments_of

__all__ = ["WarmupCosineLR", "InverseSqrtLR", "WarmupStableDecayLR", "PiecewiseLinearLR"]


class WarmupCosineLR(SwiftScheduler):
    r"""Linear warmup from ``warmup_start_factor * base_lr`` to the base lr,
    then cosine annealing down to ``eta_min`` at ``total_steps``; ``eta_min``
    after that.

    swiftlr's own: PyTorch has no such class (see the module docs).

    With :math:`t` = ``last_epoch``, :math:`W` = ``warmup_steps``, :math:`T` =
    ``total_steps`` and :math:`s` = ``warmup_start_factor``:

    .. math::
        \eta_t = \begin{cases}
            \eta_{base} \left(s + (1 - s) \frac{t}{W}\right) & t < W \\
            \eta_{min} + \frac{1}{2}(\eta_{base} - \eta_{min})
                \left(1 + \cos\left(\pi \frac{t - W}{T - W}\right)\right) & W \le t \le T \\
            \eta_{min} & t > T
        \end{cases}

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        warmup_steps (int): Steps of the linear warmup; 0 for none.
        total_steps (int): The step at which the lr reaches ``eta_min``;
            greater than ``warmup_steps``.
        eta_min (float): Final learning rate (absolute). Default: 0.0.
        warmup_start_factor (float): Factor of the base lr at step 0, in
            [0, 1]. Default: 0.0.
        last_epoch (int): The index of last epoch. Default: -1.

    Raises:
        ValueError: if ``total_steps <= warmup_steps``, ``warmup_steps < 0``,
            ``eta_min`` is negative or not finite, or ``warmup_start_factor``
            is outside [0, 1].

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # step:  0      1      2      3       4       5       6      7
        >>> # lr:    0.0    0.05   0.1    0.0868  0.055   0.0232  0.01   0.01
        >>> scheduler = WarmupCosineLR(optimizer, warmup_steps=2, total_steps=6, eta_min=0.01)
        >>> scheduler.get_last_lr(), scheduler.preview(7)[:, 0].round(4)
        ([0.0], array([0.05  , 0.1   , 0.0868, 0.055 , 0.0232, 0.01  , 0.01  ]))
    """

    warmup_steps: int
    total_steps: int
    eta_min: float
    warmup_start_factor: float

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        warmup_steps: int,
        total_steps: int,
        eta_min: float = 0.0,
        warmup_start_factor: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(**arguments_of(locals()))


class InverseSqrtLR(SwiftScheduler):
    r"""Linear warmup from 0 to the base lr, then decay with the inverse
    square root of the step (transformers' ``get_inverse_sqrt_schedule``).

    swiftlr's own: PyTorch has no such class (see the module docs).

    With :math:`t` = ``last_epoch``, :math:`W` = ``warmup_steps`` and
    :math:`\tau` = ``timescale``, :math:`\eta_t = \eta_{base} \cdot f(t)`:

    .. math::
        f(t) = \begin{cases}
            t / W & t < W \\
            1 / \sqrt{(t + \tau - W) / \tau} & t \ge W
        \end{cases}

    The factor is computed as transformers computes it, so the lrs equal those
    of ``get_inverse_sqrt_schedule`` (a PyTorch ``LambdaLR``) bit for bit.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        warmup_steps (int): Steps of the linear warmup; 0 for none.
        timescale (int, optional): Time scale of the decay, positive.
            Default: ``warmup_steps``, or 10000 when that is 0.
        last_epoch (int): The index of last epoch. Default: -1.

    Raises:
        ValueError: if ``warmup_steps < 0`` or ``timescale <= 0``.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # step:  0     2      4      5        8        12      20
        >>> # lr:    0.0   0.05   0.1    0.0894   0.0707   0.0577  0.0447
        >>> scheduler = InverseSqrtLR(optimizer, warmup_steps=4)
        >>> scheduler.preview(20)[[1, 3, 4, 7, 11, 19], 0].round(4)  # steps 2, 4, 5, 8, 12, 20
        array([0.05  , 0.1   , 0.0894, 0.0707, 0.0577, 0.0447])
    """

    warmup_steps: int
    timescale: int

    def __init__(
        self, optimizer: SupportsParamGroups, warmup_steps: int, timescale: int | None = None, last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))


class _WSDDecayFields:
    """The decay's state fields, shared by :class:`WarmupStableDecayLR` and
    :class:`~swiftlr.optim.lr_scheduler.CooldownLR` (the same decay, started anywhere)."""

    decay_steps: int
    decay_type: str
    min_lr_ratio: float


class WarmupStableDecayLR(_WSDDecayFields, SwiftScheduler):
    r"""Warmup-stable-decay ("WSD"): a linear warmup from 0 to the base lr, a
    stable phase at the base lr, then a decay to ``min_lr_ratio * base_lr``.

    swiftlr's own: PyTorch has no such class (see the module docs).

    With :math:`t` = ``last_epoch``, :math:`W, S, D` the three phase lengths
    and :math:`m` = ``min_lr_ratio``, :math:`\eta_t = \eta_{base} \cdot f(t)`:

    .. math::
        f(t) = \begin{cases}
            t / W & t < W \\
            1 & W \le t < W + S \\
            m + (1 - m)\, d\!\left(\frac{t - W - S}{D}\right) & W + S \le t < W + S + D \\
            m & t \ge W + S + D
        \end{cases}

    where :math:`d(p)` is :math:`1 - p` (``"linear"``),
    :math:`\frac{1}{2}(1 + \cos \pi p)` (``"cosine"``) or :math:`1 - \sqrt{p}`
    (``"1-sqrt"``).

    Compared with transformers' ``get_wsd_schedule`` (linear warmup, default
    ``num_cycles=0.5``): the same lrs bit for bit when ``min_lr_ratio`` is 0;
    with ``min_lr_ratio > 0`` transformers' warmup starts at ``m`` (its
    factor is ``m + (1 - m) * t / W``) while this one starts at 0; the other
    phases agree. transformers' ``warmup_type`` and ``num_cycles`` options
    are not offered.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        warmup_steps (int): Steps of the warmup; 0 for none.
        stable_steps (int): Steps at the base lr; 0 for none.
        decay_steps (int): Steps of the decay; positive.
        decay_type (str): ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
            Default: ``"cosine"``.
        min_lr_ratio (float): Final factor of the base lr, in [0, 1].
            Default: 0.0.
        last_epoch (int): The index of last epoch. Default: -1.

    Raises:
        ValueError: for negative phase lengths, ``decay_steps = 0`` (which
            transformers accepts, skipping the decay), an unknown
            ``decay_type`` or a ratio outside [0, 1].

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # step:  0     1      2     3     4     5       6      7       8     9
        >>> # lr:    0.0   0.05   0.1   0.1   0.1   0.0775  0.055  0.0325  0.01  0.01
        >>> scheduler = WarmupStableDecayLR(optimizer, 2, 2, 4, decay_type="linear", min_lr_ratio=0.1)
        >>> scheduler.get_last_lr(), scheduler.preview(9)[:, 0].round(4)
        ([0.0], array([0.05  , 0.1   , 0.1   , 0.1   , 0.0775, 0.055 , 0.0325, 0.01  ,
               0.01  ]))
    """

    warmup_steps: int
    stable_steps: int

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        warmup_steps: int,
        stable_steps: int,
        decay_steps: int,
        decay_type: WSDDecayType = "cosine",
        min_lr_ratio: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(**arguments_of(locals()))


class PiecewiseLinearLR(SwiftScheduler):
    r"""The base lr times a factor interpolated linearly between the points
    ``(milestones[i], factors[i])``; ``factors[0]`` before the first
    milestone, ``factors[-1]`` from the last one on.

    swiftlr's own: PyTorch has no such class (see the module docs).

    For :math:`m_i \le t < m_{i+1}`:

    .. math::
        \eta_t = \eta_{base} \left(f_i + (f_{i+1} - f_i) \frac{t - m_i}{m_{i+1} - m_i}\right)

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        milestones (list of int): Strictly increasing steps; at least one.
        factors (list of float): One non-negative factor per milestone.
        last_epoch (int): The index of last epoch. Default: -1.

    Raises:
        ValueError: for empty, unsorted or repeated milestones, a length
            mismatch, or negative or non-finite factors.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # step:  0     1      2     3       4      5       6      7
        >>> # lr:    0.0   0.05   0.1   0.0875  0.075  0.0625  0.05   0.05
        >>> scheduler = PiecewiseLinearLR(optimizer, milestones=[0, 2, 6], factors=[0.0, 1.0, 0.5])
        >>> scheduler.get_last_lr(), scheduler.preview(7)[:, 0].round(4)
        ([0.0], array([0.05  , 0.1   , 0.0875, 0.075 , 0.0625, 0.05  , 0.05  ]))
    """

    milestones: list[int]
    factors: list[float]

    def __init__(
        self, optimizer: SupportsParamGroups, milestones: Sequence[int], factors: Sequence[float], last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))
