"""``_scheduler_checks``: PyTorch's checks of the Python objects a scheduler
takes (user functions, a composite's schedulers, a metric), called directly:
PyTorch's words and order, and what a passing call returns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import _scheduler_checks as checks
from swiftlr.optim.lr_scheduler import ExponentialLR


def test_lr_lambdas_spreads_one_function_and_keeps_a_list() -> None:
    opt = make_optimizer([0.1, 0.2, 0.3])
    assert checks.lr_lambdas(opt, abs) == [abs, abs, abs]
    assert checks.lr_lambdas(opt, (abs, round, float)) == [abs, round, float]


def test_lr_lambdas_checks_the_count_then_callables_only_when_asked() -> None:
    opt = make_optimizer([0.1, 0.2])
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 3$"):
        checks.lr_lambdas(opt, [abs, abs, 5], callables=True)  # type: ignore[list-item]
    assert checks.lr_lambdas(opt, 5) == [5, 5]  # type: ignore[arg-type]  # LambdaLR: PyTorch checks nothing
    with pytest.raises(TypeError, match="^lr_lambda should be a function, but got int$"):
        checks.lr_lambdas(opt, [abs, 5], callables=True)  # type: ignore[list-item]


def test_composite_schedulers_in_pytorchs_order_and_words() -> None:
    opt, other = make_optimizer(), make_optimizer()
    first, stray = ExponentialLR(opt, 0.9), ExponentialLR(other, 0.9)
    with pytest.raises(ValueError, match="^ChainedScheduler expects at least one scheduler to be chained, but got"):
        checks.composite_schedulers("ChainedScheduler", opt, [], " to be chained")
    with pytest.raises(TypeError, match=re.escape("SequentialLR at index 1 should have `optimizer` as its attribute.")):
        checks.composite_schedulers("SequentialLR", opt, [first, object()], milestones=[])
    with pytest.raises(
        ValueError, match="^SequentialLR expects all schedulers to belong to the same optimizer, but got"
    ):
        checks.composite_schedulers("SequentialLR", opt, [first, stray], milestones=[2, 3])
    # The schedulers first, then the milestones: one fewer than the schedulers.
    with pytest.raises(ValueError, match="number of schedulers 2 and the number of milestones to be equal to 2$"):
        checks.composite_schedulers("SequentialLR", opt, [first, first], milestones=[2, 3])
    checks.composite_schedulers("SequentialLR", opt, [first, first], milestones=[2])
    checks.composite_schedulers("ChainedScheduler", opt, [first], " to be chained")


@pytest.mark.parametrize(("value", "error"), [("fast", ValueError), (None, TypeError), ([1.0], TypeError)])
def test_metric_must_convert_to_float(value: Any, error: type) -> None:
    with pytest.raises(error, match="^metrics must be a number, got "):
        checks.metric(value)
    checks.metric(0.5)
    checks.metric(3)
