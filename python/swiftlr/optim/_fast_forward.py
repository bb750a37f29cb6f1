"""``scheduler.fast_forward(steps)``, which every scheduler has: ``steps``
calls of ``step()`` at once, with the same state and lrs bit for bit, for
resuming a run whose scheduler state was lost.

A swiftlr scheduler whose step takes nothing from Python runs it as one
native call (``NativeScheduler._fast_forward``: the Swift recurrence, ``steps``
times, then one write of the groups). Any other (a ReduceLROnPlateau, a
LambdaLR's lambdas, a composite, a user's subclass) steps in a loop here.
Either way no per-step warning is issued and a failure changes nothing.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

from swiftlr import _swiftlr
from swiftlr.optim import _resume_checks

__all__ = ["fast_forward"]

#: The per-step warnings a replay must not repeat (PyTorch's step-order warnings).
_STEP_WARNINGS = r"(Detected call of `lr_scheduler.step\(\)`|Seems like `optimizer.step\(\)` has been overridden)"


def fast_forward(self: Any, steps: int, *, metrics: Sequence[Any] | None = None) -> None:
    """Takes ``steps`` steps at once: the state, the lrs (and cycled momenta)
    are those of calling :meth:`step` ``steps`` times, bit for bit, without
    its per-step warnings. For resuming a run whose scheduler state was lost:
    build the scheduler as at the start, then ``fast_forward(done_steps)``.

    One native call for swiftlr's schedulers whose step takes nothing from
    Python (1e6 steps of StepLR in a few milliseconds); the others (user
    functions, a metric, composites, your subclasses) step in a loop. A
    failure at any step changes nothing.

    Args:
        steps (int): how many steps; 0 or more.
        metrics (sequence, optional): the metric of each step, for
            :class:`ReduceLROnPlateau` and composites with a plateau stage
            (required there, refused elsewhere). Default: None.

    Example:
        >>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)  # lr 0.1
        >>> scheduler.fast_forward(5)
        >>> scheduler.last_epoch, scheduler.get_last_lr()
        (5, [0.025])
    """
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps}")
    takes_metrics = getattr(self, "_step_kind", "lr") == "metric"
    if takes_metrics and metrics is None:
        raise TypeError(f"{type(self).__name__}.fast_forward needs the metric of each step: metrics=[...]")
    if not takes_metrics and metrics is not None:
        raise TypeError(f"{type(self).__name__}.fast_forward takes no metrics")
    if metrics is not None and len(metrics) != steps:
        raise ValueError(f"metrics has {len(metrics)} values for {steps} steps")
    if metrics is None and _is_native(self):
        self._fast_forward(steps)
        return
    _loop(self, steps, metrics)


def _is_native(scheduler: Any) -> bool:
    """Whether the C ``_fast_forward`` can run all the steps: a swiftlr scheduler without Python inputs."""
    from swiftlr.optim._swift_scheduler import SwiftScheduler

    return isinstance(scheduler, SwiftScheduler) and type(scheduler)._step_inputs is SwiftScheduler._step_inputs


def _loop(scheduler: Any, steps: int, metrics: Sequence[Any] | None) -> None:
    groups = scheduler.optimizer.param_groups
    saved_state = copy.deepcopy(scheduler.state_dict())
    saved_groups = [{k: _copy(v) for k, v in g.items() if k in ("lr", "momentum", "betas")} for g in groups]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _STEP_WARNINGS, UserWarning)
            for k in range(steps):
                if metrics is None:
                    scheduler.step()
                else:
                    scheduler.step(metrics[k])
    except BaseException:
        for group, old in zip(groups, saved_groups):
            for key, value in old.items():
                _swiftlr.write_group(group, key, value)
        with _resume_checks.unchecked():
            scheduler.load_state_dict(saved_state)
        raise


def _copy(value: Any) -> Any:
    return value.clone() if hasattr(value, "clone") else value
