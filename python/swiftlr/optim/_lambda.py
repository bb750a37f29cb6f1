"""Schedulers driven by user functions of the epoch: ``LambdaLR`` and
``MultiplicativeLR``.

The functions run here, in Python; each step hands their values at the epoch
it goes to (one per param group) to the Swift core as step inputs, and the
core applies PyTorch's rule. State dicts follow PyTorch: plain functions and
lambdas are not saved (``None``), callable objects keep their ``__dict__``.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from swiftlr._typing import SupportsParamGroups
from swiftlr.optim import _scheduler_checks
from swiftlr.optim._scheduler_base import _check_saved_callables, _check_state_dict
from swiftlr.optim._scheduler_checks import LrLambda
from swiftlr.optim._swift_scheduler import SwiftScheduler

__all__ = ["LambdaLR", "MultiplicativeLR"]


class _LambdaScheduler(SwiftScheduler):
    """What both user-function schedulers share: factors as step inputs, a
    failed user function that changes nothing, PyTorch's state dict."""

    lr_lambdas: list[LrLambda]

    def _factors(self, epoch: Any) -> list[float]:
        return [float(fn(epoch)) for fn in self.lr_lambdas]

    def _step_inputs(self, epoch: Any) -> list[float]:
        return self._factors(self.last_epoch + 1 if epoch is None else epoch)

    def get_lr(self) -> list[float]:
        """PyTorch's ``get_lr()``: the rule at the current ``last_epoch``, calling
        the user functions there (on a copy of the core, so nothing changes)."""
        if not self._get_lr_called_within_step:
            super().get_lr()  # PyTorch's warning; the value is recomputed below
        groups = [{"lr": float(g["lr"])} for g in self.optimizer.param_groups]
        epoch = self.last_epoch
        lrs: list[float] = self._core_copy()._core_step(self._step_inputs(epoch), epoch, groups)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state. The functions are saved only if they are
        callable objects (their ``__dict__``), not plain functions or lambdas."""
        state = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        state["lr_lambdas"] = [None] * len(self.lr_lambdas)
        for idx, fn in enumerate(self.lr_lambdas):
            if not isinstance(fn, types.FunctionType):
                state["lr_lambdas"][idx] = fn.__dict__.copy()
        return state

    def _load_state(self, state_dict: dict[str, Any], attributes: dict[str, Any], updates: tuple[Any, ...]) -> None:
        """Loads the scheduler's state; saved callable objects get their
        ``__dict__`` back, in the same commit. ``state_dict`` itself is left unchanged."""
        _check_state_dict(state_dict)
        # KeyError when missing, as in PyTorch.
        lr_lambdas = _check_saved_callables(self.lr_lambdas, state_dict["lr_lambdas"], "lr_lambdas")
        own = tuple((self.lr_lambdas[i].__dict__, dict(fn)) for i, fn in enumerate(lr_lambdas) if fn is not None)
        state = {k: v for k, v in state_dict.items() if k != "lr_lambdas"}
        super()._load_state(state, attributes, updates + own)


class LambdaLR(_LambdaScheduler):
    """Sets the learning rate of each parameter group to the initial lr times a given function.

    When last_epoch=-1, sets initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        lr_lambda (function or list): A function which computes a
            multiplicative factor given an integer parameter epoch, or a list
            of such functions, one for each group in optimizer.param_groups.
        last_epoch (int): The index of last epoch. Default: -1.

    The functions run in Python; their values (as floats) go to the Swift
    core, which computes ``base_lr * factor``.

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr = 0.1 * 0.5 ** (epoch // 2): the function's factor times the base lr
        >>> scheduler = LambdaLR(optimizer, lr_lambda=lambda epoch: 0.5 ** (epoch // 2))
        >>> scheduler.preview(5)[:, 0]
        array([0.1  , 0.05 , 0.05 , 0.025, 0.025])
    """

    def __init__(
        self, optimizer: SupportsParamGroups, lr_lambda: LrLambda | Sequence[LrLambda], last_epoch: int = -1
    ) -> None:
        self.lr_lambdas = _scheduler_checks.lr_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)


class MultiplicativeLR(_LambdaScheduler):
    """Multiply the learning rate of each parameter group by the factor given in the specified function.

    When last_epoch=-1, set initial lr as lr.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        lr_lambda (function or list): A function of the epoch (an int)
            giving the factor that multiplies the current lr at each step, or
            a list of such functions, one for each group in
            optimizer.param_groups.
        last_epoch (int): The index of last epoch. Default: -1.

    As in PyTorch, the functions are not called on the constructor's initial
    step, and ``step(epoch)`` multiplies the current lrs by their values at
    ``epoch`` (there is no closed form).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # lr = 0.1 * 0.5 ** epoch, as a running product
        >>> scheduler = MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.5)
        >>> scheduler.preview(3)[:, 0]
        array([0.05  , 0.025 , 0.0125])
    """

    def __init__(
        self, optimizer: SupportsParamGroups, lr_lambda: LrLambda | Sequence[LrLambda], last_epoch: int = -1
    ) -> None:
        self.lr_lambdas = _scheduler_checks.lr_lambdas(optimizer, lr_lambda, callables=True)
        super().__init__(optimizer, last_epoch)

    def _step_inputs(self, epoch: Any) -> list[float]:
        # PyTorch leaves the lrs as they are on the initial step; x * 1.0 == x exactly.
        if self._is_initial:
            return [1.0] * len(self.lr_lambdas)
        return super()._step_inputs(epoch)
