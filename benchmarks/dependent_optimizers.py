"""The Swift dependent's SGD<Float>.step() and Adam<Float>.step() next to the
Python build's ``swiftlr.optim.SGD.step()`` and ``swiftlr.optim.Adam.step()``
at the same sizes (float32, one tensor; SGD with lr 0.01, momentum 0.9,
weight decay 1e-4; Adam with lr 1e-3 and its defaults).

    python benchmarks/dependent_optimizers.py PATH_TO_DependentOptimizers

The dependent is ``dependent_optimizers.swift`` built in a package that
depends on SwiftLR by version (``.ci/swift-dependency`` builds and passes it).
They are two processes, so they take turns: three times the dependent's whole
run, then this process's; each keeps its best time per optimizer and size.
Ratios above 1 mean the Swift dependent is slower.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

import swiftlr
from swiftlr import _swiftlr, optim

TURNS = 3
ROUNDS = 30  # per turn, as the Swift side

OPTIMIZERS: dict[str, Callable[[list[swiftlr.Parameter]], optim.Optimizer]] = {
    "sgd": lambda params: optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4),
    "adam": lambda params: optim.Adam(params, lr=1e-3),
}
TITLES = {"sgd": "SGD<Float>.step()", "adam": "Adam<Float>.step()"}


def python_step_seconds(name: str, n: int) -> float:
    """Best seconds per step of the Python build's optimizer `name` over one float32 tensor of `n` elements."""
    p = swiftlr.Parameter((np.arange(n) % 13 / 8).astype(np.float32))
    p.grad = (np.arange(n) % 7 / 16 - 0.2).astype(np.float32)
    opt = OPTIMIZERS[name]([p])
    opt.step()
    calls = max(1, min(200, 2_000_000 // n))  # a sample lasts about a millisecond
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(calls):
            opt.step()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main(binary: str) -> None:
    swift: dict[tuple[str, int], float] = {}
    python: dict[tuple[str, int], float] = {}
    kernels = "?"
    for _ in range(TURNS):
        out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if fields[0] == "kernels":
                kernels = fields[1]
            else:
                key = (fields[0], int(fields[1]))
                swift[key] = min(swift.get(key, float("inf")), float(fields[2]))
        for key in swift:
            python[key] = min(python.get(key, float("inf")), python_step_seconds(*key))
    print(
        f"One float32 tensor: Swift dependent ({kernels} kernels) vs Python build "
        f"({_swiftlr.sgd_kernels()} kernels), best of {TURNS} turns each"
    )
    print(f"{'step':<19} {'elements':>10} {'dependent':>12} {'Python':>12} {'ratio':>7}")
    for name, n in sorted(swift, key=lambda key: (list(OPTIMIZERS).index(key[0]), key[1])):
        s, p = swift[name, n], python[name, n]
        print(f"{TITLES[name]:<19} {n:>10} {s * 1e6:>10.1f}us {p * 1e6:>10.1f}us {s / p:>7.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
