"""Schedulers that decay the lr by a rule of the epoch: step, multi-step,
constant, linear, exponential, polynomial and cosine annealing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from swiftlr._typing import SupportsParamGroups
from swiftlr.optim._swift_scheduler import SwiftScheduler, _plain, arguments_of

__all__ = [
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
]


class StepLR(SwiftScheduler):
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
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.05)
        >>> # lr = 0.05 for epochs 0-1, 0.005 for 2-3, 0.0005 for 4-5 (PyTorch's example: step_size=30)
        >>> scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
        >>> scheduler.preview(5)[:, 0]  # the lrs of epochs 1..5
        array([0.05  , 0.005 , 0.005 , 0.0005, 0.0005])
    """

    step_size: int
    gamma: float

    def __init__(
        self, optimizer: SupportsParamGroups, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))


def _core_milestones(milestones: Any) -> dict[str, Any]:
    """The core's two fields for PyTorch's milestones, a Counter ``{epoch:
    count}``: its epochs, ascending, and their counts.

    Takes any iterable of epochs (a repeated epoch counts again), or a Counter
    / dict ``{epoch: count}`` as PyTorch's state dicts hold them (keys may be
    strings, as after JSON; counts may be zero or negative, as PyTorch keeps
    them). The core checks that epochs and counts are integers: ``2.5`` is
    refused, not truncated (PyTorch would keep a milestone no epoch hits).
    """
    value = milestones if isinstance(milestones, dict) else _plain(milestones)
    if isinstance(value, list):
        value = Counter(value)
    if not isinstance(value, dict):
        return {"milestones": value}  # not a collection: the core says so
    counts = {int(k) if isinstance(k, str) and k.lstrip("-").isdigit() else k: c for k, c in _plain(value).items()}
    epochs = sorted(counts)
    return {"milestones": epochs, "milestone_counts": [counts[e] for e in epochs]}


class MultiStepLR(SwiftScheduler):
    """Decays the learning rate of each parameter group by gamma once the number of epoch reaches one of the milestones.

    Notice that such decay can happen simultaneously with other changes to the
    learning rate from outside this scheduler. When last_epoch=-1, sets
    initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        milestones (list): List of epoch indices. Must be increasing.
            A milestone listed ``n`` times decays by ``gamma ** n``.
        gamma (float): Multiplicative factor of learning rate decay.
            Default: 0.1.
        last_epoch (int): The index of last epoch. Default: -1.

    ``milestones`` is a :class:`collections.Counter` as in PyTorch (so state
    dicts load in either library, zero and negative counts included), and the
    Swift core holds it as one: ``Counter({5: 2 * 10**7})`` costs one entry. It
    may be set from a Counter, a dict ``{epoch: count}`` or a list of epochs.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.05)
        >>> # lr = 0.05 before epoch 2, 0.005 from 2, 0.0005 from 5
        >>> scheduler = MultiStepLR(optimizer, milestones=[2, 5], gamma=0.1)
        >>> scheduler.preview(6)[:, 0]  # epochs 1..6
        array([0.05  , 0.005 , 0.005 , 0.005 , 0.0005, 0.0005])
    """

    # milestone_counts is the core's half of the Counter: not a state_dict key.
    gamma: float

    def __init__(
        self, optimizer: SupportsParamGroups, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        super().__init__(optimizer, last_epoch, **_core_milestones(milestones), gamma=gamma)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The base gives a subclass a core property for each field it does not
        # define itself (the torch flavour too): milestones stay the Counter.
        own = "milestones" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not own:
            cls.milestones = MultiStepLR.milestones  # type: ignore[method-assign]

    @property
    def milestones(self) -> Counter[int]:
        """The milestones, as PyTorch's Counter ``{epoch: count}``."""
        return Counter(dict(zip(self._core_get("milestones"), self._core_get("milestone_counts"))))

    @milestones.setter
    def milestones(self, value: Any) -> None:
        self._core_update(_core_milestones(value))

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        del state["milestone_counts"]
        state["milestones"] = self.milestones
        return state

    def _core_state(self, state_dict: dict[str, Any]) -> dict[str, Any]:
        state = super()._core_state(state_dict)
        if "milestones" in state_dict:
            state.update(_core_milestones(state_dict["milestones"]))
        return state


class ConstantLR(SwiftScheduler):
    """Multiply the learning rate of each parameter group by a small constant factor.

    The multiplication is done until the number of epoch reaches a pre-defined
    milestone: total_iters. Notice that such multiplication of the small
    constant factor can happen simultaneously with other changes to the
    learning rate from outside this scheduler. When last_epoch=-1, sets
    initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        factor (float): The number we multiply learning rate until the
            milestone. Default: 1./3.
        total_iters (int): The number of steps that the scheduler multiplies
            the learning rate by the factor. Default: 5.
        last_epoch (int): The index of the last epoch. Default: -1.

    Raises:
        ValueError: if ``factor`` is outside [0, 1] (PyTorch's check), or is 0
            (PyTorch accepts 0, then raises ZeroDivisionError at total_iters).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.05)
        >>> # lr = 0.025 for epochs 0-2, 0.05 from epoch 3
        >>> scheduler = ConstantLR(optimizer, factor=0.5, total_iters=3)
        >>> scheduler.get_last_lr(), scheduler.preview(4)[:, 0]
        ([0.025], array([0.025, 0.025, 0.05 , 0.05 ]))
    """

    factor: float
    total_iters: int

    def __init__(
        self, optimizer: SupportsParamGroups, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))


class LinearLR(SwiftScheduler):
    """Decays the learning rate of each parameter group by linearly changing small multiplicative factor.

    The multiplication is done until the number of epoch reaches a pre-defined
    milestone: total_iters. Notice that such decay can happen simultaneously
    with other changes to the learning rate from outside this scheduler. When
    last_epoch=-1, sets initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        start_factor (float): The number we multiply learning rate in the
            first epoch. The multiplication factor changes towards end_factor
            in the following epochs. Default: 1./3.
        end_factor (float): The number we multiply learning rate at the end
            of linear changing process. Default: 1.0.
        total_iters (int): The number of iterations that multiplicative factor
            reaches to 1. Default: 5.
        last_epoch (int): The index of the last epoch. Default: -1.

    Raises:
        ValueError: for factors outside PyTorch's ranges (PyTorch's wording),
            and for ``total_iters=0`` (PyTorch accepts it, then raises
            ZeroDivisionError in the closed form used by ``step(epoch)``).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.05)
        >>> # lr = 0.0025 at epoch 0, rising linearly to 0.05 at epoch 4
        >>> scheduler = LinearLR(optimizer, start_factor=0.05, total_iters=4)
        >>> scheduler.get_last_lr(), scheduler.preview(5)[:, 0]
        ([0.0025000000000000005], array([0.014375, 0.02625 , 0.038125, 0.05    , 0.05    ]))
    """

    start_factor: float
    end_factor: float
    total_iters: int

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(**arguments_of(locals()))


class ExponentialLR(SwiftScheduler):
    """Decays the learning rate of each parameter group by gamma every epoch.

    When last_epoch=-1, sets initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        gamma (float): Multiplicative factor of learning rate decay.
        last_epoch (int): The index of last epoch. Default: -1.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr = 0.1 * 0.95 ** epoch, as a running product
        >>> scheduler = ExponentialLR(optimizer, gamma=0.95)
        >>> scheduler.preview(3)[:, 0]
        array([0.095    , 0.09025  , 0.0857375])
    """

    gamma: float

    def __init__(self, optimizer: SupportsParamGroups, gamma: float, last_epoch: int = -1) -> None:
        super().__init__(**arguments_of(locals()))


class PolynomialLR(SwiftScheduler):
    """Decays the learning rate of each parameter group using a polynomial function in the given total_iters.

    When last_epoch=-1, sets initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        total_iters (int): The number of steps that the scheduler decays the
            learning rate. Default: 5.
        power (float): The power of the polynomial. Default: 1.0.
        last_epoch (int): The index of the last epoch. Default: -1.

    Raises:
        ValueError: for ``total_iters=0`` (PyTorch divides by zero in the
            closed form) and a negative ``power`` (PyTorch raises
            ZeroDivisionError computing ``0.0 ** power`` at total_iters).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.001)
        >>> # lr = 0.001, 0.00075, 0.0005, 0.00025, then 0.0 from epoch 4
        >>> scheduler = PolynomialLR(optimizer, total_iters=4, power=1.0)
        >>> scheduler.preview(5)[:, 0]
        array([0.00075, 0.0005 , 0.00025, 0.     , 0.     ])
    """

    total_iters: int
    power: float

    def __init__(
        self, optimizer: SupportsParamGroups, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))


class CosineAnnealingLR(SwiftScheduler):
    r"""Set the learning rate of each parameter group using a cosine annealing schedule.

    The learning rate is updated recursively, as in PyTorch:

    .. math::
        \eta_{t+1} = \eta_{\min} + (\eta_t - \eta_{\min}) \cdot
        \frac{1 + \cos\left(\frac{(T_{cur}+1) \pi}{T_{max}}\right)}
            {1 + \cos\left(\frac{T_{cur} \pi}{T_{max}}\right)}

    approximating the closed form (used by the deprecated ``step(epoch)``)
    :math:`\eta_t = \eta_{\min} + \frac{1}{2}(\eta_{\max} - \eta_{\min})
    (1 + \cos(T_{cur} \pi / T_{max}))`, without restarts.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        T_max (int): Maximum number of iterations.
        eta_min (float): Minimum learning rate. Default: 0.
        last_epoch (int): The index of the last epoch. Default: -1.

    Raises:
        ValueError: for ``T_max=0`` (PyTorch accepts it, then raises
            ZeroDivisionError at the first step).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr = 0.1 at epoch 0, 0.0505 at 2, 0.001 at 4 (past T_max the cosine goes on, as in PyTorch)
        >>> scheduler = CosineAnnealingLR(optimizer, T_max=4, eta_min=0.001)
        >>> scheduler.preview(5)[:, 0]
        array([0.08550179, 0.0505    , 0.01549821, 0.001     , 0.01549821])
    """

    T_max: int
    eta_min: float

    def __init__(self, optimizer: SupportsParamGroups, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        super().__init__(**arguments_of(locals()))
