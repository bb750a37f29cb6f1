"""swiftlr.schedules: pure schedules equal the stateful schedulers stepped in a
loop (and their ``preview()``), bit for bit, and with ``closed_form=True`` their
closed forms (``step(k)``), over random configurations and long step arrays."""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import make_optimizer

from swiftlr import _swiftlr, schedules
from swiftlr.optim import lr_scheduler as L

# (schedule function, scheduler class, random kwargs, how the class takes the lr)
Maker = Callable[[random.Random], dict[str, Any]]

CASES: dict[str, tuple[Callable[..., Any], Callable[[Any, float, dict[str, Any]], Any], Maker]] = {
    "step_lr": (
        schedules.step_lr,
        lambda o, lr, k: L.StepLR(o, **k),
        lambda r: {"step_size": r.randint(1, 30), "gamma": r.uniform(0.1, 1)},
    ),
    "multi_step_lr": (
        schedules.multi_step_lr,
        lambda o, lr, k: L.MultiStepLR(o, **k),
        lambda r: {"milestones": [r.randint(0, 200) for _ in range(r.randint(1, 5))], "gamma": r.uniform(0.1, 1)},
    ),
    "exponential_lr": (
        schedules.exponential_lr,
        lambda o, lr, k: L.ExponentialLR(o, **k),
        lambda r: {"gamma": r.uniform(0.9, 1)},
    ),
    "constant_lr": (
        schedules.constant_lr,
        lambda o, lr, k: L.ConstantLR(o, **k),
        lambda r: {"factor": r.uniform(0.05, 1), "total_iters": r.randint(1, 50)},
    ),
    "linear_lr": (
        schedules.linear_lr,
        lambda o, lr, k: L.LinearLR(o, **k),
        lambda r: {"start_factor": r.uniform(0.05, 1), "end_factor": r.uniform(0, 1), "total_iters": r.randint(1, 80)},
    ),
    "polynomial_lr": (
        schedules.polynomial_lr,
        lambda o, lr, k: L.PolynomialLR(o, **k),
        lambda r: {"total_iters": r.randint(1, 100), "power": r.uniform(0.5, 3)},
    ),
    "cosine_annealing_lr": (
        schedules.cosine_annealing_lr,
        lambda o, lr, k: L.CosineAnnealingLR(o, **k),
        lambda r: {"T_max": r.randint(1, 100), "eta_min": r.uniform(0, 1e-3)},
    ),
    "cosine_annealing_warm_restarts": (
        schedules.cosine_annealing_warm_restarts,
        lambda o, lr, k: L.CosineAnnealingWarmRestarts(o, **k),
        lambda r: {"T_0": r.randint(1, 30), "T_mult": r.randint(1, 3), "eta_min": r.uniform(0, 1e-3)},
    ),
    "one_cycle_lr": (
        schedules.one_cycle_lr,
        lambda o, lr, k: L.OneCycleLR(o, lr, cycle_momentum=False, **k),
        lambda r: {
            "total_steps": 400,
            "pct_start": r.uniform(0.05, 0.95),
            "anneal_strategy": r.choice(["cos", "linear"]),
            "div_factor": r.uniform(5, 50),
            "three_phase": r.random() < 0.5,
        },
    ),
    "cyclic_lr": (
        schedules.cyclic_lr,
        lambda o, lr, k: L.CyclicLR(o, lr, cycle_momentum=False, **k),
        lambda r: {
            "max_lr": r.uniform(0.2, 1),
            "step_size_up": r.randint(1, 40),
            "step_size_down": r.choice([None, r.randint(1, 40)]),
            "mode": r.choice(["triangular", "triangular2", "exp_range"]),
            "gamma": r.uniform(0.95, 1),
        },
    ),
    "warmup_cosine_lr": (
        schedules.warmup_cosine_lr,
        lambda o, lr, k: L.WarmupCosineLR(o, **k),
        lambda r: (
            lambda w: {
                "warmup_steps": w,
                "total_steps": w + r.randint(1, 300),
                "eta_min": r.uniform(0, 1e-3),
                "warmup_start_factor": r.random(),
            }
        )(r.randint(0, 50)),
    ),
    "inverse_sqrt_lr": (
        schedules.inverse_sqrt_lr,
        lambda o, lr, k: L.InverseSqrtLR(o, **k),
        lambda r: {"warmup_steps": r.randint(0, 50), "timescale": r.choice([None, r.randint(1, 100)])},
    ),
    "warmup_stable_decay_lr": (
        schedules.warmup_stable_decay_lr,
        lambda o, lr, k: L.WarmupStableDecayLR(o, **k),
        lambda r: {
            "warmup_steps": r.randint(0, 50),
            "stable_steps": r.randint(0, 100),
            "decay_steps": r.randint(1, 200),
            "decay_type": r.choice(["linear", "cosine", "1-sqrt"]),
            "min_lr_ratio": r.random(),
        },
    ),
    "piecewise_linear_lr": (
        schedules.piecewise_linear_lr,
        lambda o, lr, k: L.PiecewiseLinearLR(o, **k),
        lambda r: (lambda ms: {"milestones": ms, "factors": [r.uniform(0, 2) for _ in ms]})(
            sorted(r.sample(range(0, 400), r.randint(1, 6)))
        ),
    ),
}

KINDS = {
    "step_lr": "StepLR",
    "multi_step_lr": "MultiStepLR",
    "exponential_lr": "ExponentialLR",
    "constant_lr": "ConstantLR",
    "linear_lr": "LinearLR",
    "polynomial_lr": "PolynomialLR",
    "cosine_annealing_lr": "CosineAnnealingLR",
    "cosine_annealing_warm_restarts": "CosineAnnealingWarmRestarts",
    "one_cycle_lr": "OneCycleLR",
    "cyclic_lr": "CyclicLR",
    "warmup_cosine_lr": "WarmupCosineLR",
    "inverse_sqrt_lr": "InverseSqrtLR",
    "warmup_stable_decay_lr": "WarmupStableDecayLR",
    "piecewise_linear_lr": "PiecewiseLinearLR",
}


def registered(kind: str) -> bool:
    try:
        _swiftlr.NativeScheduler(kind, {})
    except ValueError as error:
        return "unknown scheduler" not in str(error)
    except TypeError:
        return True
    return True


def stepped(name: str, lr: float, kwargs: dict[str, Any], count: int) -> tuple[list[float], list[float]]:
    """The class's lr after construction and after each of ``count - 1``
    ``step()`` calls; and its ``preview()`` of the same steps."""
    opt = make_optimizer([lr])
    scheduler = CASES[name][1](opt, lr, kwargs)
    preview = [opt.param_groups[0]["lr"], *scheduler.preview(count - 1)[:, 0].tolist()]
    out = [opt.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(count - 1):
            scheduler.step()
            out.append(opt.param_groups[0]["lr"])
    return out, preview


def stateful(name: str, lr: float, kwargs: dict[str, Any], steps: list[int]) -> list[float]:
    """The class's lr after ``step(k)`` for each k (closed form, or get_lr at last_epoch = k)."""
    opt = make_optimizer([lr])
    scheduler = CASES[name][1](opt, lr, kwargs)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in steps:
            scheduler.step(k)
            out.append(opt.param_groups[0]["lr"])
    return out


def test_all_exported() -> None:
    assert set(schedules.__all__) == set(CASES) | {"Schedule"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_the_scheduler_stepped_in_a_loop(name: str) -> None:
    if not registered(KINDS[name]):
        pytest.fail(f"{KINDS[name]} is not registered in the Swift core")
    function, _, make = CASES[name]
    for seed in range(25):
        rng = random.Random(sum(map(ord, name)) * 100 + seed)  # stable across runs
        lr = rng.choice([1.0, 0.1, 3e-4]) * rng.uniform(0.5, 2)
        kwargs = make(rng)
        expected, preview = stepped(name, lr, kwargs, 401)
        assert preview == expected
        schedule = function(lr, **kwargs)
        assert schedule(np.arange(401)).tolist() == expected, (name, kwargs)  # bit for bit
        steps = [rng.randint(0, 400) for _ in range(50)]  # any order, repeats
        assert schedule(np.array(steps)).tolist() == [expected[k] for k in steps]
        fresh = function(lr, **kwargs)  # single steps: from the schedule's table
        assert [fresh(k) for k in steps] == [expected[k] for k in steps]


# The routes that skip stepping one by one (a constant stretch filled; pow,
# cos and OneCycleLR's anneals on the worker pool, chunks of 4096 and more;
# gaps stepped through a scratch buffer of 16384), at their boundaries:
# total_iters 0 and 1, non-integral counts, steps below and past the breakpoints.
FAST_ROUTES = [
    *[("constant_lr", {"factor": 0.3, "total_iters": t}, 40) for t in (0, 1, 7, 4.0, 4.5)],
    *[("linear_lr", {"start_factor": 0.2, "total_iters": t}, 40) for t in (1, 6, 6.5)],
    *[("polynomial_lr", {"total_iters": t, "power": p}, 40) for t in (1, 9, 9.5, -3) for p in (0.9, 2.0)],
    ("polynomial_lr", {"total_iters": 30_000, "power": 0.9}, 30_010),
    *[("cosine_annealing_lr", {"T_max": t, "eta_min": 1e-4}, 60) for t in (1, 7, 10.5)],
    ("cosine_annealing_lr", {"T_max": 9_000, "eta_min": 1e-4}, 30_000),  # restarts at 9001 and 27001
    ("one_cycle_lr", {"total_steps": 2}, 3),
    ("one_cycle_lr", {"total_steps": 30_000, "three_phase": True}, 30_001),
]


def polynomial_recurrence(lr: float, total: int, power: float, count: int) -> list[float]:
    """PyTorch's chained ``PolynomialLR.get_lr`` in Python floats (``**`` is C's ``pow``)."""
    out = [lr]
    for e in range(1, count):
        if e <= total:
            lr = lr * ((1.0 - e / total) / (1.0 - (e - 1) / total)) ** power
        out.append(lr)
    return out


@pytest.mark.parametrize("power", [0.9, 0.5, 1.5, 3.7, 17.0])
@pytest.mark.parametrize("total", [100, 256, 300])
def test_polynomial_recurrence_is_stepping(total: int, power: float) -> None:
    """The reference below is the class stepped (small totals, where most pows are not near 1)."""
    expected, _ = stepped("polynomial_lr", 0.1, {"total_iters": total, "power": power}, total + 5)
    assert polynomial_recurrence(0.1, total, power, total + 5) == expected
    assert schedules.polynomial_lr(0.1, total_iters=total, power=power)(np.arange(total + 5)).tolist() == expected


# Long schedules: the ratios are within 2**-8 of 1 but for the last 256 steps, the
# vectorized pow route (powNearOne in the Swift core) with its pow fallback.
@pytest.mark.parametrize(
    ("total", "power", "count"), [(10**6, 0.9, 10**6 + 5), (10**7, 0.9, 10**6), (10**7, 3.7, 10**6)]
)
def test_polynomial_long_schedules_equal_the_recurrence(total: int, power: float, count: int) -> None:
    got = schedules.polynomial_lr(0.1, total_iters=total, power=power)(np.arange(count))
    assert got.tolist() == polynomial_recurrence(0.1, total, power, count)  # bit for bit


# The cosine schedules' long arrays go through the vectorized cos (`cosines` in
# the Swift core, with its cos fallback); these references are PyTorch's and
# swiftlr's formulas in Python floats (``math.cos`` is C's ``cos``).
def cosine_references(name: str, lr: float, t: int, count: int) -> list[float]:
    eta, out = 1e-4, [lr]
    if name == "cosine_annealing_lr":  # the chained get_lr
        for e in range(1, count):
            if (e - 1 - t) % (2 * t) == 0:
                out.append(out[-1] + (lr - eta) * (1 - math.cos(math.pi / t)) / 2)
            else:
                ratio = (1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t))
                out.append(ratio * (out[-1] - eta) + eta)
    elif name == "cosine_annealing_warm_restarts":  # T_mult=2: T_i doubles at each restart
        t_cur, t_i = 0, t
        for _ in range(1, count):
            t_cur += 1
            if t_cur >= t_i:
                t_cur, t_i = t_cur - t_i, t_i * 2
            out.append(eta + (lr - eta) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
    else:  # warmup_cosine_lr, warmup_steps=1000, warmup_start_factor=0
        out = [lr * (0.0 + (1 - 0.0) * k / 1000) for k in range(min(count, 1000))]
        for k in range(1000, count):
            out.append(eta + (lr - eta) * 0.5 * (1 + math.cos(math.pi * (k - 1000) / (t - 1000))) if k <= t else eta)
    return out


COSINE_KWARGS: dict[str, Callable[[int], dict[str, Any]]] = {
    "cosine_annealing_lr": lambda t: {"T_max": t, "eta_min": 1e-4},
    "cosine_annealing_warm_restarts": lambda t: {"T_0": t, "T_mult": 2, "eta_min": 1e-4},
    "warmup_cosine_lr": lambda t: {"warmup_steps": 1000, "total_steps": t, "eta_min": 1e-4},
}


@pytest.mark.parametrize("name", sorted(COSINE_KWARGS))
def test_cosine_references_are_stepping(name: str) -> None:
    expected, _ = stepped(name, 0.1, COSINE_KWARGS[name](1100), 2500)
    assert cosine_references(name, 0.1, 1100, 2500) == expected


@pytest.mark.parametrize(("t", "count"), [(10**6, 10**6 + 5), (123_457, 400_000), (9_999_991, 10**6)])
@pytest.mark.parametrize("name", sorted(COSINE_KWARGS))
def test_long_cosine_schedules_equal_stepping(name: str, t: int, count: int) -> None:
    got = CASES[name][0](0.1, **COSINE_KWARGS[name](t))(np.arange(count))
    assert got.tolist() == cosine_references(name, 0.1, t, count)  # bit for bit


@pytest.mark.parametrize(("name", "kwargs", "count"), FAST_ROUTES)
def test_fast_routes_equal_stepping(name: str, kwargs: dict[str, Any], count: int) -> None:
    expected, _ = stepped(name, 0.1, kwargs, count)
    schedule = CASES[name][0](0.1, **kwargs)
    assert schedule(np.arange(count)).tolist() == expected  # bit for bit
    rng = random.Random(count)
    starts = sorted(rng.sample(range(count), min(count, 4)))
    runs = [k for start in starts for k in range(start, min(start + 9, count))]
    assert schedule(np.array(runs)).tolist() == [expected[k] for k in runs]  # runs between gaps
    shuffled = [count - 1, 0, count // 2, 1, *rng.sample(range(count), min(count, 30))]
    assert schedule(np.array(shuffled)).tolist() == [expected[k] for k in shuffled]
    assert schedule(np.arange(count // 3, count)).tolist() == expected[count // 3 :]


def test_stepping_is_not_the_closed_form() -> None:
    """The chainable schedulers' recurrence rounds differently from their formula:
    CosineAnnealingLR from its fourth lr on (step 3, T_max=10)."""
    stepping = schedules.cosine_annealing_lr(0.1, T_max=10)
    closed = schedules.cosine_annealing_lr(0.1, T_max=10, closed_form=True)
    assert stepping(np.arange(3)).tolist() == closed(np.arange(3)).tolist()
    assert stepping(3) != closed(3)
    np.testing.assert_allclose(stepping(np.arange(100)), closed(np.arange(100)), rtol=1e-12, atol=1e-17)
    assert (stepping.closed_form, closed.closed_form) == (False, True)
    assert repr(closed) == "cosine_annealing_lr(0.1, T_max=10, eta_min=0.0, closed_form=True)"
    with pytest.raises(TypeError, match="closed_form must be a bool"):
        schedules.step_lr(0.1, 3, closed_form=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_closed_form_agrees_with_step_epoch(name: str) -> None:
    function, _, make = CASES[name]
    for seed in range(25):
        rng = random.Random(sum(map(ord, name)) * 100 + seed)  # stable across runs
        lr = rng.choice([1.0, 0.1, 3e-4]) * rng.uniform(0.5, 2)
        kwargs = make(rng)
        steps = sorted(rng.sample(range(0, 401), 120)) + [rng.randint(0, 400) for _ in range(30)]
        expected = stateful(name, lr, kwargs, steps)
        schedule = function(lr, **kwargs, closed_form=True)
        got = schedule(np.array(steps))
        assert got.dtype == np.float64 and got.shape == (len(steps),)
        assert got.tolist() == expected, (name, kwargs)  # bit for bit
        assert schedule(steps[5]) == expected[5] and isinstance(schedule(steps[5]), float)


@pytest.mark.parametrize("w, ts", [(0, None), (7, 3), (2**52, None), (5, 2**52 - 1)])
def test_inverse_sqrt_loop_of_doubles_equals_the_rule(w: int, ts: int | None) -> None:
    # The core evaluates many steps in doubles below 2**52 and step by step above: the rule in
    # Python ints and floats (int / int correctly rounded), each step on its own, either side.
    steps = [0, 1, 4, 6, 7, 8, 10**6, 2**52 - 1, 2**52, 2**52 + 1, 2**53 - 1, 2**53, 5]
    scale = ts if ts is not None else (w or 10_000)
    expected = [0.1 * (k / w if k < w else 1.0 / math.sqrt((k - w + scale) / scale)) for k in steps]
    schedule = schedules.inverse_sqrt_lr(0.1, warmup_steps=w, timescale=ts)
    assert schedule(np.array(steps, dtype=np.int64)).tolist() == expected


def test_long_arrays_and_shapes() -> None:
    s = schedules.warmup_stable_decay_lr(0.1, 1000, 100_000, 500_000, decay_type="1-sqrt", min_lr_ratio=0.01)
    steps = np.arange(10**6)
    values = s(steps)
    assert values.shape == (10**6,) and values[0] == 0.0 and values[-1] == 0.1 * 0.01
    assert values[5000] == 0.1
    for dtype in (np.int8, np.int16, np.int32, np.uint16, np.uint32, np.uint64, np.int64):
        assert s(np.array([0, 5, 100], dtype=dtype)).tolist() == values[[0, 5, 100]].tolist()
    assert s(steps[::-7]).tolist() == values[::-7].tolist()  # non-contiguous
    grid = steps[:600].reshape(20, 30)
    assert s(grid).shape == (20, 30) and s(grid).tolist() == values[:600].reshape(20, 30).tolist()
    assert s(np.array([], dtype=np.int64)).shape == (0,)
    assert s([]).shape == (0,)
    assert s(np.int32(7)) == s(7) == values[7]
    assert s(np.array(9)) == values[9] and isinstance(s(np.array(9)), float)
    assert s([1, 2]).tolist() == values[1:3].tolist()


def test_repr() -> None:
    assert repr(schedules.step_lr(0.1, step_size=10, gamma=0.9)) == "step_lr(0.1, step_size=10, gamma=0.9)"
    assert repr(schedules.inverse_sqrt_lr(0.1, 4)).startswith("inverse_sqrt_lr(0.1, warmup_steps=4")


def test_step_errors() -> None:
    s = schedules.step_lr(0.1, step_size=3)
    with pytest.raises(ValueError, match="steps must be non-negative, got -1"):
        s(np.array([0, -1]))
    with pytest.raises(ValueError, match="non-negative"):
        s(-5)
    with pytest.raises(TypeError, match="steps must be integers"):
        s(np.array([1.5]))
    with pytest.raises(TypeError, match="steps must be integers"):
        s(2.0)
    with pytest.raises(TypeError, match="steps must be integers"):
        s(True)
    with pytest.raises(ValueError, match="at most 2\\*\\*27 when stepping"):
        s(2**60)
    with pytest.raises(ValueError, match="at most 2\\*\\*53"):
        schedules.step_lr(0.1, step_size=3, closed_form=True)(2**60)
    assert schedules.warmup_cosine_lr(0.1, 2, 10)(2**52) == 0.0  # an absolute rule: no steps taken
    with pytest.raises(ValueError, match="at most 2\\*\\*53"):
        s(np.array([2**64 - 1], dtype=np.uint64))
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        schedules.one_cycle_lr(0.1, total_steps=10)(np.arange(12))


def test_argument_errors_are_the_classes() -> None:
    with pytest.raises(ValueError, match="total_steps must be greater than warmup_steps"):
        schedules.warmup_cosine_lr(0.1, 10, 10)
    with pytest.raises(ValueError, match="decay_steps must be a positive integer"):
        schedules.warmup_stable_decay_lr(0.1, 1, 1, 0)
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.piecewise_linear_lr(0.1, [2, 1], [1, 1])
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        schedules.one_cycle_lr(0.1)
    with pytest.raises(TypeError, match="lr must be a float"):
        schedules.step_lr("0.1", step_size=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lr must be finite"):
        schedules.step_lr(float("nan"), step_size=2)


def test_core_rejects_what_has_no_pure_form() -> None:
    steps = np.arange(3, dtype=np.int64)
    with pytest.raises(ValueError, match="LambdaLR cannot be evaluated as a schedule"):
        _swiftlr.schedule_values("LambdaLR", {"base_lrs": [0.1]}, steps)
    with pytest.raises(ValueError, match="ReduceLROnPlateau cannot be evaluated"):
        _swiftlr.schedule_values("ReduceLROnPlateau", {"base_lrs": [0.1]}, steps)
    with pytest.raises(ValueError, match="unknown scheduler 'Nope'"):
        _swiftlr.schedule_values("Nope", {"base_lrs": [0.1]}, steps)
    with pytest.raises(ValueError, match="last_epoch must be -1"):
        _swiftlr.schedule_values("StepLR", {"base_lrs": [0.1], "step_size": 2, "last_epoch": 3}, steps)
    with pytest.raises(TypeError, match="contiguous int64"):
        _swiftlr.schedule_values("StepLR", {"base_lrs": [0.1], "step_size": 2}, np.arange(3, dtype=np.int32))
    with pytest.raises(TypeError, match="contiguous int64"):
        _swiftlr.schedule_values("StepLR", {"base_lrs": [0.1], "step_size": 2}, b"12345678")
    with pytest.raises(TypeError):
        _swiftlr.schedule_values("StepLR", {"base_lrs": [0.1], "step_size": 2})
    config = {"base_lrs": [0.1], "step_size": 2, "gamma": 0.5}
    out = _swiftlr.schedule_values("StepLR", config, steps)
    assert np.frombuffer(out, dtype=np.float64).tolist() == [0.1, 0.1, 0.05]
    into = np.zeros(3)
    assert _swiftlr.schedule_values("StepLR", config, steps, None, False, into) is into
    assert into.tolist() == [0.1, 0.1, 0.05]
    for bad in (np.zeros(2), np.zeros(3, dtype=np.float32), bytearray(24)):
        with pytest.raises(TypeError, match="out must be a contiguous writable float64 buffer of 3 values"):
            _swiftlr.schedule_values("StepLR", config, steps, None, False, bad)
    with pytest.raises(BufferError, match="not writable"):
        _swiftlr.schedule_values("StepLR", config, steps, None, False, bytes(24))
