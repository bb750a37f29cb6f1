"""``CooldownLR`` (``_cooldown``): it decays from the groups' current lrs,
equals transformers' ``get_wsd_schedule`` decay bit for bit (committed
reference values, ``reference/generate_wsd.py``; live in the frameworks
suite), restarts from the current lrs as a SequentialLR stage, round-trips its
state, and refuses bad arguments without changing anything."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import lr_scheduler as ours

WSD = json.loads((Path(__file__).parent / "reference" / "transformers" / "get_wsd_schedule.json").read_text())


def lrs_of(scheduler: Any, steps: int) -> list[list[float]]:
    out = [[float(g["lr"]) for g in scheduler.optimizer.param_groups]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        out.append([float(g["lr"]) for g in scheduler.optimizer.param_groups])
    return out


def cooldown_from_wsd_start(case: dict[str, Any]) -> list[list[float]]:
    """A CooldownLR built where transformers' schedule starts decaying: the groups hold their base lrs."""
    opt = make_optimizer(case["lrs"])
    scheduler = ours.CooldownLR(opt, case["decay"], decay_type=case["decay_type"], min_lr_ratio=case["min_lr_ratio"])
    return lrs_of(scheduler, case["decay"] + 5)


@pytest.mark.parametrize("index", range(len(WSD["cases"])))
def test_equals_transformers_wsd_decay(index: int) -> None:
    case = WSD["cases"][index]
    start = case["warmup"] + case["stable"]
    assert cooldown_from_wsd_start(case) == case["lrs_by_step"][start:]


def test_decays_from_the_current_lr_not_initial_lr() -> None:
    opt = make_optimizer([1.0])
    warmup = ours.LinearLR(opt, 0.1, total_iters=10)
    for _ in range(3):
        opt.step()
        warmup.step()
    current = opt.param_groups[0]["lr"]
    assert current != opt.param_groups[0]["initial_lr"]
    cooldown = ours.CooldownLR(opt, decay_steps=4)
    assert cooldown.base_lrs == [current] and cooldown.get_last_lr() == [current]
    assert lrs_of(cooldown, 5)[1:] == [[current * f] for f in (0.75, 0.5, 0.25, 0.0, 0.0)]


def test_cosine_and_one_minus_sqrt_formulas() -> None:
    for decay_type, d in (
        ("cosine", lambda p: 0.5 * (1 + math.cos(math.pi * p))),
        ("1-sqrt", lambda p: 1 - math.sqrt(p)),
    ):
        opt = make_optimizer([0.3])
        scheduler = ours.CooldownLR(opt, decay_steps=7, decay_type=decay_type, min_lr_ratio=0.2)
        expected = [[0.3 * (0.2 + (1 - 0.2) * d(k / 7))] for k in range(7)] + [[0.3 * 0.2]] * 3
        assert lrs_of(scheduler, 9) == expected


def test_last_stage_of_sequential_starts_from_the_lrs_then() -> None:
    opt = make_optimizer([1.0])
    warmup = ours.LinearLR(opt, 0.5, total_iters=4)
    decay = ours.ExponentialLR(opt, 0.9)
    cooldown = ours.CooldownLR(opt, decay_steps=5)
    scheduler = ours.SequentialLR(opt, [warmup, decay, cooldown], milestones=[4, 8])
    lrs = lrs_of(scheduler, 12)
    at_milestone = lrs[7][0]  # what the groups held when the cooldown started
    assert lrs[8] == [at_milestone] and cooldown.base_lrs == [at_milestone]
    assert lrs[9:] == [[at_milestone * f] for f in (0.8, 0.6, 0.4)] + [[at_milestone * 0.19999999999999996]]


def test_state_dict_round_trip_after_resuming() -> None:
    opt = make_optimizer([0.5, 0.05])
    scheduler = ours.CooldownLR(opt, decay_steps=10, decay_type="cosine", min_lr_ratio=0.1)
    lrs_of(scheduler, 4)
    state = scheduler.state_dict()
    assert state["base_lrs"] == [0.5, 0.05] and state["decay_type"] == "cosine"
    fresh_opt = make_optimizer([0.5, 0.05])
    for group, old in zip(fresh_opt.param_groups, opt.param_groups):
        group["lr"] = old["lr"]  # the optimizer's state dict, loaded
    resumed = ours.CooldownLR(fresh_opt, decay_steps=10, decay_type="cosine", min_lr_ratio=0.1)
    resumed.load_state_dict(state)
    assert lrs_of(resumed, 8) == lrs_of(scheduler, 8)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"decay_steps": 0}, "decay_steps must be a positive integer, got 0"),
        ({"decay_steps": 5, "decay_type": "exp"}, "Unknown decay type: exp"),
        ({"decay_steps": 5, "min_lr_ratio": 1.5}, "min_lr_ratio"),
    ],
)
def test_bad_arguments_change_nothing(kwargs: dict[str, Any], match: str) -> None:
    opt = make_optimizer([0.1])
    before = [dict(g) for g in opt.param_groups]
    with pytest.raises(ValueError, match=match):
        ours.CooldownLR(opt, **kwargs)
    assert opt.param_groups == before
