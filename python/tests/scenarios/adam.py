"""Adam/AdamW scenarios: random whole programs played the same way on torch's
fused Adam and swiftlr's (``run_adam_case``), compared bit for bit."""

from __future__ import annotations

import base64
import pickle
import random
from typing import Any

import numpy as np

from scenarios import Api, Case

#: Sizes around torch's vector widths (16 float32 / 8 float64 with AVX-512,
#: half that with AVX2) and its 32-byte vectorized tail, and a few larger ones.
SIZES = [1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 63, 64, 65, 100, 257]


def random_adam_case(rng: random.Random, big: bool = False) -> Case:
    """A random Adam program: groups of parameters, options, lr changes (a
    schedule's), gradients, and a state_dict round trip mid-way."""
    sizes = SIZES + ([4099, 40_000] if big else [])
    return {
        "dtype": rng.choice(["float32", "float64"]),
        "groups": [
            {
                "sizes": [rng.choice(sizes) for _ in range(rng.randint(1, 3))],
                "lr": rng.choice([1e-3, 1e-2, 0.1]) * rng.uniform(0.5, 1.5),
                "betas": [rng.choice([0.9, 0.8, 0.5, 0.3, 0.0]), rng.choice([0.999, 0.99, 0.9])],
                "eps": rng.choice([1e-8, 1e-6, 1e-3]),
                "weight_decay": rng.choice([0.0, 0.0, 1e-2, 0.1, 0.5]),
                "amsgrad": rng.random() < 0.4,
            }
            for _ in range(rng.randint(1, 2))
        ],
        "decoupled": rng.random() < 0.5,
        "maximize": rng.random() < 0.3,
        "steps": rng.randint(5, 25),
        "seed": rng.randrange(2**31),
        "none_grad_prob": rng.choice([0.0, 0.2]),
        "grad_scale": rng.choice([1e-3, 1.0, 100.0]),
        "checkpoint": rng.randint(2, 4),
    }


def run_adam_case(case: Case, api: Api, **options: Any) -> dict[str, Any]:
    """Plays an Adam case; returns the final parameters and state, each array
    as base64 of its bytes in the case's dtype (``decode`` reads them back):
    equal strings are equal bits.

    Each step the lr of every group is multiplied by a factor drawn from the
    case's generator (a schedule's doing); the optimizer's state dict is
    pickled into a fresh optimizer at ``checkpoint``. torch runs its fused
    kernel (``fused=True``); ``options`` go to the optimizer's constructor.
    """
    dtype = np.dtype(case["dtype"])
    rng = np.random.default_rng(case["seed"])
    initial = [[rng.standard_normal(n).astype(dtype) for n in g["sizes"]] for g in case["groups"]]
    params = [[api.make_param(a) for a in group] for group in initial]
    fused = {"fused": True} if api.name == "torch" else {}
    cls = api.optim.AdamW if case["decoupled"] else api.optim.Adam

    def make() -> Any:
        groups = [
            {
                "params": ps,
                "lr": g["lr"],
                "betas": tuple(g["betas"]),
                "eps": g["eps"],
                "weight_decay": g["weight_decay"],
                "amsgrad": g["amsgrad"],
            }
            for ps, g in zip(params, case["groups"])
        ]
        return cls(groups, maximize=case["maximize"], **fused, **options)

    optimizer = make()
    for step in range(case["steps"]):
        for group in optimizer.param_groups:
            group["lr"] = group["lr"] * float(rng.uniform(0.7, 1.3))
        if step == case["checkpoint"]:
            state = pickle.loads(pickle.dumps(optimizer.state_dict()))
            optimizer = make()
            optimizer.load_state_dict(state)
        for group in params:
            for p in group:
                none = rng.random() < case["none_grad_prob"]
                grad = (rng.standard_normal(api.get_data(p).shape) * case["grad_scale"]).astype(dtype)
                api.set_grad(p, None if none else grad)
        optimizer.step()
    flat = [p for group in params for p in group]
    result: dict[str, Any] = {"params": [_encode(api.get_data(p)) for p in flat], "state": []}
    for p in flat:
        state = optimizer.state.get(p, {})
        result["state"].append({k: _encode(v) for k, v in sorted(state.items())})
    return result


def _encode(value: Any) -> str:
    array = np.ascontiguousarray(value.detach().numpy() if hasattr(value, "detach") else value)
    return f"{array.dtype.str}:" + base64.b64encode(array.tobytes()).decode()


def decode(text: str) -> np.ndarray:
    """An array encoded by ``run_adam_case``."""
    dtype, data = text.split(":", 1)
    return np.frombuffer(base64.b64decode(data), dtype=np.dtype(dtype))
