"""SGD steps as a training loop makes them: each step after 2 ms of other work
on the calling thread (the forward and backward pass), so a thread pool whose
workers sleep between calls finds them asleep, and data the step touched last
time has cooled. swiftlr against torch's fused SGD (its fastest path from 1e5
elements up, in `sgd_bench`'s table).

Each contender runs in a process of its own, the two in turn, round after
round: in one process, torch's OpenMP workers, which spin about 8 ms after
every call, would hold a core during swiftlr's step. A figure is the median
step of a round, the best round kept; beside it, the CPU the process's other
threads (the workers) used, as a share of one core.

`python3 loop_bench.py --contender swiftlr|torch --sizes ...` is one process's run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np
from sgd_bench import LR, MOMENTUM, WEIGHT_DECAY

GAP = 2e-3  # seconds of other work before each step
SIZES = [10**5, 3 * 10**5, 10**6]  # from 1e7 a step streams from memory: the gap changes nothing
QUICK_SIZES = [10**5]
DTYPES = ("float32", "float64")


def _other_work(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _optimizer(contender: str, size: int, dtype: str) -> Any:
    rng = np.random.default_rng(0)
    data, grad = rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)
    if contender == "torch":
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        p = torch.nn.Parameter(torch.from_numpy(data))
        p.grad = torch.from_numpy(grad)
        return torch.optim.SGD([p], lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, fused=True)
    import swiftlr
    from swiftlr import optim

    param = swiftlr.Parameter(data)
    param.grad = grad
    return optim.SGD([param], lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)


def measure(contender: str, sizes: list[int], steps: int) -> dict[str, dict[str, float]]:
    """{label: {"median": seconds per step, "workers": share of a core}} for one process."""
    out = {}
    for dtype in DTYPES:
        for size in sizes:
            opt = _optimizer(contender, size, dtype)
            opt.step()
            times = []
            wall, others = time.perf_counter(), time.process_time() - time.thread_time()
            for _ in range(steps):
                _other_work(GAP)
                start = time.perf_counter()
                opt.step()
                times.append(time.perf_counter() - start)
            others = time.process_time() - time.thread_time() - others
            times.sort()
            out[f"1 x {size:.0e} {dtype}"] = {
                "median": times[len(times) // 2],
                "workers": others / (time.perf_counter() - wall),
            }
    return out


def run(torch: Any, rounds: int, sizes: list[int], steps: int = 150) -> list[dict[str, Any]]:
    """Rows of {label, times: {contender: best median}, workers: {contender: share}}."""
    contenders = ["swiftlr"] + (["torch"] if torch is not None else [])
    best: dict[str, dict[str, dict[str, float]]] = {}
    for _ in range(rounds):
        for contender in contenders:
            command = [sys.executable, __file__, "--contender", contender, "--steps", str(steps), "--sizes"]
            done = subprocess.run(
                command + [str(s) for s in sizes], capture_output=True, text=True, check=True, timeout=1800
            )
            for label, figure in json.loads(done.stdout).items():
                kept = best.setdefault(label, {}).get(contender)
                if kept is None or figure["median"] < kept["median"]:
                    best[label][contender] = figure
    return [
        {
            "label": label,
            "times": {c: f["median"] for c, f in figures.items()},
            "workers": {c: f["workers"] for c, f in figures.items()},
        }
        for label, figures in best.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="one contender's training-loop steps (run by run.py)")
    parser.add_argument("--contender", choices=("swiftlr", "torch"), required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.contender, args.sizes, args.steps)))


if __name__ == "__main__":
    main()
