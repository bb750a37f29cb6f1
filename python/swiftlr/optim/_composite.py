"""Schedulers made of schedulers: ``SequentialLR`` and ``ChainedScheduler``.

They hold Python scheduler objects (swiftlr's, or any with PyTorch's
protocol) and only decide which of them steps when; the learning-rate math is
the sub-schedulers'. Constructors, checks, error messages and state dicts
(``_schedulers`` as a list of the sub-schedulers' state dicts) are PyTorch
2.15's.

Beyond PyTorch (which refuses them, pytorch/pytorch#68978), a stage may be a
``ReduceLROnPlateau``: ``step(metrics)`` reaches it. Such a composite is built
as a subclass (``_MetricSequentialLR``, ``_MetricChainedScheduler``, named as
the class the user called) that frameworks take for a ReduceLROnPlateau
(over a torch optimizer it is also ``torch.optim.lr_scheduler.ReduceLROnPlateau``),
so Lightning's ``monitor`` and transformers' Trainer pass it the metric.
"""

from __future__ import annotations

import warnings
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from swiftlr import _swiftlr
from swiftlr._typing import SupportsParamGroups
from swiftlr.optim import _resume_checks, _scheduler_checks
from swiftlr.optim._scheduler_base import LRScheduler, _check_state_dict, _restore_groups_on_error

__all__ = ["SequentialLR", "ChainedScheduler"]


def _is_plateau(scheduler: Any) -> bool:
    """Whether ``scheduler`` is a ReduceLROnPlateau, swiftlr's or PyTorch's
    (not a composite that frameworks take for one)."""
    return not hasattr(scheduler, "_schedulers") and any(
        cls.__name__ == "ReduceLROnPlateau" for cls in type(scheduler).__mro__
    )


def _takes_metrics(scheduler: Any) -> bool:
    """Whether ``scheduler.step`` takes the metric: a plateau, or a composite with a plateau stage."""
    return _is_plateau(scheduler) or isinstance(scheduler, _MetricStages)


def _missing_metrics() -> TypeError:
    # PyTorch's words when ReduceLROnPlateau.step() gets no metric.
    return TypeError("ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'")


def _restart_plateau(scheduler: Any) -> None:
    """A plateau stage at its milestone: PyTorch's fresh ReduceLROnPlateau
    state (``_reset()``, ``last_epoch`` 0) over the lrs the groups hold."""
    scheduler.best = scheduler.mode_worse
    scheduler.cooldown_counter = 0
    scheduler.num_bad_epochs = 0
    scheduler.last_epoch = 0
    scheduler._last_lr = _lr_list(scheduler.optimizer)


def _lr_list(optimizer: Any) -> list[Any]:
    return [g["lr"].clone() if hasattr(g["lr"], "clone") else g["lr"] for g in optimizer.param_groups]


def _reset_lrs(optimizer: Any) -> None:
    """Every group's lr back to its ``initial_lr`` (tensors filled in place)."""
    for group in optimizer.param_groups:
        _swiftlr.write_group(group, "lr", group["initial_lr"])


def _metric_class(cls: type, schedulers: Any) -> type:
    """The class a composite constructor builds: its metric-taking subclass when a stage takes a metric."""
    if cls not in _METRIC_CLASSES or not isinstance(schedulers, (list, tuple)):
        return cls
    return _METRIC_CLASSES[cls] if any(_takes_metrics(s) for s in schedulers) else cls


class _CompositeState:
    """PyTorch's composite state dict: ``__dict__`` without the optimizer, the
    sub-schedulers as a list of their own state dicts."""

    _schedulers: Sequence[Any]

    def state_dict(self) -> dict[str, Any]:
        """The state, with the wrapped schedulers' states under ``_schedulers``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads the state and each wrapped scheduler's; ``state_dict`` is left unchanged.

        Args:
            state_dict (dict): scheduler state, as returned by :meth:`state_dict`.
        """
        _check_state_dict(state_dict)
        schedulers = state_dict["_schedulers"]  # KeyError when missing, as in PyTorch
        if not isinstance(schedulers, (list, tuple)) or len(schedulers) != len(self._schedulers):
            raise ValueError(
                f"state_dict['_schedulers'] must be a list of {len(self._schedulers)} scheduler states, "
                f"got {schedulers!r:.100}"
            )
        # All or nothing: a wrapped scheduler that rejects its state rolls back
        # the ones loaded before it, and this object's own attributes.
        own = dict(self.__dict__)
        saved = [s.state_dict() for s in self._schedulers]
        drift = _resume_checks.drift(self, state_dict, ("_milestones",), own)
        try:
            self.__dict__.update({k: v for k, v in state_dict.items() if k not in ("_schedulers", "optimizer")})
            with _resume_checks.in_composite():  # their hyperparameters, not their last lrs
                for idx, s in enumerate(schedulers):
                    self._schedulers[idx].load_state_dict(s)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(own)
            with _resume_checks.unchecked():
                for scheduler, state in zip(self._schedulers, saved):
                    scheduler.load_state_dict(state)
            raise
        _resume_checks.warn(drift)


class SequentialLR(_CompositeState, LRScheduler):
    """Contains a list of schedulers expected to be called sequentially during the optimization process.

    Specifically, the schedulers will be called according to the milestone
    points, which should provide exact intervals by which each scheduler
    should be called at a given epoch. At each milestone the next scheduler
    starts from its epoch 0 (its closed form there).

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        schedulers (list): List of chained schedulers.
        milestones (list): List of integers that reflects milestone points.
        last_epoch (int): The index of last epoch. Default: -1.
        fast_forward (bool, keyword-only): swiftlr's fix for PyTorch issue
            #162591. Default: False, PyTorch's behaviour: with
            ``last_epoch=N`` PyTorch sets ``last_epoch`` to ``N + 1`` and
            starts the first scheduler at its epoch 0 whatever ``N`` is, so a
            resumed schedule restarts. With True and ``N >= 0`` the schedule
            is built fresh and stepped ``N`` times, so the lrs and every
            scheduler's state are those of epoch ``N`` (and ``last_epoch`` is
            ``N``).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=1.0)
        >>> # lr = 0.1 for epochs 0-1 (ConstantLR), then 1.0 * 0.9 ** (epoch - 2) (ExponentialLR)
        >>> scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=2)
        >>> scheduler2 = ExponentialLR(optimizer, gamma=0.9)
        >>> scheduler = SequentialLR(optimizer, schedulers=[scheduler1, scheduler2], milestones=[2])
        >>> scheduler.preview(4)[:, 0].round(6)
        array([0.1 , 1.  , 0.9 , 0.81])

        Warmup, then plateau:

        >>> warmup = LinearLR(optimizer, start_factor=0.1, total_iters=2)
        >>> plateau = ReduceLROnPlateau(optimizer, patience=1)
        >>> scheduler = SequentialLR(optimizer, [warmup, plateau], milestones=[2])
        >>> scheduler.preview(6, metrics=[1.0, 0.5, 0.5, 0.5, 0.5, 0.5])[:, 0].round(6)
        array([0.55, 1.  , 1.  , 1.  , 0.1 , 0.1 ])
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        schedulers = kwargs.get("schedulers", args[1] if len(args) > 1 else None)
        return super().__new__(_metric_class(cls, schedulers), *args, **kwargs)

    @_restore_groups_on_error
    def __init__(
        self,
        optimizer: SupportsParamGroups,
        schedulers: list[Any],
        milestones: list[int],
        last_epoch: int = -1,
        *,
        fast_forward: bool = False,
    ) -> None:
        _scheduler_checks.composite_schedulers(self.__class__.__name__, optimizer, schedulers, milestones=milestones)
        replay = fast_forward and last_epoch >= 0
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = (-1 if replay else last_epoch) + 1
        self.optimizer = optimizer

        # Reset learning rates back to initial values
        _reset_lrs(self.optimizer)

        # "Undo" the step performed by other schedulers
        self.recursive_undo()

        # Perform the initial step for only the scheduler meant to run at step 0.
        idx = bisect_right(self._milestones, 0)
        if _is_plateau(self._schedulers[idx]):
            _restart_plateau(self._schedulers[idx])
        else:
            self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()
        if replay:
            # Replayed steps come before any optimizer.step(): not the misuse that warning is for.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step\\(\\)`", UserWarning)
                for _ in range(last_epoch):
                    self.step()

    def recursive_undo(self, sched: Any = None) -> None:
        """Recursively undo any step performed by the initialization of schedulers."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self, *metrics: Any) -> None:
        """Perform a step; ``step(metrics)`` when a stage is a ReduceLROnPlateau."""
        metric = _one_metric(self, metrics)
        epoch = self.last_epoch + 1
        idx = bisect_right(self._milestones, epoch)
        scheduler = self._schedulers[idx]
        starts = idx > 0 and self._milestones[idx - 1] == epoch
        takes = _takes_metrics(scheduler) and not (starts and _is_plateau(scheduler))
        if takes and metric is None:
            raise _missing_metrics()
        self.last_epoch = epoch
        try:
            if starts and _is_plateau(scheduler):
                _reset_lrs(self.optimizer)
                _restart_plateau(scheduler)
            elif starts:
                scheduler._update_lr(0)
            elif takes:
                scheduler.step(metric)
            else:
                scheduler.step()
        except BaseException:
            self.last_epoch = epoch - 1
            raise
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_CompositeState, LRScheduler):
    """Chains a list of learning rate schedulers.

    Takes in a sequence of chainable learning rate schedulers and calls their
    step() functions consecutively in just one call to step().

    Args:
        schedulers (sequence): sequence of chained schedulers.
        optimizer (Optimizer, optional): Wrapped optimizer. Default: None.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=1.0)
        >>> # both step at every step: 0.1, 0.09, 0.81 (ConstantLR ends), then 0.9 times the last lr
        >>> scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=2)
        >>> scheduler2 = ExponentialLR(optimizer, gamma=0.9)
        >>> scheduler = ChainedScheduler([scheduler1, scheduler2], optimizer=optimizer)
        >>> scheduler.get_last_lr(), scheduler.preview(3)[:, 0].round(6)
        ([0.1], array([0.09 , 0.81 , 0.729]))

    A scheduler in the chain may be a :class:`ReduceLROnPlateau` (PyTorch
    refuses one): then ``step(metrics)`` passes the metric to it (and
    ``step()`` raises PyTorch's TypeError for the missing metric, changing
    nothing), as the loop written by hand calls ``plateau.step(metrics)``.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__new__(_metric_class(cls, kwargs.get("schedulers", args[0] if args else None)), *args, **kwargs)

    def __init__(self, schedulers: Sequence[Any], optimizer: SupportsParamGroups | None = None) -> None:
        optimizer = optimizer or (schedulers[0].optimizer if len(schedulers) else None)
        _scheduler_checks.composite_schedulers(self.__class__.__name__, optimizer, schedulers, " to be chained")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _lr_list(self._schedulers[-1].optimizer)

    def step(self, *metrics: Any) -> None:
        """Perform a step; ``step(metrics)`` when a scheduler in the chain is a ReduceLROnPlateau."""
        metric = _one_metric(self, metrics)
        if metric is None and isinstance(self, _MetricStages):
            raise _missing_metrics()
        # Each scheduler's step is all-or-nothing; the chain's is too: when one
        # raises (a user lambda, a division by zero PyTorch raises too), the
        # schedulers and the groups are put back.
        groups = self.optimizer.param_groups
        saved_groups = _saved_groups(groups)
        saved = [_saved(s) for s in self._schedulers]
        try:
            for scheduler in self._schedulers:
                if _takes_metrics(scheduler):
                    scheduler.step(metric)
                else:
                    scheduler.step()
        except BaseException:
            for scheduler, state in zip(self._schedulers, saved):
                _restore(scheduler, state)
            _restore_groups(groups, saved_groups)
            raise
        self._last_lr = _lr_list(self._schedulers[-1].optimizer)


def _saved(scheduler: Any) -> Any:
    """The state of ``scheduler`` for ``_restore``: a swiftlr scheduler's core
    and step bookkeeping; a Python scheduler's (PyTorch's, a user's, a
    composite's) ``__dict__``, whose entries a step rebinds rather than
    mutates, with its stages'."""
    if isinstance(scheduler, _swiftlr.NativeScheduler):
        return scheduler._core_save()
    return dict(scheduler.__dict__), [_saved(s) for s in getattr(scheduler, "_schedulers", ())]


def _restore(scheduler: Any, state: Any) -> None:
    if isinstance(scheduler, _swiftlr.NativeScheduler):
        scheduler._core_restore(state)
        return
    attributes, stages = state
    scheduler.__dict__.clear()
    scheduler.__dict__.update(attributes)
    for stage, stage_state in zip(getattr(scheduler, "_schedulers", ()), stages):
        _restore(stage, stage_state)


def _saved_groups(groups: Any) -> tuple[list[dict[str, Any]], list[tuple[int, float]]]:
    """Each group's entries, and the values of tensor lrs (a step fills them in place)."""
    entries, tensors = [], []
    for i, group in enumerate(groups):
        entries.append(dict(group))
        lr = group.get("lr")
        if type(lr) is not float and hasattr(lr, "fill_"):
            tensors.append((i, float(lr)))
    return entries, tensors


def _restore_groups(groups: Any, saved: tuple[list[dict[str, Any]], list[tuple[int, float]]]) -> None:
    entries, tensors = saved
    for group, old in zip(groups, entries):
        group.clear()
        group.update(old)
    for i, lr in tensors:
        _swiftlr.write_group(groups[i], "lr", lr)


def _one_metric(composite: Any, metrics: tuple[Any, ...]) -> Any:
    """The metric of ``composite.step(*metrics)``: None when not given; checked."""
    takes = isinstance(composite, _MetricStages)
    if len(metrics) > int(takes):
        raise TypeError(
            f"{type(composite).__name__}.step() takes {1 + int(takes)} positional argument"
            f"{'s' if takes else ''} but {1 + len(metrics)} were given"
        )
    if not metrics or metrics[0] is None:
        return None
    _scheduler_checks.metric(metrics[0])
    return metrics[0]


class _MetricStages:
    """A composite with a stage that takes a metric: frameworks step it as a
    ReduceLROnPlateau (``isinstance``), and ``preview`` asks for metrics."""

    #: PyTorch classes its torch flavour also derives from (swiftlr/_torch.py).
    _torch_also = ("ReduceLROnPlateau",)
    _step_kind = "metric"


class _MetricSequentialLR(_MetricStages, SequentialLR):
    __doc__ = SequentialLR.__doc__


class _MetricChainedScheduler(_MetricStages, ChainedScheduler):
    __doc__ = ChainedScheduler.__doc__


_MetricSequentialLR.__name__ = "SequentialLR"
_MetricChainedScheduler.__name__ = "ChainedScheduler"
_METRIC_CLASSES: dict[type, type] = {SequentialLR: _MetricSequentialLR, ChainedScheduler: _MetricChainedScheduler}
