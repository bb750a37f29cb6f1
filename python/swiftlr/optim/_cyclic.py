"""Schedulers that cycle the learning rate and momentum: ``CyclicLR`` and
``OneCycleLR`` (``CosineAnnealingWarmRestarts`` is in ``_warm_restarts.py``)."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

from swiftlr import _swiftlr
from swiftlr._typing import (
    CyclicMode,
    CyclicScaleMode,
    OneCycleAnnealStrategy,
    SupportsParamGroups,
)
from swiftlr.optim._checkpoint_compat import CyclicCompat, OneCycleCompat
from swiftlr.optim._scheduler_base import _check_saved_callables, _check_state_dict
from swiftlr.optim._swift_scheduler import OMIT, SwiftScheduler, arguments_of, per_group

__all__ = ["CyclicLR", "OneCycleLR"]

_MOMENTUM_ERROR = "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"


class _CyclesMomentum:
    """What CyclicLR and OneCycleLR share: cycling an optimizer's momentum,
    or ``betas[0]`` for an optimizer with betas (PyTorch's ``use_beta1``)."""

    use_beta1: bool

    def _prepare(self, optimizer: SupportsParamGroups, arguments: dict[str, Any]) -> None:
        # Before the core is built: the C step needs to know where momenta go.
        if arguments["cycle_momentum"]:
            self.use_beta1 = "betas" in getattr(optimizer, "defaults", {})

    def _start_momenta(self, optimizer: SupportsParamGroups, arguments: dict[str, Any], last_epoch: int) -> None:
        """PyTorch's check that the optimizer has a momentum (after the core's
        checks, as in PyTorch), then its setup of a new scheduler: each group
        starts at its max momentum and records both bounds."""
        if not arguments["cycle_momentum"]:
            return
        defaults = getattr(optimizer, "defaults", {})
        if "momentum" not in defaults and "betas" not in defaults:
            raise ValueError(_MOMENTUM_ERROR)
        if last_epoch != -1:
            return
        max_momentums = per_group(optimizer, arguments["max_momentum"])
        base_momentums = per_group(optimizer, arguments["base_momentum"])
        for m_momentum, b_momentum, group in zip(max_momentums, base_momentums, optimizer.param_groups):
            _swiftlr.write_group(group, "beta1" if self.use_beta1 else "momentum", m_momentum)
            group["max_momentum"] = m_momentum
            group["base_momentum"] = b_momentum


def _momentum_key(scheduler: Any, config: dict[str, Any]) -> str | None:
    """Where the C step writes cycled momenta: None when momentum does not cycle."""
    if not config["cycle_momentum"]:
        return None
    return "betas" if scheduler.__dict__.get("use_beta1", False) else "momentum"


class CyclicLR(_CyclesMomentum, CyclicCompat, SwiftScheduler):
    r"""Sets the learning rate of each parameter group according to the
    cyclical learning rate policy (CLR), cycling between two boundaries with a
    constant frequency (`Cyclical Learning Rates for Training Neural Networks`).

    Call :meth:`step` after every batch. Policies: ``"triangular"`` (no
    amplitude scaling), ``"triangular2"`` (the amplitude halves each cycle)
    and ``"exp_range"`` (the amplitude scales by ``gamma**iteration``).

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        base_lr (float or list): Initial learning rate, the lower boundary of
            the cycle for each parameter group.
        max_lr (float or list): Upper learning rate boundaries in the cycle.
        step_size_up (int): Training iterations in the increasing half of a
            cycle. Default: 2000.
        step_size_down (int): Training iterations in the decreasing half of a
            cycle; None sets it to step_size_up. Default: None.
        mode (str): One of {triangular, triangular2, exp_range}; ignored when
            scale_fn is given. Default: 'triangular'.
        gamma (float): Constant in 'exp_range': gamma**(cycle iterations).
            Default: 1.0.
        scale_fn (function): Custom scaling policy, a one-argument function
            with 0 <= scale_fn(x) <= 1 for all x >= 0; replaces mode.
            Evaluated in Python once per step. Default: None.
        scale_mode (str): {'cycle', 'iterations'}: whether scale_fn is
            evaluated on the cycle number or on the iteration. Default: 'cycle'.
        cycle_momentum (bool): If True, momentum (or beta1 of ``betas``) is
            cycled inversely to the lr between 'base_momentum' and
            'max_momentum'. Default: True.
        base_momentum (float or list): Lower momentum boundaries. Default: 0.8.
        max_momentum (float or list): Upper momentum boundaries. Default: 0.9.
        last_epoch (int): The index of the last batch. Default: -1.

    Raises:
        ValueError: if ``step_size_up`` is not positive or ``step_size_down``
            is negative (PyTorch accepts them, then divides by zero or yields
            meaningless lrs).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr: 0.01, 0.0325, 0.055, 0.0775, 0.1, 0.0775, ... (step_size_up=4)
        >>> scheduler = CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=4)
        >>> scheduler.get_last_lr(), scheduler.preview(5)[:, 0]
        ([0.01], array([0.0325, 0.055 , 0.0775, 0.1   , 0.0775]))
    """

    _tensor_base_lrs = False  # PyTorch's base_lrs are the base_lr argument's values
    max_lrs: list[float]
    total_size: float
    step_ratio: float
    mode: str
    gamma: float
    scale_mode: str
    cycle_momentum: bool
    base_momentums: list[float]
    max_momentums: list[float]

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: CyclicMode = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: CyclicScaleMode = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        self._scale_fn_custom = scale_fn
        super().__init__(**arguments_of(locals(), scale_fn=OMIT, custom_scale_fn=scale_fn is not None))
        # As in PyTorch: the initial step ran from the groups' initial_lr,
        # the schedule then runs from base_lr.
        self.base_lrs = [float(lr) for lr in per_group(optimizer, base_lr)]

    def _write_groups(self, optimizer: SupportsParamGroups, arguments: dict[str, Any], last_epoch: int) -> None:
        if last_epoch == -1:
            for lr, group in zip(per_group(optimizer, arguments["base_lr"]), optimizer.param_groups):
                _swiftlr.write_group(group, "lr", lr)
        self._start_momenta(optimizer, arguments, last_epoch)

    def scale_fn(self, x: Any) -> float:
        """The scaling policy at ``x`` (a cycle number or an iteration)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        scale: float = _swiftlr.cyclic_scale(self.mode, self.gamma, x)
        return scale

    def _core_options(self, config: dict[str, Any]) -> dict[str, Any]:
        return {"python_inputs": self._scale_fn_custom is not None, "momentum_key": _momentum_key(self, config)}

    def _step_inputs(self, epoch: float | None) -> Sequence[float] | None:
        """The user's ``scale_fn`` at the coming step, evaluated as PyTorch does."""
        if self._scale_fn_custom is None:
            return None
        step = self.last_epoch + 1 if epoch is None else epoch
        if self.scale_mode == "cycle":
            return [float(self._scale_fn_custom(_swiftlr.cyclic_cycle(self.total_size, step)))]
        return [float(self._scale_fn_custom(step))]

    def state_dict(self) -> dict[str, Any]:
        """The state, with PyTorch's keys. ``scale_fn`` is saved only as the
        ``__dict__`` of a callable object, never as a function or lambda."""
        state = super().state_dict()
        if not self.cycle_momentum:
            state.pop("base_momentums", None)
            state.pop("max_momentums", None)
        fn = state.pop("_scale_fn_custom", None)
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def _load_state(self, state_dict: dict[str, Any], attributes: dict[str, Any], updates: tuple[Any, ...]) -> None:
        """Loads a state saved by this scheduler or PyTorch's ``CyclicLR``."""
        _check_state_dict(state_dict)
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom", None)
        if self._scale_fn_custom is None:
            fn = None  # PyTorch ignores a saved scale_fn state without a scale_fn
        else:
            (fn,) = _check_saved_callables([self._scale_fn_custom], [fn], "_scale_fn_custom")
        own = () if fn is None else ((self._scale_fn_custom.__dict__, dict(fn)),)
        super()._load_state(state, attributes, updates + own)


class OneCycleLR(_CyclesMomentum, OneCycleCompat, SwiftScheduler):
    r"""Sets the learning rate of each parameter group according to the 1cycle
    policy: from an initial lr up to a maximum, then down to a minimum much
    lower than the initial one (`Super-Convergence`). Call :meth:`step`
    after every batch; not chainable.

    The number of steps comes from ``total_steps`` or, when it is None, from
    ``epochs * steps_per_epoch``. Stepping past it raises ValueError.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        max_lr (float or list): Upper learning rate boundaries in the cycle
            for each parameter group.
        total_steps (int): The total number of steps in the cycle. Default: None.
        epochs (int): The number of epochs to train for. Default: None.
        steps_per_epoch (int): The number of steps per epoch. Default: None.
        pct_start (float): The fraction of the cycle spent increasing the lr.
            Default: 0.3.
        anneal_strategy (str): {'cos', 'linear'}. Default: 'cos'.
        cycle_momentum (bool): If True, momentum (or beta1) is cycled
            inversely to the lr between 'base_momentum' and 'max_momentum'.
            Default: True.
        base_momentum (float or list): Lower momentum boundaries. Default: 0.85.
        max_momentum (float or list): Upper momentum boundaries. Default: 0.95.
        div_factor (float): initial_lr = max_lr / div_factor. Default: 25.
        final_div_factor (float): min_lr = initial_lr / final_div_factor.
            Default: 1e4.
        three_phase (bool): If True, a third phase annihilates the lr
            according to final_div_factor, and the first two phases are
            symmetrical about pct_start. Default: False.
        last_epoch (int): The index of the last batch. Default: -1.

    Like PyTorch, sets ``initial_lr``, ``max_lr`` and ``min_lr`` (and, when
    cycling momentum, ``max_momentum`` and ``base_momentum``) in every param
    group, and reads them back at each step.

    Where a phase is empty (e.g. ``pct_start=1.0`` at the last step) PyTorch
    raises ZeroDivisionError; swiftlr raises ValueError("float division by zero").

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # 10 steps: lr rises from 0.004 to 0.1 over 3 steps, then anneals to 4e-7
        >>> scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
        >>> scheduler.get_last_lr(), scheduler.preview(9)[:, 0].round(7)
        ([0.0040000000000000036], array([5.20000e-02, 1.00000e-01, 9.50485e-02, 8.11746e-02, 6.11262e-02,
               3.88742e-02, 1.88258e-02, 4.95190e-03, 4.00000e-07]))
    """

    total_steps: int
    _anneal_func_type: str
    cycle_momentum: bool

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: OneCycleAnnealStrategy = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(**arguments_of(locals()))

    def _write_groups(self, optimizer: SupportsParamGroups, arguments: dict[str, Any], last_epoch: int) -> None:
        """PyTorch's writes: each group's ``initial_lr``, ``max_lr`` and
        ``min_lr`` (the core computes the two bounds) and, when momentum
        cycles, its starting momentum and both momentum bounds."""
        if last_epoch == -1:
            values = self._core_get("group_values")
            keys = _swiftlr.scheduler_group_inputs(self._kind, arguments["cycle_momentum"])  # the core's layout
            for i, (group, max_lr) in enumerate(zip(optimizer.param_groups, per_group(optimizer, arguments["max_lr"]))):
                mine = dict(zip(keys, values[i * len(keys) : (i + 1) * len(keys)]))
                group["initial_lr"], group["min_lr"] = mine["initial_lr"], mine["min_lr"]
                group["max_lr"] = max_lr  # as given, as PyTorch writes it
        self._start_momenta(optimizer, arguments, last_epoch)

    @property
    def _schedule_phases(self) -> list[dict[str, Any]]:
        """PyTorch's phase table, from the core's phase end steps."""
        ends = self._core_get("phase_end_steps")
        if len(ends) == 3:
            keys = [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                ("initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            keys = [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        # PyTorch's last end is `total_steps - 1`, an int (the core's double rounds it past 2**53); the others are floats.
        last, total = ends[-1], self.total_steps - 1
        ends = [*ends[:-1], total if float(total) == last else int(last) if float(last).is_integer() else last]
        return [
            {"end_step": end, "start_lr": k[0], "end_lr": k[1], "start_momentum": k[2], "end_momentum": k[3]}
            for end, k in zip(ends, keys)
        ]

    @_schedule_phases.setter
    def _schedule_phases(self, phases: list[dict[str, Any]]) -> None:
        self._core_update({"phase_end_steps": _phase_ends(phases)})

    def _core_options(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**super()._core_options(config), "momentum_key": _momentum_key(self, config)}

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["_schedule_phases"] = self._schedule_phases
        return state

    _derived_keys = ("_schedule_phases",)

    def _core_state(self, state_dict: dict[str, Any]) -> dict[str, Any]:
        state = super()._core_state(state_dict)
        if "_schedule_phases" in state_dict:
            state["phase_end_steps"] = _phase_ends(state_dict["_schedule_phases"])
        return state


def _phase_ends(phases: Any) -> list[float]:
    """The end steps of PyTorch's ``_schedule_phases`` (a list of dicts)."""
    if not isinstance(phases, (list, tuple)) or not all(isinstance(p, dict) and "end_step" in p for p in phases):
        raise TypeError("_schedule_phases must be a list of dicts with an 'end_step'")
    return [float(p["end_step"]) for p in phases]
