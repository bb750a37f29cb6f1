"""Gradient-clipping scenarios: random gradients (sizes, dtypes mixed or not,
None grads, NaN/inf, norm types, max_norm) clipped the same way by torch's
``torch.nn.utils`` and swiftlr's (``run_clip_case``), compared bit for bit."""

from __future__ import annotations

import base64
import hashlib
import math
import random
from typing import Any

import numpy as np

from scenarios import Api, Case

#: Sizes around torch's 32-byte norm vectors (8 float32, 4 float64) and its
#: tail, a few large ones, and 0.
SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 4099]
BIG_SIZES = [32_767, 40_000, 100_003]
#: Orders whose result is torch's at any size (the others: up to 32,767 elements).
ANY_SIZE_ORDERS = [2.0, math.inf, -math.inf]
ORDERS = ANY_SIZE_ORDERS + [1.0, 0.0, 3.0, 0.5, 1.5, -1.0, -2.5, 7.0]


def random_clip_case(rng: random.Random, big: bool = False) -> Case:
    """A random clipping program: gradients, an order, max_norm, and which
    of clip_grad_norm_ / clip_grad_value_ runs."""
    order = rng.choice(ORDERS)
    sizes = SIZES + (BIG_SIZES if big and order in ANY_SIZE_ORDERS else [])
    mixed = rng.random() < 0.25
    base = rng.choice(["float32", "float64"])
    return {
        "grads": [
            {
                "size": rng.choice(sizes),
                "dtype": rng.choice(["float32", "float64"]) if mixed else base,
                "none": rng.random() < 0.15,
                "nonfinite": rng.choice([None] * 12 + ["nan", "inf", "-inf"]),
                "scale": rng.choice([1e-6, 1e-3, 1.0, 100.0, 1e20]),
            }
            for _ in range(rng.randint(1, 6))
        ],
        "order": order,
        "max_norm": rng.choice([0.5, 1.0, 5.0, 1e-3, 1e6, -1.0, 0.0]) * rng.uniform(0.5, 1.5),
        "function": rng.choice(["norm"] * 3 + ["value"]),
        "clip_value": rng.choice([0.5, 1.0, 0.0, -0.3, 1e-3]),
        "error_if_nonfinite": rng.random() < 0.2,
        "seed": rng.randrange(2**31),
    }


def tail_clip_case(size: int, dtype: str, copies: int, seed: int) -> Case:
    """A 2-norm clip of `copies` gradients of one `size`: every tail length of
    torch's 32-byte vectors, where the rounding of its squares changes (fused
    or not, by capability and by the tail's position)."""
    grad = {"size": size, "dtype": dtype, "none": False, "nonfinite": None, "scale": 1.0}
    return {
        "grads": [dict(grad) for _ in range(copies)],
        "order": 2.0,
        "max_norm": 1.0,
        "function": "norm",
        "clip_value": 1.0,
        "error_if_nonfinite": False,
        "seed": seed,
    }


def tail_clip_cases() -> list[Case]:
    """Sizes 1 to 40, float32 and float64, one gradient and four (whose four
    norms are a tail of their own)."""
    return [
        tail_clip_case(size, dtype, copies, seed=size * 10 + copies)
        for size in range(1, 41)
        for dtype in ("float32", "float64")
        for copies in (1, 4)
    ]


def encode(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def digest(a: np.ndarray) -> str:
    """A gradient's bits, short: the SHA-256 of its bytes."""
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def case_grads(case: Case) -> list[np.ndarray | None]:
    """The case's gradients (None where the case says so)."""
    rng = np.random.default_rng(case["seed"])
    grads: list[np.ndarray | None] = []
    for g in case["grads"]:
        a = (rng.standard_normal(g["size"]) * g["scale"]).astype(g["dtype"])
        if g["nonfinite"] and g["size"]:
            a[rng.integers(g["size"])] = float(g["nonfinite"])
        grads.append(None if g["none"] else a)
    return grads


def run_clip_case(case: Case, api: Api, utils: Any) -> dict[str, Any]:
    """Plays a case with ``utils`` (``torch.nn.utils`` or ``swiftlr.nn.utils``)
    over ``api``'s parameters; returns the total norm (bytes and dtype) and
    every gradient afterwards (base64 of the total, SHA-256 of each gradient:
    equal strings are equal bits)."""
    params = []
    for g in case_grads(case):
        p = api.make_param(np.zeros(0 if g is None else g.size, dtype="float32" if g is None else g.dtype))
        api.set_grad(p, g)
        params.append(p)
    result: dict[str, Any] = {}
    try:
        if case["function"] == "norm":
            total = utils.clip_grad_norm_(
                params, case["max_norm"], case["order"], case.get("error_if_nonfinite", False)
            )
            total = np.asarray(total.numpy() if hasattr(total, "detach") else total)
            result["total"] = encode(total)
            result["total_dtype"] = str(total.dtype)
        elif any(p.grad is not None for p in params):
            result["total"] = utils.clip_grad_value_(params, case["clip_value"])
        # else: torch 2.15's clip_grad_value_ fails on no gradients at all
        # (an internal check, "Expected !nested_tensorlist[0].empty()");
        # swiftlr does nothing (README: where swiftlr differs).
    except RuntimeError as error:  # the errors of empty gradients, non-finite totals
        result["error"] = str(error)
    result["grads"] = [None if p.grad is None else digest(np.asarray(api_grad(p))) for p in params]
    return result


def api_grad(p: Any) -> np.ndarray:
    g = p.grad
    return g.detach().numpy() if hasattr(g, "detach") else g
