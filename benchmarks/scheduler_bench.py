"""The cost of one `scheduler.step()` with 4 param groups, each scheduler
driving its own library's SGD: swiftlr against PyTorch, and against the same
rule written by hand in Python (what a numpy user without a library writes)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from timing import best_of_interleaved

import swiftlr
from swiftlr import optim

GROUPS = 4
STEPS_PER_CALL = 2000


def _groups(param: Callable[[], Any]) -> list[dict[str, Any]]:
    return [{"params": [param()], "lr": 0.1 * (i + 1)} for i in range(GROUPS)]


# name -> (constructor kwargs, takes a metric, a hand-written Python step)
CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "StepLR": ({"step_size": 30, "gamma": 0.9}, False),
    "CosineAnnealingLR": ({"T_max": 10**9, "eta_min": 1e-5}, False),
    "OneCycleLR": ({"max_lr": 1.0, "total_steps": 10**9}, False),
    "ReduceLROnPlateau": ({"patience": 5}, True),
}


def python_step(name: str, groups: list[dict[str, Any]]) -> Callable[[], None]:
    """The schedule's rule by hand, in Python, writing the same groups."""
    state = {"t": 0, "best": math.inf, "bad": 0}
    base = [g["lr"] for g in groups]
    if name == "StepLR":

        def step() -> None:
            state["t"] += 1
            if state["t"] % 30 == 0:
                for g in groups:
                    g["lr"] *= 0.9
    elif name == "CosineAnnealingLR":

        def step() -> None:
            state["t"] += 1
            c = 0.5 * (1 + math.cos(math.pi * state["t"] / 1e9))
            for g, b in zip(groups, base):
                g["lr"] = 1e-5 + (b - 1e-5) * c
    elif name == "OneCycleLR":

        def step() -> None:
            state["t"] += 1
            pct = state["t"] / (0.3 * 1e9)
            for g in groups:
                g["lr"] = 0.04 + (1.0 - 0.04) * pct
                g["momentum"] = 0.95 - 0.1 * pct
    else:

        def step() -> None:
            metric = 1.0
            if metric < state["best"]:
                state["best"], state["bad"] = metric, 0
            else:
                state["bad"] += 1
            if state["bad"] > 5:
                state["bad"] = 0
                for g in groups:
                    g["lr"] = max(g["lr"] * 0.1, 0.0)

    return step


def _loop(step: Callable[..., None], metric: bool) -> Callable[[], None]:
    if metric:

        def run() -> None:
            for _ in range(STEPS_PER_CALL):
                step(1.0)
    else:

        def run() -> None:
            for _ in range(STEPS_PER_CALL):
                step()

    return run


def run(torch: Any, rounds: int) -> list[dict[str, Any]]:
    rows = []
    for name, (kwargs, metric) in CASES.items():
        if not hasattr(optim.lr_scheduler, name):
            rows.append({"label": f"{name}.step()", "missing": True})
            continue
        ours_opt = optim.SGD(_groups(lambda: swiftlr.Parameter(np.zeros(1))), lr=0.1, momentum=0.9)
        ours = getattr(optim.lr_scheduler, name)(ours_opt, **kwargs)
        ours_opt.step()
        contenders = {"swiftlr": _loop(ours.step, metric)}
        hand_groups = _groups(lambda: None)
        for g in hand_groups:
            g["momentum"] = 0.9
        contenders["python"] = _loop(python_step(name, hand_groups), False)
        if torch is not None:
            topt = torch.optim.SGD(_groups(lambda: torch.nn.Parameter(torch.zeros(1))), lr=0.1, momentum=0.9)
            theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
            topt.step()  # as a training loop does first (no "step before optimizer.step()" warning)
            contenders["torch"] = _loop(theirs.step, metric)
        times = best_of_interleaved(contenders, rounds)
        label = f"{name}.step({'metric' if metric else ''})"
        rows.append({"label": label, "times": {k: v / STEPS_PER_CALL for k, v in times.items()}})
    return rows
