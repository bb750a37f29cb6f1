"""SGD cases compared bit for bit: random hyperparameters, sizes with every
kind of vector tail, dtypes and step counts; each step's parameters and
momentum buffers as a digest of their bytes (a 1e5-element case stays small
in the committed reference)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from scenarios import Api, Case

# Vector tails of every length for 4, 8 and 16 lanes, and a size split across threads.
SIZES = [1, 7, 15, 16, 17, 31, 33, 63, 65, 1000, 100_003]
CAPABILITIES = ("default", "avx2", "avx512")


def random_case(rng: random.Random) -> Case:
    momentum = rng.choice([0.0, 0.9, rng.random()])
    nesterov = momentum > 0 and rng.random() < 0.4
    return {
        "dtype": rng.choice(["float32", "float64"]),
        "sizes": [rng.choice(SIZES) for _ in range(rng.randint(1, 4))],
        "lr": rng.choice([0.1, rng.random(), 1e-3 * rng.random()]),
        "momentum": momentum,
        "dampening": 0.0 if nesterov else rng.choice([0.0, rng.random()]),
        "weight_decay": rng.choice([0.0, 0.1 * rng.random()]),
        "nesterov": nesterov,
        "maximize": rng.random() < 0.3,
        "steps": rng.randint(1, 6),
        "lr_change_at": rng.randint(1, 6),
        "seed": rng.randrange(2**31),
    }


def cases(count: int) -> list[Case]:
    return [random_case(random.Random(f"sgd-bits-{i}")) for i in range(count)]


def run(
    case: Case, api: Api, make: Callable[[list[Any], dict[str, Any]], Any], buffer: Callable[[Any, Any], Any]
) -> list[str]:
    """Plays the case; returns a digest of every parameter and momentum
    buffer after every step. ``make(params, options)`` builds the optimizer,
    ``buffer(optimizer, param)`` reads a momentum buffer as an array."""
    dtype = np.dtype(case["dtype"])
    rng = np.random.default_rng(case["seed"])
    params = [api.make_param(rng.standard_normal(n).astype(dtype)) for n in case["sizes"]]
    options = {k: case[k] for k in ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")}
    optimizer = make(params, options)
    digests = []
    for step in range(case["steps"]):
        if step == case["lr_change_at"]:
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] * 0.37
        for p, n in zip(params, case["sizes"]):
            api.set_grad(p, rng.standard_normal(n).astype(dtype))
        optimizer.step()
        h = hashlib.sha256()
        for p in params:
            h.update(np.ascontiguousarray(api.get_data(p)).tobytes())
            if case["momentum"]:
                h.update(np.ascontiguousarray(np.asarray(buffer(optimizer, p))).tobytes())
        digests.append(h.hexdigest()[:32])
    return digests


def run_swiftlr(case: Case, api: Api, capability: str | None) -> list[str]:
    """swiftlr's SGD following ``capability`` (None: its default, torch's here)."""
    chosen = {} if capability is None else {"torch_capability": capability}
    return run(
        case,
        api,
        lambda params, options: api.optim.SGD(params, **chosen, **options),
        lambda optimizer, p: optimizer.state[p]["momentum_buffer"],
    )


def run_torch(case: Case, api: Api) -> list[str]:
    """torch's default CPU path (``foreach=False``), under the capability of this process."""
    return run(
        case,
        api,
        lambda params, options: api.optim.SGD(params, foreach=False, **options),
        lambda optimizer, p: optimizer.state[p]["momentum_buffer"].detach().numpy(),
    )
