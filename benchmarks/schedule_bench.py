"""``swiftlr.schedules`` over 1e6 steps against the same closed form written in
vectorized numpy (what a numpy user writes by hand): one row per schedule
function. swiftlr's values are stepping's (the recurrence, bit for bit a
stepped scheduler); numpy's are the formula, checked to be within 1e-9 of
swiftlr's ``closed_form=True`` values so that both compute the same schedule.
``polynomial_lr`` uses power 0.9 (DeepLab's "poly"): numpy squares for ``** 2``
and copies for ``** 1``, where a recurrence of PyTorch's still calls ``pow``.

Allocation is the same for both: each call returns a new array from numpy's
allocator (swiftlr's kernel fills an ``np.empty``; numpy's expressions make
their temporaries), and the table first raises glibc malloc's dynamic mmap
threshold (``warm_heap``), so that both sides' 8 MB arrays come from the
process's already-faulted heap, as in a long-running process and as in
``run.py`` after the earlier tables. Without it, each 8 MB array is a fresh
``mmap`` page-faulted on first touch (about 1,300 faults per numpy call
measured here): numpy's several temporaries pay that and swiftlr's one
output less, and the table measured that difference instead of the
schedules (polynomial_lr 1.3-1.8x alone against 0.92x in the full run).

``python3 benchmarks/schedule_bench.py [--rounds N] [--steps N]`` prints the
table alone; ``run.py`` prints it with the others."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from timing import best_of_interleaved

from swiftlr import schedules

STEPS = 10**6
LR, ETA = 0.1, 1e-4
W = 2000  # warmup steps
T = STEPS  # the schedule's length


def _cos_anneal(s: np.ndarray, t_max: float, base: float = LR, eta: float = ETA) -> np.ndarray:
    return eta + (base - eta) * (1 + np.cos(np.pi * s / t_max)) / 2


def _one_cycle(s: np.ndarray) -> np.ndarray:
    initial, low, up = LR / 25, LR / 25 / 1e4, 0.3 * T - 1
    rise = np.cos(np.pi * s / up) + 1
    fall = np.cos(np.pi * (s - up) / (T - 1 - up)) + 1
    return np.where(s <= up, LR + (initial - LR) / 2 * rise, low + (LR - low) / 2 * fall)


def _cyclic(s: np.ndarray, base: float = 0.01, up: int = 2000) -> np.ndarray:
    cycle = np.floor(1 + s / (2 * up))
    x = np.abs(s / up - 2 * cycle + 1)
    return base + (LR - base) * np.maximum(0, 1 - x)


def _wsd(s: np.ndarray, stable: int = 500_000) -> np.ndarray:
    p = np.clip((s - W - stable) / (T - W - stable), 0, 1)
    return np.where(s < W, LR * s / W, LR * (0.5 * (1 + np.cos(np.pi * p))))


# name -> (the schedule, numpy's closed form of the same schedule)
CASES: dict[str, tuple[Any, Callable[[np.ndarray], np.ndarray]]] = {
    "step_lr": (schedules.step_lr(LR, step_size=1000, gamma=0.99), lambda s: LR * 0.99 ** (s // 1000)),
    "multi_step_lr": (
        schedules.multi_step_lr(LR, milestones=[300_000, 600_000, 900_000], gamma=0.1),
        lambda s: LR * 0.1 ** np.searchsorted([300_000, 600_000, 900_000], s, side="right"),
    ),
    "exponential_lr": (schedules.exponential_lr(LR, gamma=0.999995), lambda s: LR * 0.999995**s),
    "constant_lr": (
        schedules.constant_lr(LR, factor=0.5, total_iters=W),
        lambda s: np.where(s < W, LR * 0.5, LR),
    ),
    "linear_lr": (
        schedules.linear_lr(LR, start_factor=0.01, end_factor=1.0, total_iters=W),
        lambda s: LR * (0.01 + (1.0 - 0.01) * np.minimum(s, W) / W),
    ),
    "polynomial_lr": (
        schedules.polynomial_lr(LR, total_iters=T, power=0.9),
        lambda s: LR * (1 - np.minimum(s, T) / T) ** 0.9,
    ),
    "cosine_annealing_lr": (schedules.cosine_annealing_lr(LR, T_max=T, eta_min=ETA), lambda s: _cos_anneal(s, T)),
    "cosine_annealing_warm_restarts": (
        schedules.cosine_annealing_warm_restarts(LR, T_0=10_000, eta_min=ETA),
        lambda s: _cos_anneal(s % 10_000, 10_000),
    ),
    "one_cycle_lr": (schedules.one_cycle_lr(LR, total_steps=T), _one_cycle),
    "cyclic_lr": (schedules.cyclic_lr(0.01, LR, step_size_up=2000), _cyclic),
    "warmup_cosine_lr": (
        schedules.warmup_cosine_lr(LR, warmup_steps=W, total_steps=T, eta_min=ETA),
        lambda s: np.where(s < W, LR * s / W, _cos_anneal(s - W, T - W)),
    ),
    "inverse_sqrt_lr": (
        schedules.inverse_sqrt_lr(LR, warmup_steps=W),
        lambda s: np.where(s < W, LR * s / W, LR / np.sqrt(np.maximum(s, W) / W)),
    ),
    "warmup_stable_decay_lr": (
        schedules.warmup_stable_decay_lr(LR, warmup_steps=W, stable_steps=500_000, decay_steps=T - W - 500_000),
        _wsd,
    ),
    "piecewise_linear_lr": (
        schedules.piecewise_linear_lr(LR, milestones=[0, W, T], factors=[0.0, 1.0, 0.01]),
        lambda s: np.interp(s, [0, W, T], [0.0, LR, LR * 0.01]),
    ),
}


def check(name: str, steps: np.ndarray) -> None:
    """numpy's formula is the schedule's closed form (to 1e-9): the rows compare like with like."""
    schedule, formula = CASES[name]
    exact = getattr(schedules, schedule.function)(**schedule.arguments, closed_form=True)(steps)
    np.testing.assert_allclose(formula(steps), exact, rtol=1e-9, atol=1e-15, err_msg=name)


def warm_heap(steps: int) -> None:
    """Leave the heap faulted and large enough for the rows' arrays (room for
    three: numpy's longest-lived temporaries). The first array is mmapped, and
    freeing it raises glibc's mmap threshold past its size (up to a 32 MiB
    ceiling); the second then comes from the heap, which keeps its pages when
    it is freed (below the trim threshold, twice the mmap threshold)."""
    for _ in range(2):
        np.ones(3 * steps, dtype=np.float64)


def run(rounds: int, steps: int = STEPS) -> list[dict[str, Any]]:
    """One row per function: seconds for ``steps`` steps, swiftlr and numpy."""
    s = np.arange(steps, dtype=np.int64)
    warm_heap(steps)
    rows = []
    for name, (schedule, formula) in CASES.items():
        check(name, s)
        times = best_of_interleaved({"swiftlr": lambda: schedule(s), "numpy": lambda: formula(s)}, rounds)
        rows.append({"label": name, "times": times})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args()
    print(table(run(args.rounds, args.steps), args.steps))


def table(rows: list[dict[str, Any]], steps: int = STEPS) -> str:
    lines = [f"| schedule ({steps:.0e} steps) | swiftlr | numpy | numpy / swiftlr |", "|---|---|---|---|"]
    for row in rows:
        t = row["times"]
        lines.append(
            f"| {row['label']} | {t['swiftlr'] * 1e3:.1f} ms | {t['numpy'] * 1e3:.1f} ms | "
            f"{t['numpy'] / t['swiftlr']:.2f}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
