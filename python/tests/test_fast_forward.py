"""``scheduler.fast_forward(steps)`` (``_fast_forward``, and the native
``_fast_forward`` of ``scheduler_step.c``): the same state, lrs and
momenta as ``step()`` that many times, bit for bit, for every scheduler of the
scenario catalogue (native and looped), tensor lrs live; no warning; bad input
and a failing step change nothing."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from conftest import make_optimizer
from scenarios import CASES, build, generate_cases, swiftlr_api, torch_api

from swiftlr.optim import lr_scheduler as ours
from swiftlr.optim._fast_forward import _is_native

SKIPPED_KINDS = {"epochs", "checkpoint"}  # explicit epochs replay step(epoch); checkpoints are for resumes


def _groups(optimizer: Any) -> list[tuple[float, ...]]:
    keys = ("lr", "momentum")
    return [
        tuple(float(g[k]) for k in keys if k in g) + tuple(map(float, g.get("betas", ())))
        for g in optimizer.param_groups
    ]


def _stepped_and_forwarded(case: dict[str, Any], api: Any) -> tuple[Any, Any]:
    stepped, forwarded = build(case, api, ours)[1], build(case, api, ours)[1]
    metrics = case.get("metrics")
    for k in range(case["steps"]):
        stepped.optimizer.step()
        if metrics is not None:
            stepped.step(metrics[k])
        else:
            stepped.step()
    forwarded.optimizer.step()  # as the stepped run did, so the step-order state is alike
    forwarded.fast_forward(case["steps"], metrics=metrics)
    return stepped, forwarded


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_stepping_for_every_scheduler(name: str) -> None:
    for case in generate_cases(name, 6, seed=7):
        case.pop("checkpoint", None)
        if "epochs" in case:
            continue
        stepped, forwarded = _stepped_and_forwarded(case, swiftlr_api())
        assert forwarded.state_dict() == stepped.state_dict(), case
        assert _groups(forwarded.optimizer) == _groups(stepped.optimizer), case
        assert forwarded.get_last_lr() == stepped.get_last_lr()


def test_tensor_lrs_equal_stepping(torch: Any) -> None:
    for dtype in ("float32", "bfloat16"):
        for name in ("StepLR", "OneCycleLR", "CosineAnnealingLR"):
            for case in generate_cases(name, 3, seed=1):
                case.pop("checkpoint", None)
                if "epochs" in case:
                    continue
                case["lr_dtype"] = dtype
                stepped, forwarded = _stepped_and_forwarded(case, torch_api())
                assert _groups(forwarded.optimizer) == _groups(stepped.optimizer), case
                assert [float(x) for x in forwarded.get_last_lr()] == [float(x) for x in stepped.get_last_lr()]


def test_native_for_swift_schedulers_looped_for_the_others() -> None:
    opt = make_optimizer([0.1])
    assert _is_native(ours.StepLR(opt, 3))
    assert _is_native(ours.CooldownLR(opt, 10))
    assert not _is_native(ours.LambdaLR(opt, lambda e: 0.9**e))
    assert not _is_native(ours.SequentialLR(opt, [ours.ExponentialLR(opt, 0.9)], milestones=[]))


def test_a_million_steps_and_no_warning() -> None:
    opt = make_optimizer([0.1, 0.2])
    scheduler = ours.StepLR(opt, step_size=100_000, gamma=0.5)
    scheduler.fast_forward(1_000_000)  # before any optimizer.step(): no step-order warning
    assert scheduler.last_epoch == 1_000_000 and scheduler._step_count == 1_000_001
    assert scheduler.get_last_lr() == [0.1 * 0.5**10, 0.2 * 0.5**10]


def test_cooldown_fast_forward_equals_its_formula() -> None:
    opt = make_optimizer([0.08])
    scheduler = ours.CooldownLR(opt, decay_steps=10, decay_type="1-sqrt", min_lr_ratio=0.1)
    scheduler.fast_forward(4)
    assert scheduler.get_last_lr() == [0.08 * (0.1 + (1 - 0.1) * (1 - np.sqrt(4 / 10)))]


def test_bad_input_and_a_failing_step_change_nothing() -> None:
    opt = make_optimizer([0.1])
    scheduler = ours.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    before, lrs = copy.deepcopy(scheduler.state_dict()), _groups(opt)
    for bad, error in [(-1, ValueError), (1.5, TypeError), (True, TypeError), (2**64, OverflowError)]:
        with pytest.raises(error):
            scheduler.fast_forward(bad)
    with pytest.raises(ValueError, match="Tried to step"):  # OneCycleLR past total_steps, at its 10th step
        scheduler.fast_forward(20)
    with pytest.raises(TypeError, match="takes no metrics"):
        scheduler.fast_forward(2, metrics=[1.0, 2.0])
    assert scheduler.state_dict() == before and _groups(opt) == lrs

    plateau = ours.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match="needs the metric"):
        plateau.fast_forward(3)
    with pytest.raises(ValueError, match="metrics has 2 values for 3 steps"):
        plateau.fast_forward(3, metrics=[1.0, 2.0])

    calls = []

    def fails_late(epoch: int) -> float:
        calls.append(epoch)
        if epoch == 5:
            raise ZeroDivisionError("lambda failed")
        return 0.9**epoch

    lam = ours.LambdaLR(opt, fails_late)
    before, lrs = copy.deepcopy(lam.state_dict()), _groups(opt)
    with pytest.raises(ZeroDivisionError):
        lam.fast_forward(8)
    assert lam.state_dict() == before and _groups(opt) == lrs


def test_user_subclass_loops() -> None:
    class Halving(ours.LRScheduler):
        def get_lr(self) -> list[float]:
            return [g["lr"] * 0.5 for g in self.optimizer.param_groups]

    opt = make_optimizer([1.0])
    scheduler = Halving(opt)
    scheduler.fast_forward(3)
    assert scheduler.last_epoch == 3 and opt.param_groups[0]["lr"] == 0.0625
