"""Adam over parameters that share memory: views of one flat buffer, played
on swiftlr (``together``) and on torch's fused AdamW (``torch_result``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

OPTIONS = {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}
N = 600_000  # elements of the buffer: a step split across the threads, sleeping workers woken
STEPS = 4

# Views of one flat buffer of N elements (numpy arrays or torch tensors alike).
LAYOUTS: dict[str, Callable[[Any], list[Any]]] = {
    "the same array twice": lambda a: [a, a],
    "an array and its transpose (tied embeddings)": lambda a: [a.reshape(600, -1), a.reshape(600, -1).T],
    # The second starts a third into the first: its thread reaches shared
    # elements before the first's does, unless they run one after another.
    "overlapping views": lambda a: [a[: 2 * N // 3], a[N // 3 :]],
    "disjoint halves": lambda a: [a[: N // 2], a[N // 2 :]],
}


def inputs(layout: str, dtype: Any) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """The buffer's start and each step's gradients (one per view, in the
    view's memory order, as autograd gives a parameter's gradient: torch's
    fused kernel walks a parameter and its gradient in memory order), from a seed."""
    rng = np.random.default_rng(len(layout))
    views = LAYOUTS[layout](np.zeros(N, dtype))
    grads = []
    for _ in range(STEPS):
        grads.append([np.empty_like(v) for v in views])
        for g in grads[-1]:
            g[...] = rng.standard_normal(g.shape)
    return rng.standard_normal(N).astype(dtype), grads


def together(layout: str, dtype: Any, capability: str) -> np.ndarray:
    """One swiftlr AdamW over all the views; the buffer after the steps."""
    import swiftlr
    from swiftlr import optim

    start, grads = inputs(layout, dtype)
    params = [swiftlr.Parameter(v) for v in LAYOUTS[layout](start)]
    optimizer = optim.AdamW(params, torch_capability=capability, **OPTIONS)
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g
        optimizer.step()
    return start


def torch_result(torch: Any, layout: str, dtype: Any) -> np.ndarray:
    """The same on torch's fused AdamW (its parameters views of one tensor)."""
    start, grads = inputs(layout, dtype)
    base = torch.from_numpy(start)
    params = [torch.nn.Parameter(v) for v in LAYOUTS[layout](base)]
    optimizer = torch.optim.AdamW(params, fused=True, **OPTIONS)
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = torch.from_numpy(g)
        optimizer.step()
    return start


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
