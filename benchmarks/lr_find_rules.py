"""Which lr each suggestion rule picks on ``benchmarks/lr_find_bench.py``'s
problems, and how those lrs train: swiftlr's two-stage suggestion against the
rules that read one sweep's curve (fastai's and Lightning's, in our own words).

    /work/venvs/frameworks/bin/python benchmarks/lr_find_rules.py [--seeds 0,1,2] [--runs 5] [--only PROBLEM]

One swiftlr sweep per problem and seed (``lr_find_bench.swiftlr_result``: run 0, 1e-6 to 10 over
100 steps, ``restore=[model, optimizer]``), then on its smoothed curve:

- ``min/10``: a tenth of the lr where the smoothed loss is lowest (past the
  sweep's first tenth), fastai's ``minimum`` rule;
- ``steep log``: where the loss falls fastest against log lr, fastai's
  ``steep`` rule;
- ``steep lr``: where the loss falls fastest against the lr itself (a gradient
  in lr, not log lr; the first 10 and the last point skipped), what
  Lightning's ``suggestion()`` computes;
- ``valley``: halfway along the stretch as long as the longest decreasing
  subsequence of the smoothed losses, ending where it ends, fastai's
  ``valley`` rule;
- ``curve``: swiftlr's own rule over the curve (:func:`swiftlr._lr_find.suggest`,
  what ``lr_find`` suggests without ``restore``);

beside swiftlr's suggestion (``two-stage``) and its second stage's ladder
(each trial lr with its score). With ``--runs N`` (N > 0) every distinct lr
trains N of the benchmark's held-out runs (from ``HELD_OUT``, the same runs
for every lr) for the benchmark's budget, and each rule's mean final loss is
shown as a ratio to the two-stage suggestion's (paired runs; below 1: the rule
did better).
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lr_find_bench as bench  # noqa: E402

from swiftlr._lr_find import suggest  # noqa: E402

SETTLE = bench.SWEEP["num_steps"] // 10  # the finder's own warm-up: its average has seen too few losses before


# MARK: rules over one sweep's curve


def min_over_ten(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """A tenth of the lr of the lowest smoothed loss after the first tenth of the sweep."""
    k = min(range(SETTLE, len(losses)), key=lambda i: losses[i], default=None)
    return lrs[k] / 10 if k is not None else math.nan


def steepest(lrs: Sequence[float], losses: Sequence[float], *, log_lr: bool, skip: int = 0) -> float:
    """The lr of the most negative slope (central differences, one-sided at
    the ends) of the loss against log lr or lr, after ``skip`` points and
    without the last."""
    xs = [math.log(lr) if log_lr else lr for lr in lrs[skip:-1]]
    ys = list(losses[skip:-1])
    if len(xs) < 3:
        return math.nan
    slopes = [
        (ys[min(i + 1, len(ys) - 1)] - ys[max(i - 1, 0)]) / (xs[min(i + 1, len(xs) - 1)] - xs[max(i - 1, 0)])
        for i in range(len(xs))
    ]
    return lrs[skip + min(range(len(slopes)), key=lambda i: slopes[i])]


def valley(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """Halfway along the valley: the stretch as long as the longest strictly
    decreasing subsequence of the losses, ending where it ends (counted back
    from its end, as fastai does: a lucky early point joins the subsequence
    without dragging the valley back to it)."""
    n = len(losses)
    if n < 2:
        return math.nan
    length = [1] * n
    for i in range(n):
        for j in range(i):
            if losses[i] < losses[j]:
                length[i] = max(length[i], length[j] + 1)
    end = max(range(n), key=lambda i: (length[i], -i))
    return lrs[end - length[end] // 2]


def rules(result: Any) -> dict[str, float]:
    """Every rule's lr for one ``lr_find`` result."""
    lrs, losses = result.lrs, result.losses
    return {
        "two-stage": result.suggestion,
        "curve": suggest(lrs, losses),
        "min/10": min_over_ten(lrs, losses),
        "steep log": steepest(lrs, losses, log_lr=True),
        "steep lr": steepest(lrs, losses, log_lr=False, skip=10),
        "valley": valley(lrs, losses),
    }


# MARK: the table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="the benchmark's seeds, comma-separated (default: 0,1,2)")
    parser.add_argument("--runs", type=int, default=0, help="held-out runs per lr; 0 only shows the lrs (default: 0)")
    parser.add_argument("--budget", type=int, default=200, help="training steps per run (default: 200)")
    parser.add_argument("--only", default="", help="only the problems whose name contains this (default: all)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    names = ["two-stage", "curve", "min/10", "steep log", "steep lr", "valley"]  # rules()'s keys, in order
    print("| seed | problem | " + " | ".join(names) + " | ladder (lr: score) |")
    print("|---" * (len(names) + 3) + "|")
    for seed in (int(s) for s in args.seeds.split(",")):
        for problem in bench.problems(seed):
            if args.only not in problem.name:
                continue
            result = bench.swiftlr_result(problem)
            picked = rules(result)
            cells = [f"{lr:.3g}" for lr in picked.values()]
            if args.runs > 0:
                trained = {
                    lr: bench.judge(problem, lr, args.budget, args.runs, first=bench.HELD_OUT)
                    for lr in set(picked.values())
                }
                ours = trained[picked["two-stage"]]
                cells = [
                    f"{cell} ({bench.with_error(ours)})"
                    if name == "two-stage"
                    else f"{cell} ({bench.ratio_with_error(trained[lr], ours)})"
                    for (name, lr), cell in zip(picked.items(), cells)
                ]
            ladder = " ".join(f"{lr:.3g}: {score:.3g}" for lr, score in result.candidates)
            print(f"| {seed} | {problem.name} | " + " | ".join(cells) + f" | {ladder} |", flush=True)
    if args.runs > 0:
        print(
            f"two-stage: its held-out mean final loss; other rules: their mean / two-stage's over the same "
            f"{args.runs} held-out runs ({args.budget} steps)"
        )


if __name__ == "__main__":
    main()
