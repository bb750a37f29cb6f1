"""Adam and AdamW over the SGD table's sizes (`sgd_bench.SIZES`): swiftlr
against the best of torch.optim.Adam/AdamW's three CPU paths (foreach=False,
foreach=True, fused=True) and an in-place numpy Adam, in float32 and float64,
with the same bandwidth yardstick (`sgd_bench.run` times them all)."""

from __future__ import annotations

from typing import Any

import goals
import numpy as np
import sgd_bench

import swiftlr
from swiftlr import optim

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8
ADAMW_WEIGHT_DECAY = 0.01  # AdamW's default
ADAM_STREAMS = 7  # read param, grad, exp_avg, exp_avg_sq; write param, exp_avg, exp_avg_sq
VARIANTS = {"Adam": ("Adam", 0.0), "AdamW": ("AdamW", ADAMW_WEIGHT_DECAY)}


def numpy_adam(
    param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, decoupled_decay: float
) -> Any:
    """One Adam(W) step in numpy, in place, with one scratch array: what a
    numpy user writes (torch's single-tensor formula, ufunc by ufunc)."""
    scratch = np.empty_like(param)
    state = {"step": 0}
    b1, b2 = BETAS

    def step() -> None:
        state["step"] += 1
        t = state["step"]
        bias1, bias2_sqrt = 1 - b1**t, (1 - b2**t) ** 0.5
        if decoupled_decay:
            np.multiply(param, 1 - LR * decoupled_decay, out=param)
        np.subtract(grad, exp_avg, out=scratch)  # exp_avg.lerp_(grad, 1 - b1)
        np.multiply(scratch, 1 - b1, out=scratch)
        np.add(exp_avg, scratch, out=exp_avg)
        np.multiply(exp_avg_sq, b2, out=exp_avg_sq)  # exp_avg_sq.mul_(b2).addcmul_(grad, grad, 1 - b2)
        np.multiply(grad, grad, out=scratch)
        np.multiply(scratch, 1 - b2, out=scratch)
        np.add(exp_avg_sq, scratch, out=exp_avg_sq)
        np.sqrt(exp_avg_sq, out=scratch)  # denom = sqrt(v) / sqrt(bias2) + eps
        np.divide(scratch, bias2_sqrt, out=scratch)
        np.add(scratch, EPS, out=scratch)
        np.divide(exp_avg, scratch, out=scratch)
        np.multiply(scratch, LR / bias1, out=scratch)
        np.subtract(param, scratch, out=param)

    return step


def contenders_of(variant: str) -> Any:
    """`make` for `sgd_bench.run`: the contenders of one row of `variant`."""
    name, weight_decay = VARIANTS[variant]

    def make(count: int, size: int, dtype: Any, torch: Any) -> dict[str, Any]:
        """swiftlr's optimizer, torch's three paths and numpy's, all stepping
        the same arrays (torch's parameters, gradients and moments are views
        of swiftlr's: see `sgd_bench.make_contenders`)."""
        rng = np.random.default_rng(0)
        params = [swiftlr.Parameter(rng.standard_normal(size).astype(dtype)) for _ in range(count)]
        for p in params:
            p.grad = rng.standard_normal(size).astype(dtype)
        ours = getattr(optim, name)(params, lr=LR, betas=BETAS, eps=EPS, weight_decay=weight_decay)
        ours.step()  # allocate the moments
        out = {"swiftlr": ours.step}
        state = [ours.state[p] for p in params]
        if count * size >= goals.MEMORY_BOUND:
            # An A/A control over the same arrays (see sgd_bench.make_contenders).
            control = getattr(optim, name)(params, lr=LR, betas=BETAS, eps=EPS, weight_decay=weight_decay)
            for p, s in zip(params, state):
                control.state[p] = {k: v.copy() if k == "step" else v for k, v in s.items()}
            out["swiftlr again"] = control.step
        steps = [
            numpy_adam(p.data, p.grad, s["exp_avg"], s["exp_avg_sq"], weight_decay if name == "AdamW" else 0.0)
            for p, s in zip(params, state)
        ]

        def numpy_steps() -> None:
            for step in steps:
                step()

        out["numpy"] = numpy_steps
        if torch is not None:
            for path, kwargs in sgd_bench.TORCH_PATHS.items():
                tparams = [torch.nn.Parameter(torch.from_numpy(p.data)) for p in params]
                for tp, p in zip(tparams, params):
                    tp.grad = torch.from_numpy(p.grad)
                topt = getattr(torch.optim, name)(
                    tparams, lr=LR, betas=BETAS, eps=EPS, weight_decay=weight_decay, **kwargs
                )
                topt.step()  # allocate torch's state, then swap in views of swiftlr's moments
                for tp, s in zip(tparams, state):
                    topt.state[tp]["exp_avg"] = torch.from_numpy(s["exp_avg"])
                    topt.state[tp]["exp_avg_sq"] = torch.from_numpy(s["exp_avg_sq"])
                out[f"torch {path}"] = topt.step
        return out

    return make


def run(torch: Any, rounds: int, sizes: list[tuple[int, int]], variant: str) -> list[dict[str, Any]]:
    """`sgd_bench.run`'s rows for Adam or AdamW."""
    return sgd_bench.run(torch, rounds, sizes, make=contenders_of(variant), streams=ADAM_STREAMS)
