"""clip_grad_norm_ against torch's (its default CPU path, foreach on, and
foreach=False) and a numpy loop, side by side in one run.

    PYTHONPATH=python python3 benchmarks/clip_bench.py [--quick]

Each call computes the 2-norm of every gradient and scales them all (max_norm
1.0: after the first call the coefficient is about 1, the work the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of_interleaved  # noqa: E402

import swiftlr  # noqa: E402
from swiftlr.nn.utils import clip_grad_norm_  # noqa: E402

#: (label, tensors, elements per tensor)
SIZES = [
    ("1 x 1e3", 1, 10**3),
    ("1 x 1e6", 1, 10**6),
    ("10 x 1e5", 10, 10**5),
    ("1000 x 1e3", 1000, 10**3),
    ("1 x 1e7", 1, 10**7),
]
QUICK_SIZES = SIZES[:2]


def _numpy_clip(grads: list[np.ndarray]) -> None:
    total = np.sqrt(sum(float(np.dot(g, g)) for g in grads))
    coef = min(1.0 / (total + 1e-6), 1.0)
    for g in grads:
        g *= np.float32(coef)


def run(torch: Any, rounds: int, sizes: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    rows = []
    for label, count, n in sizes:
        rng = np.random.default_rng(0)
        grads = [rng.standard_normal(n).astype(np.float32) for _ in range(count)]
        params = []
        for g in grads:
            p = swiftlr.Parameter(np.zeros_like(g))
            p.grad = g.copy()
            params.append(p)
        contenders = {"swiftlr": lambda: clip_grad_norm_(params, 1.0)}
        numpy_grads = [g.copy() for g in grads]
        contenders["numpy"] = lambda: _numpy_clip(numpy_grads)
        if torch is not None:
            tparams = []
            for g in grads:
                t = torch.nn.Parameter(torch.zeros(n))
                t.grad = torch.from_numpy(g.copy())
                tparams.append(t)
            contenders["torch"] = lambda: torch.nn.utils.clip_grad_norm_(tparams, 1.0)
            contenders["torch foreach=False"] = lambda: torch.nn.utils.clip_grad_norm_(tparams, 1.0, foreach=False)
        repeat = max(1, 10**6 // (count * n))
        rows.append({"label": label, "times": best_of_interleaved(contenders, rounds, repeat)})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| gradients (float32) | swiftlr | torch best / swiftlr | numpy / swiftlr |",
        "|---|---|---|---|",
    ]
    for row in rows:
        t = row["times"]
        torch_times = [v for k, v in t.items() if k.startswith("torch")]
        vs_torch = f"{min(torch_times) / t['swiftlr']:.2f}x" if torch_times else "–"
        lines.append(
            f"| {row['label']} | {t['swiftlr'] * 1e6:.1f} µs | {vs_torch} | {t['numpy'] / t['swiftlr']:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    print(table(run(torch, 2 if args.quick else args.rounds, QUICK_SIZES if args.quick else SIZES)))


if __name__ == "__main__":
    main()
