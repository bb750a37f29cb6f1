"""Random cases for the rule-of-the-epoch decay schedulers: multi-step,
constant, linear, exponential, polynomial and cosine annealing."""

from __future__ import annotations

import random

from scenarios import Case, case_generator, random_count, random_group_lrs


def _case(rng: random.Random, name: str, kwargs: dict, steps: int | None = None) -> Case:
    steps = steps or rng.randint(50, 400)
    return {
        "scheduler": name,
        "kwargs": kwargs,
        "lrs": random_group_lrs(rng),
        "momentum": 0.9,
        "steps": steps,
        "checkpoint": rng.randint(1, steps - 1),
    }


def _gamma(rng: random.Random) -> float:
    return rng.choice([0.1, 0.5, 0.9, 0.95, 0.99, 0.3333, 1.0, rng.uniform(0.5, 1.0), rng.uniform(0.9, 1.1)])


@case_generator("MultiStepLR")
def multi_step_lr(rng: random.Random) -> Case:
    steps = rng.randint(50, 400)
    milestones = [rng.randint(0, steps + 10) for _ in range(rng.randint(0, 8))]
    if milestones and rng.random() < 0.4:
        milestones += rng.sample(milestones, rng.randint(1, len(milestones)))  # repeats: gamma ** count
    if rng.random() < 0.7:
        milestones.sort()
    return _case(rng, "MultiStepLR", {"milestones": milestones, "gamma": _gamma(rng)}, steps)


@case_generator("ConstantLR")
def constant_lr(rng: random.Random) -> Case:
    factor = rng.choice([1.0 / 3, 0.5, 0.1, 1.0, 0.25, rng.uniform(0.01, 1.0)])
    return _case(
        rng,
        "ConstantLR",
        {"factor": factor, "total_iters": random_count(rng, rng.choice([0, 1, 5, rng.randint(-3, 120)]))},
    )


@case_generator("LinearLR")
def linear_lr(rng: random.Random) -> Case:
    start = rng.choice([1.0 / 3, 0.1, 1.0, 0.01, rng.uniform(1e-3, 1.0)])
    # Not 0: the chained ramp down to 0 can end a hair below 0 (-3e-20), which
    # swiftlr's SGD rejects on load_state_dict and torch's accepts.
    end = rng.choice([1.0, 0.05, 0.5, rng.uniform(0.01, 1.0)])
    total = rng.choice([1, 5, rng.randint(1, 150), rng.randint(-5, -1)])
    return _case(rng, "LinearLR", {"start_factor": start, "end_factor": end, "total_iters": random_count(rng, total)})


@case_generator("ExponentialLR")
def exponential_lr(rng: random.Random) -> Case:
    return _case(rng, "ExponentialLR", {"gamma": _gamma(rng)})


@case_generator("PolynomialLR")
def polynomial_lr(rng: random.Random) -> Case:
    power = rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 0.9, rng.uniform(0.0, 4.0)])
    return _case(
        rng, "PolynomialLR", {"total_iters": random_count(rng, rng.choice([1, 5, rng.randint(1, 300)])), "power": power}
    )


@case_generator("CosineAnnealingLR")
def cosine_annealing_lr(rng: random.Random) -> Case:
    t_max = rng.choice([1, 2, 10, rng.randint(1, 200), rng.randint(1, 200), -rng.randint(1, 50)])
    eta_min = rng.choice([0.0, 0.0, 1e-4, 0.01, rng.uniform(0.0, 0.05)])
    return _case(rng, "CosineAnnealingLR", {"T_max": random_count(rng, t_max), "eta_min": eta_min})
