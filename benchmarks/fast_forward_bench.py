"""``scheduler.fast_forward(n)`` against a loop of ``n`` ``step()`` calls, side
by side (``timing.best_of_interleaved``), one param group, on swiftlr's SGD.

    PYTHONPATH=python python3 benchmarks/fast_forward_bench.py [--steps 1000000] [--rounds 3]

Prints each scheduler's two times and their ratio; the goal is 10x or more.
The states reached are compared too (they must be equal bit for bit).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from timing import best_of_interleaved

from swiftlr import Parameter, optim
from swiftlr.optim import lr_scheduler as sched

# name -> a scheduler on a fresh one-group optimizer, for n steps
CASES: dict[str, Callable[[Any, int], Any]] = {
    "StepLR": lambda o, n: sched.StepLR(o, step_size=30, gamma=0.9),
    "CooldownLR": lambda o, n: sched.CooldownLR(o, decay_steps=n),
    "CosineAnnealingWarmRestarts": lambda o, n: sched.CosineAnnealingWarmRestarts(o, T_0=1000),
    "OneCycleLR": lambda o, n: sched.OneCycleLR(o, max_lr=1.0, total_steps=n + 1),
    "CosineAnnealingLR": lambda o, n: sched.CosineAnnealingLR(o, T_max=n // 3, eta_min=1e-5),
}


def fresh(name: str, steps: int) -> Any:
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    return CASES[name](opt, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.steps
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {open('/proc/loadavg').read().split()[0]}")
    for name in CASES:
        made: dict[str, Any] = {}

        def forward(name: str = name) -> None:
            made["forward"] = fresh(name, n)
            made["forward"].fast_forward(n)

        def loop(name: str = name) -> None:
            scheduler = made["loop"] = fresh(name, n)
            step = scheduler.step
            for _ in range(n):
                step()

        times = best_of_interleaved({"fast_forward": forward, "step() loop": loop}, rounds=args.rounds)
        a, b = made["forward"], made["loop"]
        same = (
            a.state_dict() == b.state_dict() and a.optimizer.param_groups[0]["lr"] == b.optimizer.param_groups[0]["lr"]
        )
        print(
            f"{name}: fast_forward {times['fast_forward'] * 1e3:.1f} ms, step() loop {times['step() loop'] * 1e3:.0f} ms, "
            f"{times['step() loop'] / times['fast_forward']:.1f}x; same state: {same}",
            flush=True,
        )


if __name__ == "__main__":
    main()
