"""Random cases for the cycling schedulers: ``CyclicLR`` and ``OneCycleLR``
(lr and momentum, recorded each step), ``CosineAnnealingWarmRestarts``
(with fractional ``step(epoch)`` sequences on some cases) and ``SWALR``
(from ``swa_utils``)."""

from __future__ import annotations

import random
from typing import Any

from scenarios import Case, case_generator, random_group_lrs

SCALE_FNS = [
    "1 / (2.0 ** (epoch - 1))",
    "0.5 * (1 + math.sin(epoch * math.pi / 2))",
    "0.99 ** epoch",
    "1.0 if epoch < 3 else 0.5",
]
SCALE_OBJECTS = [("base ** epoch", {"base": 0.97}), ("1 / (1 + decay * epoch)", {"decay": 0.1})]


def _per_group(rng: random.Random, n: int, pick: Any) -> Any:
    return [pick() for _ in range(n)] if rng.random() < 0.4 else pick()


def _checkpointed(case: Case, rng: random.Random) -> Case:
    case["checkpoint"] = rng.randint(1, case["steps"] - 1)
    return case


@case_generator("CyclicLR")
def cyclic_lr(rng: random.Random) -> Case:
    lrs = random_group_lrs(rng)
    n = len(lrs)
    kwargs: dict[str, Any] = {
        "base_lr": _per_group(rng, n, lambda: rng.choice([1e-3, 0.01, 0.05]) * rng.uniform(0.5, 1.5)),
        "max_lr": _per_group(rng, n, lambda: rng.choice([0.1, 0.3, 1.0]) * rng.uniform(0.5, 1.5)),
        "step_size_up": rng.randint(1, 40),
        "mode": rng.choice(["triangular", "triangular2", "exp_range"]),
    }
    if rng.random() < 0.5:
        kwargs["step_size_down"] = rng.randint(0, 40)
    if kwargs["mode"] == "exp_range" or rng.random() < 0.2:
        kwargs["gamma"] = rng.choice([0.99, 0.999, 0.9995, 0.97])
    if rng.random() < 0.25:
        if rng.random() < 0.3:
            expr, attrs = rng.choice(SCALE_OBJECTS)
            kwargs["scale_fn"] = {"callable": expr, "attrs": dict(attrs)}
        else:
            kwargs["scale_fn"] = {"lambda": rng.choice(SCALE_FNS)}
        kwargs["scale_mode"] = rng.choice(["cycle", "iterations"])
    if rng.random() < 0.2:
        kwargs["cycle_momentum"] = False
    else:
        kwargs["base_momentum"] = _per_group(rng, n, lambda: rng.choice([0.8, 0.85, 0.7]))
        kwargs["max_momentum"] = _per_group(rng, n, lambda: rng.choice([0.9, 0.95, 0.99]))
    return _checkpointed(
        {
            "scheduler": "CyclicLR",
            "kwargs": kwargs,
            "lrs": lrs,
            "momentum": 0.9,
            "steps": rng.randint(50, 400),
            "record_momentum": True,
        },
        rng,
    )


def _one_cycle_is_defined(total: int, pct: float, three_phase: bool) -> bool:
    """False where a phase PyTorch reaches is empty (it divides by zero there)."""
    ends = [float(pct * total) - 1]
    if three_phase:
        ends.append(float(2 * pct * total) - 2)
    return all(e != total - 1 for e in ends) and (not three_phase or ends[0] != ends[1])


@case_generator("OneCycleLR")
def one_cycle_lr(rng: random.Random) -> Case:
    lrs = random_group_lrs(rng)
    n = len(lrs)
    while True:
        total = rng.randint(10, 400)
        pct = rng.choice([0.3, 0.25, 0.5, 0.1, 0.45, 0.0, round(rng.uniform(0.05, 0.95), 3)])
        three_phase = rng.random() < 0.4
        if _one_cycle_is_defined(total, pct, three_phase):
            break
    kwargs: dict[str, Any] = {
        "max_lr": _per_group(rng, n, lambda: rng.choice([0.1, 0.3, 1.0, 0.01]) * rng.uniform(0.5, 1.5)),
        "pct_start": pct,
        "anneal_strategy": rng.choice(["cos", "linear"]),
        "three_phase": three_phase,
        "div_factor": rng.choice([25.0, 10.0, 100.0]),
        "final_div_factor": rng.choice([1e4, 100.0, 1e3]),
    }
    divisors = [d for d in range(1, 21) if total % d == 0]
    if rng.random() < 0.3 and len(divisors) > 1:
        kwargs["steps_per_epoch"] = rng.choice(divisors)
        kwargs["epochs"] = total // kwargs["steps_per_epoch"]
    else:
        kwargs["total_steps"] = total
    if rng.random() < 0.2:
        kwargs["cycle_momentum"] = False
    else:
        kwargs["base_momentum"] = _per_group(rng, n, lambda: rng.choice([0.85, 0.8]))
        kwargs["max_momentum"] = _per_group(rng, n, lambda: rng.choice([0.95, 0.9, 0.99]))
    steps = rng.choice([total, total, rng.randint(max(2, total // 2), total)])
    return _checkpointed(
        {
            "scheduler": "OneCycleLR",
            "kwargs": kwargs,
            "lrs": lrs,
            "momentum": 0.9,
            "steps": steps,
            "record_momentum": True,
        },
        rng,
    )


def _fractional_epochs(rng: random.Random, steps: int) -> list[float]:
    """``epoch + i / iters`` as a training loop passes them, now and then jumping."""
    iters = rng.choice([3, 4, 7, 10])
    epochs: list[float] = []
    epoch = 0
    while len(epochs) < steps:
        epochs += [epoch + i / iters for i in range(iters)]
        epoch += 1 if rng.random() < 0.9 else rng.randint(2, 6)
    if rng.random() < 0.3:
        epochs[rng.randrange(steps)] = float(rng.randint(0, epoch))  # an interleaved whole epoch
    return epochs[:steps]


@case_generator("CosineAnnealingWarmRestarts")
def cosine_warm_restarts(rng: random.Random) -> Case:
    steps = rng.randint(50, 400)
    case: Case = {
        "scheduler": "CosineAnnealingWarmRestarts",
        "kwargs": {
            "T_0": rng.randint(1, 30),
            "T_mult": rng.choice([1, 1, 2, 3]),
            "eta_min": rng.choice([0.0, 0, 1e-4, 1e-3]),
        },
        "lrs": random_group_lrs(rng),
        "momentum": 0.9,
        "steps": steps,
    }
    if rng.random() < 0.4:
        case["epochs"] = _fractional_epochs(rng, steps)
    return _checkpointed(case, rng)


@case_generator("SWALR")
def swalr(rng: random.Random) -> Case:
    lrs = random_group_lrs(rng)
    n = len(lrs)
    return _checkpointed(
        {
            "scheduler": "SWALR",
            "module": "swa_utils",
            "kwargs": {
                "swa_lr": _per_group(rng, n, lambda: rng.choice([0.05, 0.01, 0.5]) * rng.uniform(0.5, 1.5)),
                "anneal_epochs": rng.choice([0, 1, 5, 10, 30]),
                "anneal_strategy": rng.choice(["cos", "linear"]),
            },
            "lrs": lrs,
            "momentum": 0.9,
            "steps": rng.randint(20, 200),
        },
        rng,
    )
