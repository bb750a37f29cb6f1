"""How far apart torch's three CPU Adam paths and swiftlr's end up: the ulp
distance of each parameter after many steps of the same program.

    PYTHONPATH=python /work/venvs/torch215/bin/python benchmarks/adam_paths.py [steps] [size]

Each path steps its own copy of the same parameters with the same gradients
(AdamW, weight decay 0.01, amsgrad off, the lr on a cosine schedule). swiftlr
reproduces torch's fused kernel (``fused=True``): its column must read 0.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch

import swiftlr
from swiftlr import optim


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place (ordered integer representations)."""
    bits = {4: np.int32, 8: np.int64}[a.itemsize]
    ia, ib = a.view(bits).astype(np.int64), b.view(bits).astype(np.int64)
    lowest = np.iinfo(bits).min
    ia = np.where(ia < 0, lowest - ia, ia)
    ib = np.where(ib < 0, lowest - ib, ib)
    return np.abs(ia - ib)


def run(dtype: type, steps: int, size: int) -> dict[str, tuple[int, float]]:
    rng = np.random.default_rng(0)
    init = rng.standard_normal(size).astype(dtype)
    paths = {"foreach=False": {"foreach": False}, "foreach=True": {"foreach": True}, "fused=True": {"fused": True}}
    tparams = {k: torch.nn.Parameter(torch.from_numpy(init.copy())) for k in paths}
    topts = {k: torch.optim.AdamW([tparams[k]], lr=1e-3, **kw) for k, kw in paths.items()}
    ours = swiftlr.Parameter(init.copy())
    opt = optim.AdamW([ours], lr=1e-3)
    for step in range(steps):
        lr = 1e-3 * 0.5 * (1 + math.cos(math.pi * step / steps))
        grad = rng.standard_normal(size).astype(dtype) * dtype(0.1)
        for k, o in topts.items():
            o.param_groups[0]["lr"] = lr
            tparams[k].grad = torch.from_numpy(grad.copy())
            o.step()
        opt.param_groups[0]["lr"] = lr
        ours.grad = grad
        opt.step()
    fused = tparams["fused=True"].detach().numpy()
    out = {}
    for k in ("foreach=False", "foreach=True"):
        d = ulps(tparams[k].detach().numpy(), fused)
        out[f"torch {k} vs fused"] = (int(d.max()), float((d > 0).mean()))
    d = ulps(ours.data, fused)
    out["swiftlr vs torch fused"] = (int(d.max()), float((d > 0).mean()))
    return out


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    print(
        f"torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}, {steps} steps, {size} elements"
    )
    for dtype in (np.float32, np.float64):
        for name, (worst, share) in run(dtype, steps, size).items():
            print(f"{np.dtype(dtype).name:8} {name:26} max {worst:6d} ulp, {share:6.1%} of elements differ")


if __name__ == "__main__":
    main()
