"""PyTorch's checks of what the Swift core cannot see: the Python objects a
scheduler's constructor or step takes (user functions, the schedulers of a
composite, a metric), in PyTorch's order and words, in one place.

Every other argument is checked by the core, from its declaration
(``SchedulerArgument``), so no scheduler class checks anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

LrLambda = Callable[[int], float]


def lr_lambdas(optimizer: Any, lr_lambda: LrLambda | Sequence[LrLambda], *, callables: bool = False) -> list[LrLambda]:
    """One function per param group, as PyTorch spreads or checks them
    (``callables``: MultiplicativeLR's check that each one is callable)."""
    groups = len(optimizer.param_groups)
    if not isinstance(lr_lambda, list) and not isinstance(lr_lambda, tuple):
        functions = [cast(LrLambda, lr_lambda)] * groups
    elif len(lr_lambda) != groups:
        raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
    else:
        functions = list(lr_lambda)
    for fn in functions if callables else ():
        if not callable(fn):
            raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
    return functions


def composite_schedulers(
    owner: str, optimizer: Any, schedulers: Sequence[Any], purpose: str = "", milestones: Sequence[Any] | None = None
) -> None:
    """PyTorch's checks of a composite's schedulers (and of SequentialLR's
    ``milestones``: one fewer than the schedulers)."""
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler{purpose}, but got no scheduler.")
    for scheduler_idx, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {scheduler_idx} should have `optimizer` as its attribute.")
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but "
                f"got scheduler {scheduler.__class__.__name__} at index {scheduler_idx} has {scheduler.optimizer}, "
                f"which is different from {optimizer.__class__.__name__}."
            )
    if milestones is not None and len(milestones) != len(schedulers) - 1:
        raise ValueError(
            "Sequential Schedulers expects number of schedulers provided to be one more "
            f"than the number of milestone points, but got number of schedulers {len(schedulers)} and the "
            f"number of milestones to be equal to {len(milestones)}"
        )


def metric(metrics: Any) -> None:
    """A metric the plateau stages will take (``float(metrics)``), checked before anything steps."""
    try:
        float(metrics)
    except (TypeError, ValueError) as error:
        raise type(error)(f"metrics must be a number, got {metrics!r:.100} ({error})") from None
