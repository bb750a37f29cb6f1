"""Random cases for ``ReduceLROnPlateau``: metric sequences that fall with
noise, stall on plateaus, rise, cross zero into negative values (PyTorch's
relative threshold with negative metrics, pytorch/pytorch#38622) and now and
then are not finite."""

from __future__ import annotations

import math
import random

from scenarios import Case, case_generator, random_count, random_group_lrs


def random_metrics(rng: random.Random, steps: int) -> list[float]:
    """A loss curve: segments that fall, stall (tiny noise or exact repeats) or rise."""
    value = rng.choice([5.0, 1.0, 0.3, 0.01, -0.5, -2.0, 1000.0])
    scale = max(abs(value), 1e-3)
    metrics: list[float] = []
    while len(metrics) < steps:
        kind = rng.choice(["fall", "fall", "flat", "repeat", "rise", "cross"])
        for _ in range(rng.randint(2, 25)):
            if kind == "fall":
                value -= scale * rng.uniform(0.0, 0.05)
            elif kind == "flat":
                value += scale * rng.uniform(-1e-4, 1e-4)
            elif kind == "rise":
                value += scale * rng.uniform(0.0, 0.03)
            elif kind == "cross":
                value -= scale * rng.uniform(0.02, 0.2)  # heads below zero
            metrics.append(value)
    metrics = metrics[:steps]
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 3)):
            metrics[rng.randrange(steps)] = rng.choice([math.nan, math.inf, -math.inf])
    return metrics


@case_generator("ReduceLROnPlateau")
def reduce_lr_on_plateau(rng: random.Random) -> Case:
    lrs = random_group_lrs(rng)
    steps = rng.randint(60, 400)
    kwargs: dict = {
        "mode": rng.choice(["min", "min", "max"]),
        "factor": rng.choice([0.1, 0.5, 0.3333, 0.9, 0.75]),
        "patience": random_count(rng, rng.choice([0, 1, 2, 3, 5, 10])),
        "threshold": rng.choice([1e-4, 0.0, 1e-2, 0.05]),
        "threshold_mode": rng.choice(["rel", "rel", "abs"]),
        "cooldown": random_count(rng, rng.choice([0, 0, 1, 3])),
        "eps": rng.choice([1e-8, 1e-8, 1e-3, 0.0]),
    }
    roll = rng.random()
    if roll < 0.3:
        kwargs["min_lr"] = [lr * rng.choice([0.0, 1e-3, 0.05]) for lr in lrs]
    elif roll < 0.6:
        kwargs["min_lr"] = rng.choice([0, 1e-4, 1e-3])
    metrics = random_metrics(rng, steps)
    if kwargs["mode"] == "max":
        metrics = [-m for m in metrics]
    return {
        "scheduler": "ReduceLROnPlateau",
        "kwargs": kwargs,
        "lrs": lrs,
        "momentum": 0.9,
        "steps": steps,
        "metrics": metrics,
        "checkpoint": rng.randint(1, steps - 1),
    }
