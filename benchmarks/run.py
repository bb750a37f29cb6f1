"""swiftlr's benchmark suite: `python3 benchmarks/run.py [--rounds N] [--markdown]`.

Measures, side by side in one run, swiftlr against PyTorch (CPU, when it is
installed) and numpy / plain Python, and prints ratios: how many times faster
swiftlr is (>1 is faster). Contenders run interleaved and keep their best of
several rounds, since these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import adam_bench  # noqa: E402
import goals  # noqa: E402
import loop_bench  # noqa: E402
import numpy as np  # noqa: E402
import pythons  # noqa: E402
import schedule_bench  # noqa: E402
import scheduler_bench  # noqa: E402
import sgd_bench  # noqa: E402

from swiftlr import _swiftlr  # noqa: E402


def load_torch() -> Any:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: measuring swiftlr against numpy and the bandwidth limit only.\n")
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def ratio(times: dict[str, float], other: str) -> str:
    return f"{times[other] / times['swiftlr']:.1f}x" if other in times else "–"


TABLES = ("schedulers", "sgd", "adam", "loop", "schedules", "pythons")


def optimizer_table(rows: list[dict[str, Any]]) -> None:
    """One optimizer's rows (`sgd_bench.run`): against torch's best path, its
    other paths, numpy when the row has it, and the bandwidth yardstick."""
    print(
        "| parameters | swiftlr | torch best | torch best / swiftlr | swiftlr GB/s | / axpy GB/s | torch paths vs swiftlr |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        t, r = row["times"], row["ratios"]
        best = row["best_torch"]
        torch_cell = f"{t[best] * 1e6:.1f} µs ({best.split()[1]})" if best else "–"
        ratio_cell = f"{row['vs_torch']:.2f}x" if best else "–"
        others = ", ".join(f"{name.split()[1]} {r[name]:.2f}x" for name in r if name.startswith("torch"))
        if "numpy" in r:
            others += f"{'; ' if others else ''}numpy {r['numpy']:.2f}x"
        if row["ufunc_calls"]:
            others += f"; a step = {row['ufunc_calls']:.1f} numpy in-place ufunc calls"
        if row.get("fixed_calls"):
            others += f" ({row['fixed_calls']:.1f} over {goals.FIXED_COST_ELEMENTS} elements: the fixed cost)"
        if row["a_a"]:
            others += f"; swiftlr against itself {row['a_a']:.2f}x"
        if row["paired"]:
            others += "; ratios: medians of the rounds' pairs"
        print(
            f"| {row['label']} | {t['swiftlr'] * 1e6:.1f} µs | {torch_cell} | {ratio_cell} | {row['gbps']:.1f} | "
            f"{row['share']:.2f} of {row['axpy_gbps']:.1f} | {others} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="interleaved rounds per figure (best is kept)")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds (a smoke test)")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PATH",
        help="another interpreter to measure scheduler steps on (pyenv's are found)",
    )
    parser.add_argument("--no-pythons", action="store_true", help="skip scheduler steps on other interpreters")
    parser.add_argument(
        "--tables",
        default=",".join(TABLES),
        help=f"comma-separated tables to run, of {', '.join(TABLES)} (default: all)",
    )
    args = parser.parse_args()
    tables = set(args.tables.split(","))
    if not tables <= set(TABLES):
        parser.error(f"unknown table(s) {', '.join(sorted(tables - set(TABLES)))}; choose from {', '.join(TABLES)}")
    if args.no_pythons:
        tables.discard("pythons")
    torch = load_torch()
    rounds = 3 if args.quick else args.rounds
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    print(
        f"swiftlr benchmarks, {datetime.date.today()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch.__version__}" if torch else "")
        + f", load average {os.getloadavg()[0]:.1f} at the start"
    )
    checks = []
    torch_times = {}
    if "schedulers" in tables:
        print()
        print("| figure | swiftlr | vs torch | vs numpy / Python | note |")
        print("|---|---|---|---|---|")
        for row in scheduler_bench.run(torch, rounds):
            if row.get("missing"):
                print(f"| {row['label']} | – | – | – | not implemented yet |")
                continue
            t = row["times"]
            torch_note = f"torch {t['torch'] * 1e6:.2f} µs" if "torch" in t else ""
            if "torch" in t:
                torch_times[row["label"]] = t["torch"]
            print(
                f"| {row['label']} | {t['swiftlr'] * 1e6:.3f} µs | {ratio(t, 'torch')} | {ratio(t, 'python')} | {torch_note} |"
            )
    sizes = sgd_bench.QUICK_SIZES if args.quick else sgd_bench.SIZES
    if "sgd" in tables:
        print()
        print(
            f"SGD (momentum {sgd_bench.MOMENTUM}, weight decay {sgd_bench.WEIGHT_DECAY}; swiftlr kernels: "
            f"{_swiftlr.sgd_kernels()}): torch best is the fastest of torch.optim.SGD's foreach=False (loop), "
            "foreach=True and fused=True; bandwidth counts 5 streams for SGD and 3 for the in-place axpy "
            "(a += s*b on all cores) run in the same rounds."
        )
        print()
        sgd_rows = sgd_bench.run(torch, rounds, sizes)
        optimizer_table(sgd_rows)
        checks += goals.sgd(sgd_rows)
    if "adam" in tables:
        for variant, (_, weight_decay) in adam_bench.VARIANTS.items():
            print()
            print(
                f"{variant} (lr {adam_bench.LR}, betas {adam_bench.BETAS}, eps {adam_bench.EPS}, weight decay "
                f"{weight_decay:g}): torch best is the fastest of torch.optim.{variant}'s foreach=False (loop), "
                f"foreach=True and fused=True; numpy is torch's formula in in-place ufuncs; bandwidth counts "
                f"{adam_bench.ADAM_STREAMS} streams for {variant} and 3 for the in-place axpy."
            )
            print()
            adam_rows = adam_bench.run(torch, rounds, sizes, variant)
            optimizer_table(adam_rows)
            checks += goals.sgd(adam_rows, variant)
    if "loop" in tables:
        print()
        print(
            f"SGD in a training loop: each step after {loop_bench.GAP * 1e3:g} ms of other work on the calling "
            "thread, one process per contender, in turn (median step, best round); workers: the CPU the "
            "process's other threads used, in cores."
        )
        print()
        print("| parameters | swiftlr | torch fused | torch fused / swiftlr | workers (swiftlr, torch) |")
        print("|---|---|---|---|---|")
        loop_sizes = loop_bench.QUICK_SIZES if args.quick else loop_bench.SIZES
        for row in loop_bench.run(torch, 1 if args.quick else 5, loop_sizes, steps=30 if args.quick else 150):
            t, w = row["times"], row["workers"]
            theirs = f"{t['torch'] * 1e6:.1f} µs" if "torch" in t else "–"
            vs = f"{t['torch'] / t['swiftlr']:.2f}x" if "torch" in t else "–"
            cores = f"{w['swiftlr']:.2f}" + (f", {w['torch']:.2f}" if "torch" in w else "")
            print(f"| {row['label']} | {t['swiftlr'] * 1e6:.1f} µs | {theirs} | {vs} | {cores} |")
    if "schedules" in tables:
        schedule_steps = 10**4 if args.quick else schedule_bench.STEPS
        print()
        print(
            "swiftlr.schedules (stepping's lrs, bit for bit a stepped scheduler) against the same closed form "
            "in vectorized numpy, over every step of 0..n-1:"
        )
        print()
        schedule_rows = schedule_bench.run(rounds, schedule_steps)
        print(schedule_bench.table(schedule_rows, schedule_steps))
        checks += goals.schedules(schedule_rows)
    if "pythons" in tables:
        print()
        print(
            f"Scheduler steps on each supported CPython found, swiftlr built with each (4 param "
            f"groups; torch's time is from the run above, Python {platform.python_version()}):"
        )
        print()
        checks += goals.schedulers(pythons.report(args.python, rounds, torch_times))
    print()
    print(f"The goals in this run (issues 14 and 21), load average {os.getloadavg()[0]:.1f} at the end:")
    print()
    goals.report(checks)


if __name__ == "__main__":
    main()
