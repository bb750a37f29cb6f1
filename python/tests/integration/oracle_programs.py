"""The random programs of the differential oracle (``oracle_machine.py``):
the schedulers and arguments it draws (``scheduler_specs``), the picklable
user functions they take, and how each library builds one (``build``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import torch
from hypothesis import strategies as st

from swiftlr import optim as S

T = torch.optim.lr_scheduler


# MARK: picklable user functions (LambdaLR, MultiplicativeLR)


class Decay:
    """``lambda epoch: gamma ** epoch``, as an object that pickles."""

    def __init__(self, gamma: float) -> None:
        self.gamma = gamma

    def __call__(self, epoch: int) -> float:
        return float(self.gamma**epoch)


class Constant:
    """``lambda epoch: factor``, as an object that pickles."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def __call__(self, epoch: int) -> float:
        return self.factor


class InverseSqrt:
    """transformers' ``_get_inverse_sqrt_schedule_lr_lambda`` (default timescale)."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup

    def __call__(self, step: int) -> float:
        timescale = self.warmup or 10_000
        if step < self.warmup:
            return float(step) / float(max(1, self.warmup))
        return 1.0 / math.sqrt((step + timescale - self.warmup) / timescale)


class WSD:
    """transformers' ``_get_wsd_scheduler_lambda`` with a linear warmup and ``min_lr_ratio=0``."""

    def __init__(self, warmup: int, stable: int, decay: int, kind: str) -> None:
        self.warmup, self.stable, self.decay, self.kind = warmup, stable, decay, kind

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return max(0.0, float(step) / float(max(1, self.warmup)))
        if step < self.warmup + self.stable:
            return 1.0
        if step < self.warmup + self.stable + self.decay:
            progress = float(step - self.warmup - self.stable) / float(max(1, self.decay))
            if self.kind == "linear":
                factor = 1.0 - progress
            elif self.kind == "cosine":
                factor = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))  # num_cycles=0.5
            else:
                factor = 1.0 - math.sqrt(progress)
            return max(0.0, factor)
        return 0.0


# MARK: scheduler specs


def scheduler_specs(groups: int) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """A scheduler's name and arguments, for ``groups`` param groups."""
    small = st.integers(min_value=1, max_value=8)
    # PyTorch computes with these counts whatever their type: an int, the same
    # as a float (kept as a float in the state), or a fraction (T_max=10.5).
    count = st.one_of(
        small, small.map(float), st.floats(min_value=0.25, max_value=8.5).map(lambda x: round(x * 4) / 4 or 0.25)
    )
    factor = st.floats(min_value=0.05, max_value=1.0)
    gamma = st.floats(min_value=0.3, max_value=1.2)
    lrs = st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=groups, max_size=groups)
    specs = [
        st.builds(lambda g: ("LambdaLR", {"lr_lambda": Decay(g)}), gamma),
        st.builds(lambda f: ("MultiplicativeLR", {"lr_lambda": Constant(f)}), factor),
        st.builds(lambda n, g: ("StepLR", {"step_size": n, "gamma": g}), count, gamma),
        st.builds(
            lambda m, g: ("MultiStepLR", {"milestones": m, "gamma": g}),
            st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4),
            gamma,
        ),
        st.builds(lambda f, n: ("ConstantLR", {"factor": f, "total_iters": n}), factor, count),
        st.builds(
            lambda a, b, n: ("LinearLR", {"start_factor": a, "end_factor": b, "total_iters": n}), factor, factor, count
        ),
        st.builds(lambda g: ("ExponentialLR", {"gamma": g}), gamma),
        st.builds(
            lambda n, p: ("PolynomialLR", {"total_iters": n, "power": p}), count, st.floats(min_value=0, max_value=3)
        ),
        st.builds(
            lambda n, e: ("CosineAnnealingLR", {"T_max": n, "eta_min": e}),
            st.one_of(count, st.sampled_from([1 / 3, 2 / 3, 0.1, 1.5])),
            st.floats(min_value=0, max_value=0.01),
        ),
        st.builds(
            lambda mode, f, p, c, t, tm: (
                "ReduceLROnPlateau",
                {"mode": mode, "factor": f, "patience": p, "cooldown": c, "threshold": t, "threshold_mode": tm},
            ),
            st.sampled_from(["min", "max"]),
            st.floats(min_value=0.1, max_value=0.9),
            st.one_of(st.integers(min_value=0, max_value=3), st.sampled_from([0.5, 1.0, 2.5])),
            st.one_of(st.integers(min_value=0, max_value=2), st.sampled_from([0.5, 1.0, 1.5])),
            st.sampled_from([1e-4, 0.0, 0.1]),
            st.sampled_from(["rel", "abs"]),
        ),
        st.builds(
            lambda b, m, up, down, mode, cm: (
                "CyclicLR",
                {
                    "base_lr": b,
                    "max_lr": m,
                    "step_size_up": up,
                    "step_size_down": down,
                    "mode": mode,
                    "gamma": 0.9,
                    "cycle_momentum": cm,
                },
            ),
            st.floats(min_value=0.001, max_value=0.01),
            lrs,
            small,
            st.none() | small,
            st.sampled_from(["triangular", "triangular2", "exp_range"]),
            st.booleans(),
        ),
        st.builds(
            lambda t0, tm, e: ("CosineAnnealingWarmRestarts", {"T_0": t0, "T_mult": tm, "eta_min": e}),
            small,
            st.integers(min_value=1, max_value=3),
            st.floats(min_value=0, max_value=0.01),
        ),
        st.builds(
            lambda m, n, pct, strat, cm, three: (
                "OneCycleLR",
                {
                    "max_lr": m,
                    "total_steps": n,
                    "pct_start": pct,
                    "anneal_strategy": strat,
                    "cycle_momentum": cm,
                    "three_phase": three,
                },
            ),
            lrs,
            st.integers(min_value=4, max_value=40),
            st.floats(min_value=0.1, max_value=0.9),
            st.sampled_from(["cos", "linear"]),
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            lambda lr, n, strat: ("SWALR", {"swa_lr": lr, "anneal_epochs": n, "anneal_strategy": strat}),
            st.floats(min_value=0.001, max_value=0.5),
            small,
            st.sampled_from(["cos", "linear"]),
        ),
        st.builds(lambda w: ("InverseSqrtLR", {"warmup_steps": w}), st.integers(min_value=0, max_value=6)),
        st.builds(
            lambda w, s, d, kind: (
                "WarmupStableDecayLR",
                {"warmup_steps": w, "stable_steps": s, "decay_steps": d, "decay_type": kind},
            ),
            small,
            st.integers(min_value=0, max_value=5),
            small,
            st.sampled_from(["linear", "cosine", "1-sqrt"]),
        ),
    ]
    # Each class as likely as any other (one_of leans on its first branches).
    leaf = st.sampled_from(specs[:9]).flatmap(lambda spec: spec)
    composites = [
        st.builds(
            lambda a, b, m: ("SequentialLR", {"schedulers": [a, b], "milestones": [m]}),
            leaf,
            leaf,
            st.integers(min_value=1, max_value=8),
        ),
        st.builds(lambda a, b: ("ChainedScheduler", {"schedulers": [a, b]}), leaf, leaf),
    ]
    return st.sampled_from([*specs, *composites]).flatmap(lambda spec: spec)


#: swiftlr's warmup schedulers and the torch LambdaLR that is their reference.
REFERENCES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "InverseSqrtLR": lambda a: InverseSqrt(a["warmup_steps"]),
    "WarmupStableDecayLR": lambda a: WSD(a["warmup_steps"], a["stable_steps"], a["decay_steps"], a["decay_type"]),
}


def build(side: str, name: str, opt: Any, arguments: dict[str, Any]) -> Any:
    """The scheduler ``name`` of ``side`` ("torch" or "swiftlr") over ``opt``."""
    if side == "torch" and name in REFERENCES:
        return T.LambdaLR(opt, REFERENCES[name](arguments))
    arguments = copy.deepcopy(arguments)  # each side gets its own callables
    if name in ("SequentialLR", "ChainedScheduler"):
        arguments["schedulers"] = [build(side, n, opt, a) for n, a in arguments["schedulers"]]
        if name == "ChainedScheduler":
            return (T if side == "torch" else S.lr_scheduler).ChainedScheduler(arguments["schedulers"], optimizer=opt)
    if name == "SWALR":
        module: Any = torch.optim.swa_utils if side == "torch" else S.swa_utils
    else:
        module = T if side == "torch" else S.lr_scheduler
    return getattr(module, name)(opt, **arguments)
