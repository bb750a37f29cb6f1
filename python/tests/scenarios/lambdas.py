"""Random cases for the user-function schedulers (``LambdaLR``,
``MultiplicativeLR``). Functions are data (see ``scenarios._decode``):
expressions of ``epoch``, as lambdas or as callable objects with state."""

from __future__ import annotations

import random
from typing import Any

from scenarios import Case, case_generator, random_group_lrs

LAMBDA_FACTORS = [
    "0.95 ** epoch",
    "epoch // 30",
    "1.0 / (epoch + 1)",
    "min(1.0, (epoch + 1) / 10)",
    "0.5 * (1 + math.cos(math.pi * epoch / 100))",
    "max(0.0, 1 - epoch / 200) ** 0.9",
    "0.1 if epoch < 20 else 1.0",
]
OBJECT_FACTORS = [("base ** epoch", {"base": 0.97}), ("scale / (1 + decay * epoch)", {"scale": 1.0, "decay": 0.05})]

MULTIPLICATIVE_FACTORS = [
    "0.95",
    "0.99 if epoch % 10 else 0.5",
    "1.0 - 0.001 * (epoch % 3)",
    "1.01 if epoch < 50 else 0.97",
    "(epoch + 1) / (epoch + 2)",
]
MULTIPLICATIVE_OBJECTS = [("base", {"base": 0.98}), ("1 - rate * (epoch % period == 0)", {"rate": 0.3, "period": 7})]


def _factor(rng: random.Random, exprs: list[str], objects: list[tuple[str, dict]]) -> dict[str, Any]:
    if rng.random() < 0.25:
        expr, attrs = rng.choice(objects)
        return {"callable": expr, "attrs": dict(attrs)}
    return {"lambda": rng.choice(exprs)}


def _case(rng: random.Random, name: str, exprs: list[str], objects: list[tuple[str, dict]]) -> Case:
    lrs = random_group_lrs(rng)
    if rng.random() < 0.5:
        lr_lambda: Any = [_factor(rng, exprs, objects) for _ in lrs]
    else:
        lr_lambda = _factor(rng, exprs, objects)
    steps = rng.randint(50, 400)
    return {
        "scheduler": name,
        "kwargs": {"lr_lambda": lr_lambda},
        "lrs": lrs,
        "momentum": 0.9,
        "steps": steps,
        "checkpoint": rng.randint(1, steps - 1),
    }


@case_generator("LambdaLR")
def lambda_lr(rng: random.Random) -> Case:
    return _case(rng, "LambdaLR", LAMBDA_FACTORS, OBJECT_FACTORS)


@case_generator("MultiplicativeLR")
def multiplicative_lr(rng: random.Random) -> Case:
    return _case(rng, "MultiplicativeLR", MULTIPLICATIVE_FACTORS, MULTIPLICATIVE_OBJECTS)
