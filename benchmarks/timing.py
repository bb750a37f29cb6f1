"""Timing that survives a shared, noisy machine: contenders run interleaved,
round after round, and each keeps its best round."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_of_interleaved(contenders: dict[str, Callable[[], None]], rounds: int, repeat: int = 1) -> dict[str, float]:
    """Seconds per call of each contender: the minimum over `rounds` rounds of
    the mean over `repeat` back-to-back calls. Each round runs every contender
    once, in turn, so a burst of noise hits all of them alike. Each sample
    starts with one untimed call: it times steps that find their data where
    the previous step of the same loop left it (in cache when it fits), not
    the first step after the other contenders evicted it."""
    best = {name: float("inf") for name in contenders}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in contenders.items():
                fn()
                start = time.perf_counter()
                for _ in range(repeat):
                    fn()
                best[name] = min(best[name], (time.perf_counter() - start) / repeat)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best
