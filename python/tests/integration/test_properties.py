"""Property tests (hypothesis): random configurations and step sequences for
every scheduler, checking invariants rather than fixed values:

* the lrs are finite and non-negative (the configurations keep every
  argument where PyTorch's lrs are too);
* a ``state_dict`` round trip through pickle midway, into a fresh scheduler,
  changes none of the following lrs;
* two identical runs are identical;
* where torch is importable, the same run on PyTorch gives the same lrs,
  bit for bit.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("hypothesis")  # not installed in every venv (e.g. the torch one)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import swiftlr
from swiftlr import optim

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

lrs_st = st.lists(st.sampled_from([0.1, 0.05, 1.0, 0.3, 1e-3, 0.0123]), min_size=1, max_size=3)
small = st.integers(1, 12)
factor = st.floats(0.05, 1.0)
gamma = st.floats(0.5, 1.0)

# name -> (strategy of kwargs given the group count, builder(lr_scheduler module, optimizer, kwargs))
Build = Callable[[Any, Any, dict[str, Any]], Any]


def _kw(**strategies: Any) -> Callable[[int], Any]:
    return lambda groups: st.fixed_dictionaries(strategies)


SCHEDULERS: dict[str, tuple[Callable[[int], Any], Build]] = {
    "StepLR": (_kw(step_size=small, gamma=gamma), lambda m, o, k: m.StepLR(o, **k)),
    "MultiStepLR": (
        _kw(milestones=st.lists(st.integers(0, 30), max_size=5), gamma=gamma),
        lambda m, o, k: m.MultiStepLR(o, **k),
    ),
    "ConstantLR": (_kw(factor=factor, total_iters=st.integers(0, 12)), lambda m, o, k: m.ConstantLR(o, **k)),
    "LinearLR": (
        _kw(start_factor=factor, end_factor=st.floats(0.0, 1.0), total_iters=small),
        lambda m, o, k: m.LinearLR(o, **k),
    ),
    "ExponentialLR": (_kw(gamma=gamma), lambda m, o, k: m.ExponentialLR(o, **k)),
    "PolynomialLR": (
        _kw(total_iters=small, power=st.floats(0.0, 3.0)),
        lambda m, o, k: m.PolynomialLR(o, **k),
    ),
    "CosineAnnealingLR": (
        _kw(T_max=small, eta_min=st.sampled_from([0.0, 1e-4])),
        lambda m, o, k: m.CosineAnnealingLR(o, **k),
    ),
    "LambdaLR": (_kw(a=st.floats(0.5, 1.0)), lambda m, o, k: m.LambdaLR(o, _Pow(k["a"]))),
    "MultiplicativeLR": (_kw(a=st.floats(0.5, 1.0)), lambda m, o, k: m.MultiplicativeLR(o, _Const(k["a"]))),
    "CosineAnnealingWarmRestarts": (
        _kw(T_0=small, T_mult=st.integers(1, 3), eta_min=st.sampled_from([0.0, 1e-4])),
        lambda m, o, k: m.CosineAnnealingWarmRestarts(o, **k),
    ),
    "CyclicLR": (
        _kw(
            step_size_up=small,
            step_size_down=st.one_of(st.none(), small),
            mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
            gamma=gamma,
        ),
        lambda m, o, k: m.CyclicLR(o, base_lr=0.001, max_lr=0.1, **k),
    ),
    "OneCycleLR": (
        _kw(
            extra=st.integers(0, 40),
            pct_start=st.floats(0.05, 0.95),
            anneal_strategy=st.sampled_from(["cos", "linear"]),
            three_phase=st.booleans(),
        ),
        lambda m, o, k: m.OneCycleLR(
            o,
            max_lr=0.1,
            total_steps=60 + k["extra"],
            pct_start=k["pct_start"],
            anneal_strategy=k["anneal_strategy"],
            three_phase=k["three_phase"],
        ),
    ),
    "ReduceLROnPlateau": (
        _kw(
            mode=st.sampled_from(["min", "max"]),
            factor=st.floats(0.1, 0.9),
            patience=st.integers(0, 3),
            threshold_mode=st.sampled_from(["rel", "abs"]),
            cooldown=st.integers(0, 2),
        ),
        lambda m, o, k: m.ReduceLROnPlateau(o, **k),
    ),
}


class _Pow:
    """A picklable lr_lambda (the same object drives both libraries)."""

    def __init__(self, a: float) -> None:
        self.a = a

    def __call__(self, epoch: int) -> float:
        return self.a**epoch


class _Const(_Pow):
    def __call__(self, epoch: int) -> float:
        return self.a


def _swiftlr_optimizer(lrs: list[float]) -> Any:
    groups = [{"params": [swiftlr.Parameter(np.zeros(2))], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0], momentum=0.9)


def run(
    name: str,
    lrs: list[float],
    kwargs: dict[str, Any],
    metrics: list[float],
    resume_at: int | None,
    torch: Any = None,
) -> list[list[float]]:
    """Every step's lrs; with ``resume_at``, the run continues from a fresh
    scheduler loaded with a pickled state_dict taken at that step."""
    _, build = SCHEDULERS[name]
    if torch is None:
        from swiftlr.optim import lr_scheduler as module

        make_opt: Callable[[], Any] = lambda: _swiftlr_optimizer(lrs)  # noqa: E731
    else:
        module = torch.optim.lr_scheduler

        def make_opt() -> Any:
            params = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in lrs]
            groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
            return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = make_opt()
        sched = build(module, opt, kwargs)
        for i, metric in enumerate(metrics):
            if i == resume_at:
                state = pickle.loads(pickle.dumps(sched.state_dict()))
                opt_state = opt.state_dict()
                # The usual resume order: build both, then load both.
                opt = make_opt()
                sched = build(module, opt, kwargs)
                opt.load_state_dict(opt_state)
                sched.load_state_dict(state)
            opt.step()
            if name == "ReduceLROnPlateau":
                sched.step(metric)
            else:
                sched.step()
            out.append([float(lr) for lr in sched.get_last_lr()])
    return out


@st.composite
def scenario(draw: Any, name: str) -> tuple[list[float], dict[str, Any], list[float], int]:
    lrs = draw(lrs_st)
    kwargs = draw(SCHEDULERS[name][0](len(lrs)))
    # OneCycleLR: PyTorch allows a step at total_steps, one past the end of
    # the last phase, where the linear anneal overshoots below min_lr.
    steps = 59 if name == "OneCycleLR" else draw(st.integers(1, 80))
    metrics = draw(st.lists(st.sampled_from([1.0, 0.5, 2.0, 0.99, 1.5, 0.25]), min_size=steps, max_size=steps))
    resume_at = draw(st.integers(0, steps - 1))
    return lrs, kwargs, metrics, resume_at


NAMES = sorted(SCHEDULERS)


@pytest.mark.parametrize("name", NAMES)
def test_invariants(name: str) -> None:
    @SETTINGS
    @given(scenario(name))
    def check(case: tuple[list[float], dict[str, Any], list[float], int]) -> None:
        lrs, kwargs, metrics, resume_at = case
        plain = run(name, lrs, kwargs, metrics, None)
        assert plain == run(name, lrs, kwargs, metrics, None), "two identical runs differ"
        # PyTorch's chained LinearLR can end a rounding error below zero
        # (end_factor=0: -2.8e-19 after lr 0.1), and so does swiftlr's.
        floor = -1e-15 if name == "LinearLR" else 0.0
        for step_lrs in plain:
            assert all(np.isfinite(lr) and lr >= floor for lr in step_lrs), step_lrs
        assert run(name, lrs, kwargs, metrics, resume_at) == plain, "a state_dict round trip changed the lrs"

    check()


@pytest.mark.parametrize("name", NAMES)
def test_same_as_pytorch(name: str, torch: Any) -> None:
    @SETTINGS
    @given(scenario(name))
    def check(case: tuple[list[float], dict[str, Any], list[float], int]) -> None:
        lrs, kwargs, metrics, resume_at = case
        ours = run(name, lrs, kwargs, metrics, resume_at)
        theirs = run(name, lrs, kwargs, metrics, resume_at, torch=torch)
        assert ours == theirs  # bit for bit: float equality

    check()
