"""Random cases for the composite schedulers (``SequentialLR``,
``ChainedScheduler``): sub-schedulers are nested ``{"scheduler", "kwargs"}``
specs, built recursively on the same optimizer by ``scenarios._decode``."""

from __future__ import annotations

import random
from typing import Any

from scenarios import Case, case_generator, random_group_lrs


def _leaf(rng: random.Random, steps: int) -> dict[str, Any]:
    """A simple sub-scheduler spec."""
    kind = rng.choice(
        [
            "ConstantLR",
            "LinearLR",
            "ExponentialLR",
            "StepLR",
            "MultiStepLR",
            "CosineAnnealingLR",
            "PolynomialLR",
            "LambdaLR",
            "MultiplicativeLR",
        ]
    )
    kwargs: dict[str, Any] = {
        "ConstantLR": lambda: {"factor": rng.choice([0.1, 0.5, 1.0 / 3]), "total_iters": rng.randint(0, 30)},
        "LinearLR": lambda: {"start_factor": rng.choice([0.01, 0.1, 1.0 / 3]), "total_iters": rng.randint(1, 40)},
        "ExponentialLR": lambda: {"gamma": rng.choice([0.9, 0.95, 0.99])},
        "StepLR": lambda: {"step_size": rng.randint(1, 30), "gamma": rng.choice([0.1, 0.5])},
        "MultiStepLR": lambda: {"milestones": sorted(rng.randint(0, steps) for _ in range(3)), "gamma": 0.5},
        # eta_min 0: chained with other decays, lr < eta_min and the cosine ratio > 1 give
        # lr < 0, which torch's SGD takes and swiftlr's rejects.
        "CosineAnnealingLR": lambda: {"T_max": rng.randint(1, steps), "eta_min": 0.0},
        "PolynomialLR": lambda: {"total_iters": rng.randint(1, steps), "power": rng.choice([1.0, 2.0, 0.5])},
        "LambdaLR": lambda: {"lr_lambda": {"lambda": rng.choice(["0.97 ** epoch", "1.0 / (epoch + 1)"])}},
        "MultiplicativeLR": lambda: {"lr_lambda": {"lambda": rng.choice(["0.98", "0.99 if epoch % 5 else 0.8"])}},
    }[kind]()
    return {"scheduler": kind, "kwargs": kwargs}


def _sequential(rng: random.Random, steps: int) -> dict[str, Any]:
    count = rng.randint(1, 4)
    schedulers = [_leaf(rng, steps) for _ in range(count)]
    # No composite inside: PyTorch runs a first composite's initial step through its
    # sub-schedulers' step() (a step-order warning), a later one has no get_lr for
    # `_update_lr(0)`, and a nested SequentialLR's undo takes last_epoch to -2.
    milestones = sorted(rng.randint(1, steps) for _ in range(count - 1))
    return {"scheduler": "SequentialLR", "kwargs": {"schedulers": schedulers, "milestones": milestones}}


def _chained(rng: random.Random, steps: int, depth: int) -> dict[str, Any]:
    schedulers = [_leaf(rng, steps) for _ in range(rng.randint(1, 3))]
    if depth > 0 and rng.random() < 0.3:
        schedulers.insert(rng.randint(0, len(schedulers)), _sequential(rng, steps))
    return {"scheduler": "ChainedScheduler", "kwargs": {"schedulers": schedulers}}


def _case(rng: random.Random, spec: dict[str, Any], steps: int) -> Case:
    return {
        **spec,
        "lrs": random_group_lrs(rng),
        "momentum": 0.9,
        "steps": steps,
        "checkpoint": rng.randint(1, steps - 1),
    }


@case_generator("SequentialLR")
def sequential_lr(rng: random.Random) -> Case:
    steps = rng.randint(50, 300)
    return _case(rng, _sequential(rng, steps), steps)


@case_generator("ChainedScheduler")
def chained_scheduler(rng: random.Random) -> Case:
    steps = rng.randint(50, 300)
    return _case(rng, _chained(rng, steps, depth=1), steps)
