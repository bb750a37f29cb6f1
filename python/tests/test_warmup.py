"""swiftlr.optim._warmup: the four warmup schedulers PyTorch lacks.

Each formula is checked against an independent pure-Python implementation
(the same operations in the same order, so equality is exact) over many
random configurations; InverseSqrtLR and WarmupStableDecayLR also against
transformers' lambdas, transcribed below.
"""

from __future__ import annotations

import math
import pickle
import random
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import lr_scheduler as S
from swiftlr.optim.lr_scheduler import InverseSqrtLR, PiecewiseLinearLR, WarmupCosineLR, WarmupStableDecayLR

STEPS = 300


# MARK: - Independent implementations of the spec


def warmup_cosine(base: float, t: int, w: int, total: int, eta_min: float, start: float) -> float:
    if t < w:
        return base * (start + (1 - start) * t / w)
    if t <= total:
        return eta_min + (base - eta_min) * 0.5 * (1 + math.cos(math.pi * (t - w) / (total - w)))
    return eta_min


def inverse_sqrt(base: float, t: int, w: int, timescale: int | None) -> float:
    if timescale is None:
        timescale = w or 10_000
    if t < w:
        return base * (t / w)
    return base * (1.0 / math.sqrt((t + timescale - w) / timescale))


def wsd(base: float, t: int, w: int, s: int, d: int, kind: str, m: float) -> float:
    if t < w:
        f = t / w
    elif t < w + s:
        f = 1.0
    elif t < w + s + d:
        p = (t - w - s) / d
        dec = {
            "linear": lambda: 1 - p,
            "cosine": lambda: 0.5 * (1 + math.cos(math.pi * p)),
            "1-sqrt": lambda: 1 - math.sqrt(p),
        }
        f = m + (1 - m) * dec[kind]()
    else:
        f = m
    return base * f


def piecewise(base: float, t: int, milestones: list[int], factors: list[float]) -> float:
    if t < milestones[0]:
        return base * factors[0]
    if t >= milestones[-1]:
        return base * factors[-1]
    i = max(j for j, m in enumerate(milestones) if m <= t)
    m0, m1, f0, f1 = milestones[i], milestones[i + 1], factors[i], factors[i + 1]
    return base * (f0 + (f1 - f0) * (t - m0) / (m1 - m0))


# MARK: - transformers' lambdas
#
# Transcribed from huggingface/transformers, src/transformers/optimization.py
# (commit 005edacb6b5dabbf0843e92c6623de9e07ca6241): `_get_inverse_sqrt_schedule_lr_lambda`
# with `get_inverse_sqrt_schedule`'s default timescale, and `_get_wsd_scheduler_lambda`.
# Used through PyTorch's LambdaLR, the lr is `base_lr * lambda(step)`.


def hf_inverse_sqrt_lambda(current_step: int, *, num_warmup_steps: int, timescale: int | None = None) -> float:
    if timescale is None:
        timescale = num_warmup_steps or 10_000
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    shift = timescale - num_warmup_steps
    decay = 1.0 / math.sqrt((current_step + shift) / timescale)
    return decay


def hf_wsd_lambda(
    current_step: int,
    *,
    num_warmup_steps: int,
    num_stable_steps: int,
    num_decay_steps: int,
    warmup_type: str,
    decay_type: str,
    min_lr_ratio: float,
    num_cycles: float,
) -> float:
    if current_step < num_warmup_steps:
        progress = float(current_step) / float(max(1, num_warmup_steps))
        if warmup_type == "linear":
            factor = progress
        elif warmup_type == "cosine":
            factor = 0.5 * (1.0 - math.cos(math.pi * progress))
        elif warmup_type == "1-sqrt":
            factor = 1.0 - math.sqrt(1.0 - progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    if current_step < num_warmup_steps + num_stable_steps:
        return 1.0
    if current_step < num_warmup_steps + num_stable_steps + num_decay_steps:
        progress = float(current_step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
        if decay_type == "linear":
            factor = 1.0 - progress
        elif decay_type == "cosine":
            factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        elif decay_type == "1-sqrt":
            factor = 1.0 - math.sqrt(progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    return min_lr_ratio


# MARK: - Helpers


def trace(make: Callable[[Any], Any], lrs: list[float], steps: int = STEPS) -> list[list[float]]:
    """Each group's lr at last_epoch 0 .. steps-1."""
    opt = make_optimizer(lrs)
    scheduler = make(opt)
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps - 1):
        opt.step()
        scheduler.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


def random_lrs(rng: random.Random) -> list[float]:
    return [rng.choice([1.0, 0.1, 3e-4]) * rng.uniform(0.5, 2) for _ in range(rng.randint(1, 3))]


def random_cases(seed: int, n: int = 60) -> list[random.Random]:
    return [random.Random(seed * 1000 + i) for i in range(n)]


# MARK: - Formulas over random configurations (exact)


def test_warmup_cosine_formula() -> None:
    for rng in random_cases(1):
        lrs = random_lrs(rng)
        w = rng.choice([0, 1, rng.randint(2, 60)])
        total = w + rng.randint(1, 200)
        eta_min = rng.choice([0.0, 1e-5, rng.uniform(0, 0.01)])
        start = rng.choice([0.0, 1.0, rng.random()])
        got = trace(lambda o: WarmupCosineLR(o, w, total, eta_min=eta_min, warmup_start_factor=start), lrs)
        for t, row in enumerate(got):
            assert row == [warmup_cosine(b, t, w, total, eta_min, start) for b in lrs], (t, w, total)


def test_inverse_sqrt_formula_and_transformers() -> None:
    for rng in random_cases(2):
        lrs = random_lrs(rng)
        w = rng.choice([0, 1, rng.randint(2, 100)])
        ts = rng.choice([None, rng.randint(1, 500)])
        got = trace(lambda o: InverseSqrtLR(o, w, timescale=ts), lrs)
        for t, row in enumerate(got):
            assert row == [inverse_sqrt(b, t, w, ts) for b in lrs]
            # transformers under LambdaLR: base_lr * lambda, bit for bit.
            assert row == [b * hf_inverse_sqrt_lambda(t, num_warmup_steps=w, timescale=ts) for b in lrs]


@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
def test_wsd_formula_and_transformers(decay_type: str) -> None:
    for rng in random_cases(3):
        lrs = random_lrs(rng)
        w, s, d = rng.choice([0, rng.randint(1, 40)]), rng.choice([0, rng.randint(1, 80)]), rng.randint(1, 120)
        m = rng.choice([0.0, 1.0, rng.random()])
        got = trace(lambda o: WarmupStableDecayLR(o, w, s, d, decay_type=decay_type, min_lr_ratio=m), lrs)
        hf = dict(
            num_warmup_steps=w,
            num_stable_steps=s,
            num_decay_steps=d,
            warmup_type="linear",
            decay_type=decay_type,
            min_lr_ratio=m,
            num_cycles=0.5,
        )
        for t, row in enumerate(got):
            assert row == [wsd(b, t, w, s, d, decay_type, m) for b in lrs]
            theirs = [b * hf_wsd_lambda(t, **hf) for b in lrs]
            if t >= w or m == 0.0:
                assert row == theirs  # the same operations: bit for bit
            else:
                # Documented difference: transformers' warmup runs from m to 1, the spec's from 0 to 1.
                assert row == [b * (t / w) for b in lrs]
                assert theirs == [b * (t / w * (1.0 - m) + m) for b in lrs]


def test_wsd_differs_from_transformers_only_in_warmup_with_min_ratio() -> None:
    ours = trace(lambda o: WarmupStableDecayLR(o, 4, 2, 4, decay_type="linear", min_lr_ratio=0.5), [1.0], 12)
    hf = [
        hf_wsd_lambda(
            t,
            num_warmup_steps=4,
            num_stable_steps=2,
            num_decay_steps=4,
            warmup_type="linear",
            decay_type="linear",
            min_lr_ratio=0.5,
            num_cycles=0.5,
        )
        for t in range(12)
    ]
    assert [r[0] for r in ours][:4] == [0.0, 0.25, 0.5, 0.75]
    assert hf[:4] == [0.5, 0.625, 0.75, 0.875]
    assert [r[0] for r in ours][4:] == hf[4:]


def test_piecewise_formula() -> None:
    for rng in random_cases(4):
        lrs = random_lrs(rng)
        milestones = sorted(rng.sample(range(-20, 250), rng.randint(1, 8)))
        factors = [rng.choice([0.0, 1.0, rng.uniform(0, 2)]) for _ in milestones]
        got = trace(lambda o: PiecewiseLinearLR(o, milestones, factors), lrs)
        for t, row in enumerate(got):
            assert row == [piecewise(b, t, milestones, factors) for b in lrs]


# MARK: - The scheduler API


CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("WarmupCosineLR", lambda o: WarmupCosineLR(o, 5, 40, eta_min=1e-3, warmup_start_factor=0.1)),
    ("InverseSqrtLR", lambda o: InverseSqrtLR(o, 5, timescale=7)),
    ("WarmupStableDecayLR", lambda o: WarmupStableDecayLR(o, 5, 10, 20, decay_type="1-sqrt", min_lr_ratio=0.1)),
    ("PiecewiseLinearLR", lambda o: PiecewiseLinearLR(o, [2, 10, 30], [0.1, 1.0, 0.05])),
]


@pytest.mark.parametrize(("name", "make"), CASES)
def test_exported(name: str, make: Callable[[Any], Any]) -> None:
    assert name in S.__all__ and getattr(S, name).__name__ == name


@pytest.mark.parametrize(("name", "make"), CASES)
def test_step_epoch_is_the_closed_form(name: str, make: Callable[[Any], Any]) -> None:
    expected = trace(make, [0.1, 0.02], 50)
    opt = make_optimizer([0.1, 0.02])
    scheduler = make(opt)
    for t in [7, 3, 49, 0, 20]:
        opt.param_groups[0]["lr"] = 123.0  # absolute: the current lr is ignored
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            scheduler.step(t)
        assert [g["lr"] for g in opt.param_groups] == expected[t]
        assert scheduler._get_closed_form_lr() == expected[t]


@pytest.mark.parametrize(("name", "make"), CASES)
def test_state_dict_round_trip(name: str, make: Callable[[Any], Any]) -> None:
    opt = make_optimizer([0.1, 0.02])
    scheduler = make(opt)
    for _ in range(12):
        opt.step()
        scheduler.step()
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    assert state["last_epoch"] == 12 and "base_lrs" in state
    opt2 = make_optimizer([0.1, 0.02])
    other = make(opt2)
    opt2.load_state_dict(opt.state_dict())  # the optimizer's state first, as a resume loads it
    other.load_state_dict(state)
    for _ in range(20):
        opt.step(), scheduler.step(), opt2.step(), other.step()
        assert scheduler.get_last_lr() == other.get_last_lr()


def test_state_dict_keys() -> None:
    opt = make_optimizer()
    assert set(InverseSqrtLR(opt, 0).state_dict()) >= {"warmup_steps", "timescale", "base_lrs", "last_epoch"}
    assert InverseSqrtLR(make_optimizer(), 0).timescale == 10_000
    assert InverseSqrtLR(make_optimizer(), 6).timescale == 6
    s = WarmupStableDecayLR(make_optimizer(), 1, 2, 3)
    assert (s.decay_type, s.min_lr_ratio, s.decay_steps) == ("cosine", 0.0, 3)
    p = PiecewiseLinearLR(make_optimizer(), (0, 5), (1, 0))
    assert (p.milestones, p.factors) == ([0, 5], [1.0, 0.0])


def test_sequential_composition() -> None:
    opt = make_optimizer([0.1])
    first = PiecewiseLinearLR(opt, [0, 4], [0.0, 1.0])
    second = InverseSqrtLR(opt, 0, timescale=3)
    seq = S.SequentialLR(opt, [first, second], milestones=[4])
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(9):
        opt.step()
        seq.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[:4] == [0.1 * t / 4 for t in range(4)]
    assert lrs[4:] == [inverse_sqrt(0.1, t, 0, 3) for t in range(6)]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: WarmupCosineLR(o, 10, 10), ValueError, "total_steps must be greater than warmup_steps"),
        (lambda o: WarmupCosineLR(o, -1, 10), ValueError, "warmup_steps must be a non-negative integer"),
        (lambda o: WarmupCosineLR(o, 1, 10, eta_min=-1.0), ValueError, "eta_min must be a non-negative"),
        (lambda o: WarmupCosineLR(o, 1, 10, warmup_start_factor=2), ValueError, "warmup_start_factor must be between"),
        (lambda o: WarmupCosineLR(o, 1.5, 10), TypeError, "warmup_steps must be an int"),
        (lambda o: WarmupCosineLR(o, True, 10), TypeError, "warmup_steps must be an int"),
        (lambda o: WarmupCosineLR(o, 1, 10, eta_min="x"), TypeError, "eta_min must be a float"),
        (lambda o: InverseSqrtLR(o, 4, timescale=0), ValueError, "timescale must be a positive integer"),
        (lambda o: InverseSqrtLR(o, -4), ValueError, "warmup_steps must be a non-negative integer"),
        (lambda o: WarmupStableDecayLR(o, 1, 1, 0), ValueError, "decay_steps must be a positive integer"),
        (lambda o: WarmupStableDecayLR(o, 1, -1, 2), ValueError, "stable_steps must be a non-negative integer"),
        (lambda o: WarmupStableDecayLR(o, 1, 1, 2, decay_type="exp"), ValueError, "Unknown decay type: exp"),
        (lambda o: WarmupStableDecayLR(o, 1, 1, 2, decay_type=1), TypeError, "decay_type must be a str"),
        (lambda o: WarmupStableDecayLR(o, 1, 1, 2, min_lr_ratio=1.5), ValueError, "min_lr_ratio must be between"),
        (lambda o: PiecewiseLinearLR(o, [], []), ValueError, "milestones must not be empty"),
        (lambda o: PiecewiseLinearLR(o, [1, 2], [1.0]), ValueError, "the same length"),
        (lambda o: PiecewiseLinearLR(o, [3, 1], [1.0, 1.0]), ValueError, "strictly increasing"),
        (lambda o: PiecewiseLinearLR(o, [1, 1], [1.0, 1.0]), ValueError, "strictly increasing"),
        (lambda o: PiecewiseLinearLR(o, [1], [float("nan")]), ValueError, "non-negative finite"),
        (lambda o: PiecewiseLinearLR(o, 5, [1.0]), TypeError, "milestones must be a list"),
        (lambda o: PiecewiseLinearLR(o, [1.5], [1.0]), TypeError, "milestones must be an int"),
    ],
)
def test_argument_errors(make: Callable[[Any], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make(make_optimizer())


def test_no_trap_at_int_limits() -> None:
    big = 2**63 - 1
    opt = make_optimizer([1.0])
    s = WarmupStableDecayLR(opt, big, big, big)
    opt.step()
    with pytest.warns(UserWarning):
        s.step(2**62)
    assert opt.param_groups[0]["lr"] == pytest.approx(2**62 / big, rel=1e-15)
    opt = make_optimizer([1.0])
    opt.param_groups[0]["initial_lr"] = 1.0
    s = InverseSqrtLR(opt, 0, timescale=big, last_epoch=big - 1)
    opt.step()
    with pytest.raises(OverflowError):
        s.step()


def test_drives_a_torch_optimizer(torch: Any) -> None:
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scheduler = WarmupCosineLR(opt, 3, 20, eta_min=0.001)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(25):
        p.grad = torch.ones(2)
        opt.step()
        scheduler.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [warmup_cosine(0.1, t, 3, 20, 0.001, 0.0) for t in range(26)]
    # transformers' inverse-sqrt schedule as a torch LambdaLR gives the same lrs.
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    ref = torch.optim.lr_scheduler.LambdaLR(opt2, lambda t: hf_inverse_sqrt_lambda(t, num_warmup_steps=4))
    opt3 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    ours = InverseSqrtLR(opt3, 4)
    for _ in range(30):
        opt2.step(), ref.step(), opt3.step(), ours.step()
        assert ours.get_last_lr() == ref.get_last_lr()


@pytest.mark.parametrize("warmup", [0, 3, 100])
@pytest.mark.parametrize("epoch", [2**53 - 4, 2**53 + 4, 2**60 + 7, 3 * 2**53 + 1])
def test_inverse_sqrt_divides_huge_steps_as_its_reference(warmup: int, epoch: int) -> None:
    # The reference (transformers' lambda) divides two Python ints, correctly rounded past 2**53
    # (found by the oracle: swiftlr divided two rounded doubles).
    s = InverseSqrtLR(make_optimizer([1.0]), warmup_steps=warmup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated epoch, the step order
        s.step(epoch)
        s.step()
    timescale, t = warmup or 10_000, epoch + 1
    assert s.get_last_lr() == [1.0 / math.sqrt((t + timescale - warmup) / timescale)]
