"""The Swift dependent's SGD<Float>.step() and Adam<Float>.step() next to the
Python build's ``swiftlr.optim.SGD.step()`` and ``swiftlr.optim.Adam.step()``
at the same sizes (float32, one tensor; SGD with lr 0.01, momentum 0.9,
weight decay 1e-4; Adam with lr 1e-3 and its defaults).

    python benchmarks/dependent_optimizers.py PATH_TO_DependentOptimizers

The dependent is ``dependent_optimizers.swift`` built in a package that
depends on SwiftLR by version (``.ci/swift-dependency`` builds and passes it).
Like for like: each side is a fresh process (this script's ``--python`` mode
is the Python twin of the Swift loop: same arrays, a fresh parameter per
optimizer and size, the same samples and statistic), and they take turns,
dependent then Python, ``TURNS`` times; each side keeps its best time per
optimizer and size ("ratio": best against best); "median" is the median
of the turns' own ratios and "turns" their lowest and highest (each turn's
pair ran back to back: on a shared machine the median is the steadier
figure, as in ``timing.py``). Ratios above 1 mean the Swift dependent is
slower.

Two tables: with the kernels' worker threads (as a user runs them), then
with ``SWIFTLR_NUM_THREADS=1`` on both sides. On a machine whose cores
other work shares, whether a step gets a second core decides its time (2x
at 1e6 elements), so the first table's ratios there vary run to run; the
one-thread table compares what the two builds themselves run: the same
kernels over their own memory.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

import swiftlr
from swiftlr import _swiftlr, optim

TURNS = 5
ROUNDS = 30  # samples per optimizer and size, as the Swift side's bestStep
SIZES = (1_000, 100_000, 1_000_000, 10_000_000)

OPTIMIZERS: dict[str, Callable[[list[swiftlr.Parameter]], optim.Optimizer]] = {
    "sgd": lambda params: optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4),
    "adam": lambda params: optim.Adam(params, lr=1e-3),
}
TITLES = {"sgd": "SGD<Float>.step()", "adam": "Adam<Float>.step()"}

Times = dict[tuple[str, int], float]


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


def python_side() -> None:
    """The Python twin of dependent_optimizers.swift: the same lines, in the same order."""
    for n in SIZES:
        for name in OPTIMIZERS:
            print(name, n, python_step_seconds(name, n), flush=True)
    print("kernels", _swiftlr.sgd_kernels())


def run_side(command: list[str], env: dict[str, str]) -> tuple[Times, str]:
    """One process's times per (optimizer, elements), and the kernels it names."""
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    times: Times = {}
    kernels = "?"
    for line in out.splitlines():
        fields = line.split()
        if fields[0] == "kernels":
            kernels = fields[1]
        else:
            times[fields[0], int(fields[1])] = float(fields[2])
    return times, kernels


def compare(binary: str, threads: str | None) -> None:
    """Dependent and Python build in turns; prints the table of their best times."""
    env = dict(os.environ)
    if threads is None:
        env.pop("SWIFTLR_NUM_THREADS", None)
    else:
        env["SWIFTLR_NUM_THREADS"] = threads
    turns = []
    for _ in range(TURNS):
        swift, kernels = run_side([binary], env)
        python, python_kernels = run_side([sys.executable, __file__, "--python"], env)
        turns.append((swift, python))
    keys = sorted(turns[0][0], key=lambda key: (list(OPTIMIZERS).index(key[0]), key[1]))
    print(
        f"One float32 tensor, {'the worker threads' if threads is None else threads + ' thread'}: Swift "
        f"dependent ({kernels} kernels) vs Python build ({python_kernels} kernels), best of {TURNS} turns each"
    )
    print(f"{'step':<19} {'elements':>10} {'dependent':>12} {'Python':>12} {'ratio':>7} {'median':>7} {'turns':>12}")
    for key in keys:
        s = min(swift[key] for swift, _ in turns)
        p = min(python[key] for _, python in turns)
        ratios = [swift[key] / python[key] for swift, python in turns]
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(
            f"{TITLES[key[0]]:<19} {key[1]:>10} {s * 1e6:>10.1f}us {p * 1e6:>10.1f}us {s / p:>7.2f} "
            f"{statistics.median(ratios):>7.2f} {spread:>12}"
        )


def main(binary: str) -> None:
    compare(binary, None)
    compare(binary, "1")


if __name__ == "__main__":
    if sys.argv[1] == "--python":
        python_side()
    else:
        main(sys.argv[1])
