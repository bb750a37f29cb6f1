"""``ReduceLROnPlateau``: lowers the learning rate when a metric stops improving."""

from __future__ import annotations

from typing import Any

from swiftlr import _swiftlr
from swiftlr._typing import PlateauMode, PlateauThresholdMode, SupportsParamGroups
from swiftlr.optim import _resume_checks
from swiftlr.optim._scheduler_base import _check_optimizer, _check_state_dict
from swiftlr.optim._swift_scheduler import OMIT, SwiftScheduler, _plain, arguments_of

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(SwiftScheduler):
    """Reduce learning rate when a metric has stopped improving.

    Models often benefit from reducing the learning rate by a factor of 2-10
    once learning stagnates. This scheduler reads a metric and, if no
    improvement is seen for ``patience`` epochs, reduces the learning rate.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        mode (str): One of ``min``, ``max``. In ``min`` mode, lr is reduced
            when the quantity monitored has stopped decreasing; in ``max``
            mode when it has stopped increasing. Default: 'min'.
        factor (float): Factor by which the learning rate is reduced:
            new_lr = lr * factor. Default: 0.1.
        patience (int): The number of allowed epochs with no improvement
            after which the learning rate is reduced. Default: 10.
        threshold (float): Threshold for measuring the new optimum, to only
            focus on significant changes. Default: 1e-4.
        threshold_mode (str): One of ``rel``, ``abs``. In ``rel`` mode the
            dynamic threshold is ``best * (1 + threshold)`` in ``max`` mode
            or ``best * (1 - threshold)`` in ``min`` mode; in ``abs`` mode
            ``best + threshold`` or ``best - threshold``. Default: 'rel'.
        cooldown (int): Number of epochs to wait before resuming normal
            operation after lr has been reduced. Default: 0.
        min_lr (float or list): A lower bound on the learning rate of all
            param groups or each group respectively. Default: 0.
        eps (float): Minimal decay applied to lr. If the difference between
            new and old lr is smaller than eps, the update is ignored.
            Default: 1e-8.
        sign_aware_threshold (bool, keyword-only): swiftlr's opt-in fix for
            negative metrics in ``rel`` mode. PyTorch's relative threshold
            ``best * (1 - threshold)`` moves the wrong way when ``best`` is
            negative (pytorch/pytorch#38622): in ``min`` mode a slightly
            *worse* negative loss then counts as an improvement, so the lr
            may never be reduced. The default (False) keeps PyTorch's
            behaviour bit for bit; True flips the factor for a negative
            ``best`` so that the margin always demands a real improvement
            (non-negative metrics are unaffected). Saved in the state dict
            only when True, so default state dicts match PyTorch's key for key.
            Default: False.

    Non-finite metrics do not raise: NaN is never an improvement, so it
    counts as a bad epoch; infinities compare as floats do.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr = 0.1 while the loss improves, 0.01 after 3 epochs without (patience=2)
        >>> scheduler = ReduceLROnPlateau(optimizer, "min", patience=2)
        >>> scheduler.preview(6, metrics=[1.0, 0.9, 0.9, 0.9, 0.9, 0.9])[:, 0]
        array([0.1 , 0.1 , 0.1 , 0.1 , 0.01, 0.01])

    ``step(metrics, epoch=None)``: one step with the epoch's metric (a float
    or anything ``float()`` takes, such as a zero-dim tensor); ``epoch`` is
    deprecated and sets ``last_epoch``.
    """

    # ``default_min_lr`` and ``min_lrs`` live in ``__dict__`` as PyTorch keeps
    # them (the values as given, a list the user may extend after
    # ``add_param_group``); the core holds float copies for stepping.
    _held_fields = ("default_min_lr", "min_lrs")
    _common_fields = ("last_epoch",)
    factor: float
    default_min_lr: float | None
    patience: int
    cooldown: int
    eps: float
    mode: str
    threshold: float
    threshold_mode: str
    mode_worse: float
    best: float
    cooldown_counter: int
    num_bad_epochs: int

    def __init__(
        self,
        optimizer: SupportsParamGroups,
        mode: PlateauMode = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: PlateauThresholdMode = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
        *,
        sign_aware_threshold: bool = False,
    ) -> None:
        # The core checks every argument in PyTorch's order (``factor`` before
        # the optimizer). Like PyTorch, this scheduler records no initial_lr
        # and takes no initial step.
        arguments = arguments_of(locals(), optimizer=OMIT)
        self._check_first(arguments)
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        config = _plain(arguments)
        config["base_lrs"] = [float(g["lr"]) for g in optimizer.param_groups]
        self._build_core(config)
        self._last_lr = [_lr_copy(g["lr"]) for g in optimizer.param_groups]
        if isinstance(min_lr, (list, tuple)):
            self.__dict__["default_min_lr"], self.__dict__["min_lrs"] = None, list(min_lr)
        else:
            self.__dict__["default_min_lr"], self.__dict__["min_lrs"] = min_lr, [min_lr] * len(optimizer.param_groups)

    _step_kind = "metric"  # step(metrics, epoch=None): the metric is the step's one input
    step = _swiftlr.NativeScheduler._step_metrics  # type: ignore[assignment]  # the C step, its own signature

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    @property
    def sign_aware_threshold(self) -> bool:
        """Whether the ``rel`` threshold follows the sign of ``best`` (see the class docs)."""
        return bool(self._core_get("sign_aware_threshold"))

    # step(metrics, epoch=None) is NativeScheduler's C method, as for every
    # swiftlr scheduler: `float(metrics)`, the deprecated epoch's warning and
    # the step, as one transaction; after param groups were added or removed
    # it hands the step to `_step_regrouping`.

    @property
    def min_lrs(self) -> list[Any]:
        """Each group's lower bound on the lr: PyTorch's list, which a user may
        extend (``min_lrs.append``) after adding a param group."""
        held: list[Any] = self.__dict__["min_lrs"]
        return held

    @min_lrs.setter
    def min_lrs(self, value: list[Any]) -> None:
        value = list(value)
        if len(value) == len(self._core_get("min_lrs")):
            self._core_update({"min_lrs": [float(v) for v in value]})
        self.__dict__["min_lrs"] = value

    def _reduces(self, current: float, epoch: Any) -> bool:
        """Whether a step with ``current`` reduces the lrs, found by stepping a
        copy of the core on stand-in groups (an lr of 1.0 always drops then)."""
        probe = self._core_copy()
        count = len(self._core_get("min_lrs"))
        probe._core_update({"min_lrs": [0.0] * count, "eps": 0.0})
        stand_ins = [{"lr": 1.0} for _ in range(count)]
        probe._core_step([current], epoch, stand_ins)
        return any(g["lr"] != 1.0 for g in stand_ins)

    def _step_regrouping(self, groups: list[Any], current: float, epoch: Any) -> list[Any] | tuple[Any, ...]:
        """A step after param groups were added or removed, with PyTorch's
        behaviour (pytorch/pytorch#104361): only a reduction reads ``min_lrs``;
        it extends a scalar ``min_lr`` to every group, uses a list the user
        extended, and with a list of another length raises PyTorch's
        RuntimeError (changing nothing). A reduction rebuilds the core for
        the new groups, keeping its state, once ``min_lrs`` fits them: it
        returns that core, unstepped, and the attributes that go with it,
        which the C step steps and adopts together (see ``regroup_step``).
        Otherwise returns the new ``_last_lr``; a failure changes nothing."""
        count, min_lrs = len(self._core_get("min_lrs")), self.min_lrs
        if len(min_lrs) != len(groups):
            if not self._reduces(current, epoch):
                # No lr changes: step the groups the core knows (stand-ins for removed ones).
                known = [*groups[:count], *({"lr": 0.0} for _ in range(count - len(groups)))]
                last: list[Any] = self._core_step([current], epoch, known)
                return last[: len(groups)] + [_lr_copy(g["lr"]) for g in groups[count:]]
            if self.default_min_lr is None:
                # PyTorch has counted the metric by then; here a failed step changes nothing.
                raise RuntimeError(
                    "The number of param groups in the `optimizer` "
                    f"({len(groups)}) differs "
                    f"from when `ReduceLROnPlateau` was initialized "
                    f"({len(min_lrs)}), usually due to a new "
                    "param group being added to the optimizer. Please "
                    "modify the `min_lrs` field to match the length "
                    "of the `optimizer` param groups."
                )
            min_lrs = [self.default_min_lr] * len(groups)
        state = {name: self._core_get(name) for name in self._state_fields + self._common_fields}
        state["sign_aware_threshold"] = self.sign_aware_threshold
        config = dict(self._core_config or {})
        config["base_lrs"] = [float(g["lr"]) for g in groups]
        config["min_lr"] = [float(v) for v in min_lrs]
        # Built aside: the C step steps it over the groups and, only then, adopts it.
        fresh = _swiftlr.NativeScheduler()
        fresh._init_core(self._kind, config, **self._core_options(config))
        fresh._core_update(state)
        return (fresh, {"min_lrs": min_lrs})

    def get_lr(self) -> list[float]:
        """PyTorch's ReduceLROnPlateau has no ``get_lr``: use :meth:`get_last_lr`."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state, with PyTorch's keys."""
        state = {"factor": self.factor, "default_min_lr": self.default_min_lr, "min_lrs": list(self.min_lrs)}
        state.update((name, self._core_get(name)) for name in self._state_fields[1:] + self._common_fields)
        state["_last_lr"] = self._last_lr
        if self.sign_aware_threshold:
            state["sign_aware_threshold"] = True
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a state saved by this scheduler or by PyTorch's ``ReduceLROnPlateau``.

        As PyTorch does, ``mode_worse`` is then recomputed from ``mode`` (by the core).
        """
        _check_state_dict(state_dict)
        held: dict[str, Any] = {k: state_dict[k] for k in ("default_min_lr", "min_lrs") if k in state_dict}
        names = set(self._state_fields + self._common_fields) | {"sign_aware_threshold"} | set(held)
        core_state = {k: _plain(v) for k, v in state_dict.items() if k in names}
        if "min_lrs" in held and len(held["min_lrs"]) != len(self._core_get("min_lrs")):
            # Saved with other param groups (PyTorch loads it as given): the core keeps its
            # bounds until the next reduction regroups; the values are still checked.
            for value in held["min_lrs"]:
                float(value)  # numbers all the same, as the core would check
            del core_state["min_lrs"]
        drift = _resume_checks.drift(self, state_dict, *self._drift_fields())
        if "min_lrs" in held:
            held["min_lrs"] = list(held["min_lrs"])
        members = {"_last_lr": state_dict["_last_lr"]} if "_last_lr" in state_dict else {}
        rest = {k: v for k, v in state_dict.items() if k not in names and k not in ("optimizer", "_last_lr")}
        # One commit (mode_worse follows mode in the core, as PyTorch's load recomputes it).
        self._core_load(core_state, members, {**rest, **held})
        _resume_checks.warn(drift)


def _lr_copy(value: Any) -> Any:
    return value.clone() if hasattr(value, "clone") else value
