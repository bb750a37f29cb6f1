"""The Swift dependent's SGD<Float>.step() next to the Python build's
``swiftlr.optim.SGD.step()`` at the same sizes (float32, lr 0.01, momentum
0.9, weight decay 1e-4, one tensor).

    python benchmarks/dependent_sgd.py PATH_TO_DependentSGD

The dependent is ``dependent_sgd.swift`` built in a package that depends on
SwiftLR by version (``.ci/swift-dependency`` builds and passes it). They are
two processes, so they take turns: three times the dependent's whole run,
then this process's; each keeps its best time per size. Ratios above 1 mean
the Swift dependent is slower.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

import swiftlr
from swiftlr import _swiftlr, optim

TURNS = 3
ROUNDS = 30  # per turn, as the Swift side


def python_step_seconds(n: int) -> float:
    """Best seconds per step of the Python build's SGD over one float32 tensor of `n` elements."""
    p = swiftlr.Parameter((np.arange(n) % 13 / 8).astype(np.float32))
    p.grad = (np.arange(n) % 7 / 16 - 0.2).astype(np.float32)
    sgd = optim.SGD([p], lr=0.01, momentum=0.9, weight_decay=1e-4)
    sgd.step()
    calls = max(1, min(200, 2_000_000 // n))  # a sample lasts about a millisecond
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(calls):
            sgd.step()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main(binary: str) -> None:
    swift: dict[int, float] = {}
    python: dict[int, float] = {}
    kernels = "?"
    for _ in range(TURNS):
        out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            name, value = line.split()
            if name == "kernels":
                kernels = value
            else:
                swift[int(name)] = min(swift.get(int(name), float("inf")), float(value))
        for n in swift:
            python[n] = min(python.get(n, float("inf")), python_step_seconds(n))
    print(
        f"SGD<Float>.step(), one tensor: Swift dependent ({kernels} kernels) vs Python build "
        f"({_swiftlr.sgd_kernels()} kernels), best of {TURNS} turns each"
    )
    print(f"{'elements':>10} {'dependent':>12} {'Python':>12} {'ratio':>7}")
    for n in sorted(swift):
        print(f"{n:>10} {swift[n] * 1e6:>10.1f}us {python[n] * 1e6:>10.1f}us {swift[n] / python[n]:>7.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
