"""PyTorch's ``LRScheduler`` protocol, which every scheduler shares: the
initial step, the step-order warnings, ``state_dict``, ``preview``.

Two kinds of scheduler sit on :class:`LRScheduler`:

* user subclasses that implement ``get_lr()`` in Python, exactly as with
  PyTorch; their state lives in ``__dict__``;
* swiftlr's own schedulers (:class:`~swiftlr.optim._swift_scheduler.SwiftScheduler`,
  in ``_swift_scheduler.py``), whose rule and state live in the Swift core.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any
from weakref import ref

from swiftlr import _swiftlr
from swiftlr._torch import flavour as _flavour
from swiftlr._typing import SupportsParamGroups
from swiftlr.optim import _fast_forward, _resume_checks

__all__ = ["LRScheduler", "EPOCH_DEPRECATION_WARNING"]

#: PyTorch's warning text; the C step, which owns PyTorch's step protocol
#: (user subclasses' steps warn through ``_swiftlr.warn_step``), holds it.
EPOCH_DEPRECATION_WARNING: str = _swiftlr.EPOCH_DEPRECATION_WARNING


def _lr_value(value: Any) -> Any:
    """A copy of a group's lr: floats as they are, tensors cloned (PyTorch's rule)."""
    return value.clone() if hasattr(value, "clone") else value


def _check_state_dict(state_dict: Any) -> None:
    """Every ``load_state_dict`` starts here: a clear TypeError for a non-dict."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")


def _check_optimizer(optimizer: Any) -> None:
    """Any object with PyTorch-style ``param_groups`` will do: swiftlr's or torch's optimizers."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _check_saved_callables(callables: Sequence[Any], saved: Any, key: str) -> list[dict[str, Any] | None]:
    """Checks the saved state of user callables (``lr_lambdas``, ``scale_fn``:
    each callable object's ``__dict__``, None for a function) before a load
    changes anything; returns it as a list, one entry per callable."""
    if not isinstance(saved, (list, tuple)) or len(saved) != len(callables):
        raise ValueError(f"state_dict[{key!r}] must be a list of {len(callables)} entries, got {saved!r:.100}")
    for idx, (fn, state) in enumerate(zip(callables, saved)):
        if state is not None and (not isinstance(state, dict) or not hasattr(fn, "__dict__")):
            raise TypeError(
                f"state_dict[{key!r}][{idx}] must be None or the __dict__ of a callable object, "
                f"got {type(state).__name__} for {type(fn).__name__}"
            )
    return list(saved)


def _check_last_epoch(last_epoch: Any) -> None:
    if isinstance(last_epoch, bool) or not isinstance(last_epoch, int):
        raise TypeError(f"last_epoch must be an int, got {type(last_epoch).__name__}")


def _patch_track_step_called(optimizer: Any) -> None:
    """Wraps ``optimizer.step`` to record that it ran (PyTorch issue #20124)."""
    step = getattr(optimizer, "step", None)
    if step is None or hasattr(step, "_wrapped_by_lr_sched") or not hasattr(step, "__func__"):
        return
    opt_ref = ref(optimizer)
    func = step.__func__

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opt = opt_ref()
        opt._opt_called = True  # type: ignore[union-attr]
        return func.__get__(opt, opt.__class__)(*args, **kwargs)

    wrapper._wrapped_by_lr_sched = True  # type: ignore[attr-defined]
    optimizer.step = wrapper


def _restore_groups_on_error(init: Callable[..., None]) -> Callable[..., None]:
    """Wraps a scheduler constructor so that, if it raises, every param group
    gets its old entries back: a failed constructor changes nothing.

    Needed only where a constructor writes the groups and something can still
    fail after: ``LRScheduler``'s and ``SwiftScheduler``'s (their writes,
    ``initial_lr`` and CyclicLR's, OneCycleLR's and SWALR's keys, come
    before the initial step, which runs user code: ``get_lr``, ``lr_lambda``,
    a signal handler), SequentialLR's (its stages' initial steps), and a
    user's subclass (its own code after ``super().__init__``). swiftlr's own
    scheduler classes end in ``SwiftScheduler.__init__`` (one copy of the
    groups per construction); ReduceLROnPlateau and ChainedScheduler write
    no group."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        # The optimizer: the first argument, or `optimizer=` (ChainedScheduler's second).
        optimizer = kwargs.get("optimizer", args[0] if args else None)
        groups = getattr(optimizer, "param_groups", None)
        saved = [dict(g) for g in groups] if isinstance(groups, list) else None
        try:
            init(self, *args, **kwargs)
        except BaseException:
            if saved is not None and isinstance(groups, list) and len(groups) == len(saved):
                for group, old in zip(groups, saved):
                    group.clear()
                    group.update(old)
            raise

    wrapper._restores_groups = True  # type: ignore[attr-defined]
    return wrapper


class LRScheduler:
    r"""Base class for all learning rate schedulers (PyTorch's ``LRScheduler``).

    Subclass it and implement :meth:`get_lr` to write a scheduler in Python;
    swiftlr's own schedulers derive from :class:`SwiftScheduler` instead.

    Args:
        optimizer (Optimizer): the optimizer whose learning rates this
            scheduler adjusts: swiftlr's, PyTorch's, or any object with
            ``param_groups``.
        last_epoch (int): index of the last epoch seen. ``-1`` starts a new
            schedule; other values resume one and need ``initial_lr`` in
            every param group. Default: -1.
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        # swiftlr's own classes say where they need it (see _restore_groups_on_error).
        own = cls.__module__.startswith("swiftlr.")
        if init is not None and not own and not getattr(init, "_restores_groups", False):
            cls.__init__ = _restore_groups_on_error(init)  # type: ignore[method-assign]

    def __new__(cls, *args: Any, **kwargs: Any) -> LRScheduler:
        # Over a torch optimizer, also PyTorch's class of the same name (swiftlr/_torch.py).
        return super().__new__(_flavour(cls, args, kwargs))

    @_restore_groups_on_error
    def __init__(self, optimizer: SupportsParamGroups, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        _check_last_epoch(last_epoch)
        base_lrs = self._attach(optimizer, last_epoch)
        self.base_lrs = base_lrs
        self.last_epoch = last_epoch
        self._finish_init()

    # MARK: construction, shared with SwiftScheduler

    def _attach(self, optimizer: Any, last_epoch: int) -> list[Any]:
        """Records ``initial_lr`` and returns the base lrs of an optimizer the
        constructor has checked (once, before anything else reads it)."""
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _lr_value(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming scheduler "
                        "with last_epoch >= 0.\n"
                        "This typically happens when:\n"
                        "1. You're trying to resume training from a checkpoint but haven't properly loaded "
                        "the optimizer state\n"
                        "2. You're using last_epoch >= 0 for a fresh training run (not recommended)"
                    )
        return [_lr_value(group["initial_lr"]) for group in optimizer.param_groups]

    def _finish_init(self) -> None:
        _patch_track_step_called(self.optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        """Initializes the step count and performs the first step."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    # MARK: the PyTorch API

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads the scheduler's state.

        Args:
            state_dict (dict): scheduler state, as returned by :meth:`state_dict`.
        """
        _check_state_dict(state_dict)
        drift = _resume_checks.drift(self, state_dict, (), {})  # swiftlr's check of _last_lr
        self.__dict__.update(state_dict)
        _resume_checks.warn(drift)

    def get_last_lr(self) -> list[Any]:
        """The learning rates of the last step, one per param group."""
        return self._last_lr

    def get_lr(self) -> list[Any]:
        """Computes the learning rates of the current epoch (implemented by subclasses)."""
        raise NotImplementedError

    # MARK: fast-forward (swiftlr's; _fast_forward.py)

    fast_forward = _fast_forward.fast_forward

    # MARK: preview

    def preview(self, steps: int, *, metrics: Sequence[float] | None = None, with_momentum: bool = False) -> Any:
        """The learning rates the next ``steps`` calls of :meth:`step` would set.

        Nothing changes: not this scheduler, not the optimizer, not
        :meth:`get_last_lr`. The steps run on a copy of the scheduler and of
        the optimizer's param groups (parameters and optimizer state are
        shared, never written), so the preview is stepping itself: the same
        Swift rule, bit for bit. User functions (``lr_lambda``) are called.

        Args:
            steps (int): how many steps to look ahead.
            metrics (sequence of float, optional): the metric of each step,
                for :class:`ReduceLROnPlateau` (required there, refused
                elsewhere). Default: None.
            with_momentum (bool): also return the momenta of a scheduler that
                cycles them. Default: False.

        Returns:
            numpy.ndarray: float64, shape ``(steps, len(param_groups))``: row
            ``k`` holds the lrs after the ``k+1``-th next step. With
            ``with_momentum``, a pair ``(lrs, momenta)``, where ``momenta`` is
            an array of the same shape, or None when momentum does not cycle.

        Example:
            >>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)  # lr 0.1
            >>> scheduler.preview(4)[:, 0]
            array([0.1  , 0.05 , 0.05 , 0.025])
        """
        import numpy as np

        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
        takes_metrics = getattr(self, "_step_kind", "lr") == "metric"
        if takes_metrics and metrics is None:
            raise TypeError(
                f"{type(self).__name__}.preview needs the metric of each step: preview(steps, metrics=[...])"
            )
        if not takes_metrics and metrics is not None:
            raise TypeError(f"{type(self).__name__}.preview takes no metrics")
        if metrics is not None and len(metrics) < steps:
            raise ValueError(f"metrics has {len(metrics)} values for {steps} steps")
        shadow = self._shadow()
        groups = shadow.optimizer.param_groups
        lrs = np.empty((steps, len(groups)), dtype=np.float64)
        cycles = bool(getattr(self, "cycle_momentum", False))
        momenta = np.empty_like(lrs) if with_momentum and cycles else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the step-order warning means nothing here
            for k in range(steps):
                if metrics is not None:
                    shadow.step(metrics[k])
                else:
                    shadow.step()
                lrs[k] = [float(g["lr"]) for g in groups]
                if momenta is not None:
                    momenta[k] = [float(g["betas"][0]) if "betas" in g else float(g["momentum"]) for g in groups]
        return (lrs, momenta) if with_momentum else lrs

    def _shadow(self) -> Any:
        """A deep copy of this scheduler and its optimizer's param groups that
        shares the parameters and the optimizer state (read, never written)."""
        memo: dict[int, Any] = {}
        optimizer = self.optimizer
        state = getattr(optimizer, "state", None)
        if state is not None:
            memo[id(state)] = state
        for group in optimizer.param_groups:
            for param in group.get("params", ()):
                memo[id(param)] = param
        return copy.deepcopy(self, memo)

    def step(self, epoch: int | None = None) -> None:
        """Steps the scheduler: call it after ``optimizer.step()``.

        Args:
            epoch (int, optional): deprecated; sets ``last_epoch`` to ``epoch``
                and uses the closed form where there is one.
        """
        # The C step's warnings (one owner of PyTorch's protocol; the C step runs the rest for swiftlr's own).
        _swiftlr.warn_step(self.optimizer, self._step_count, epoch)
        self._step_count += 1
        try:
            self._update_lr(epoch)
        except BaseException:
            self._step_count -= 1  # a failed step changes nothing
            raise

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            _swiftlr.write_group(group, "lr", lr)
        self._last_lr = [_lr_value(group["lr"]) for group in self.optimizer.param_groups]
