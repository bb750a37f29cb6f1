"""Random cases for the step-decay schedulers."""

from __future__ import annotations

import random

from scenarios import Case, case_generator, random_count, random_group_lrs


@case_generator("StepLR")
def step_lr(rng: random.Random) -> Case:
    steps = rng.randint(50, 400)
    return {
        "scheduler": "StepLR",
        "kwargs": {
            "step_size": random_count(rng, rng.randint(1, 40)),
            "gamma": rng.choice([0.1, 0.5, 0.9, 0.95, 0.99, 0.3333]),
        },
        "lrs": random_group_lrs(rng),
        "momentum": 0.9,
        "steps": steps,
        "checkpoint": rng.randint(1, steps - 1),
    }
