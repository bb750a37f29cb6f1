"""`preview()` (in `_scheduler_base`): the lrs the next steps would set,
equal to stepping bit for bit, with no side effect, for every scheduler."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest
from scenarios import CASES, build, generate_cases, swiftlr_api

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler


def snapshot(scheduler: Any) -> Any:
    groups = [{k: v for k, v in g.items() if k != "params"} for g in scheduler.optimizer.param_groups]
    state = {k: v for k, v in scheduler.state_dict().items() if k != "_schedulers"}
    return pickle.dumps((groups, state, scheduler.get_last_lr()))


@pytest.mark.parametrize("name", sorted(CASES))
def test_preview_equals_stepping_and_changes_nothing(name: str) -> None:
    for case in generate_cases(name, 4, seed=11):
        steps = min(case["steps"], 120)
        optimizer, scheduler = build(case, swiftlr_api(), lr_scheduler)
        metrics = case.get("metrics")
        if case.get("epochs") is not None:
            continue  # explicit epochs are not "the next steps"
        before = snapshot(scheduler)
        kwargs = {"metrics": metrics[:steps]} if metrics is not None else {}
        lrs, momenta = scheduler.preview(steps, with_momentum=True, **kwargs)
        assert snapshot(scheduler) == before, "preview changed the scheduler or the optimizer"
        assert lrs.shape == (steps, len(optimizer.param_groups)) and lrs.dtype == np.float64
        optimizer.step()
        for k in range(steps):
            scheduler.step(metrics[k]) if metrics is not None else scheduler.step()
            assert lrs[k].tolist() == [float(g["lr"]) for g in optimizer.param_groups], (name, k)
            if momenta is not None:
                expected = [
                    float(g["betas"][0]) if "betas" in g else float(g["momentum"]) for g in optimizer.param_groups
                ]
                assert momenta[k].tolist() == expected


def test_momentum_only_where_it_cycles() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    _, momenta = lr_scheduler.StepLR(opt, step_size=2).preview(3, with_momentum=True)
    assert momenta is None
    cyc = lr_scheduler.OneCycleLR(
        optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1, momentum=0.9), max_lr=1.0, total_steps=20
    )
    _, momenta = cyc.preview(5, with_momentum=True)
    assert momenta is not None and momenta.shape == (5, 1) and momenta[0, 0] < 0.95


def test_preview_calls_user_functions_without_changing_them() -> None:
    calls: list[int] = []

    def factor(epoch: int) -> float:
        calls.append(epoch)
        return 0.5**epoch

    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=1.0)
    s = lr_scheduler.LambdaLR(opt, factor)
    calls.clear()
    assert s.preview(3)[:, 0].tolist() == [0.5, 0.25, 0.125]
    assert calls == [1, 2, 3] and s.last_epoch == 0 and opt.param_groups[0]["lr"] == 1.0


def test_preview_errors() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=1.0)
    s = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.raises(ValueError, match="non-negative integer"):
        s.preview(-1)
    with pytest.raises(TypeError, match="takes no metrics"):
        s.preview(2, metrics=[1.0, 2.0])
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match="needs the metric of each step"):
        plateau.preview(2)
    with pytest.raises(ValueError, match="metrics has 1 values for 2 steps"):
        plateau.preview(2, metrics=[1.0])
    assert s.preview(0).shape == (0, 1)


def test_preview_past_the_end_raises_like_stepping() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=1.0, momentum=0.9)
    s = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="Tried to step 6 times"):
        s.preview(6)
    assert s.last_epoch == 0


def test_deepcopy_is_independent() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=1.0)
    s = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    clone = copy.deepcopy(s)
    # The copied optimizer's step is its class's, not the wrapper (PyTorch's copies too).
    with pytest.warns(UserWarning, match="`optimizer.step\\(\\)` has been overridden"):
        clone.step()
    assert s.last_epoch == 0 and clone.last_epoch == 1
    assert opt.param_groups[0]["lr"] == 1.0 and clone.optimizer.param_groups[0]["lr"] == 0.5
