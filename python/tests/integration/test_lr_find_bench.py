"""``benchmarks/lr_find_bench.py`` judges every lr by one protocol: the mean
final loss over several runs (initial weights and batch orders), run 0 being
the one the finders sweep; the grid's best is the lowest mean, not the lowest
single run; a diverged run makes the mean inf. Needs torch (the benchmark's
problems are torch models); skips without it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import lr_find_bench  # noqa: E402


@pytest.fixture(scope="module")
def logistic() -> lr_find_bench.Problem:
    return lr_find_bench.problems(0)[0]


def test_the_grid_best_is_the_lowest_mean_not_the_luckiest_run() -> None:
    grid = {0.01: [0.30, 0.31, 0.29], 0.1: [0.05, 0.80, 0.90], 1.0: [math.inf]}
    assert lr_find_bench.grid_best(grid) == 0.01  # 0.1 holds the lowest single run (0.05)
    assert lr_find_bench.grid_best({0.1: [0.5, 1.0], 0.3: [0.75, 0.75]}) == 0.1  # a tie: the smaller lr


def test_run_zero_is_the_finders_run_and_the_other_runs_are_other_draws(logistic: lr_find_bench.Problem) -> None:
    sweep = lr_find_bench._batches(logistic, 5)
    runs = [lr_find_bench._batches(logistic, 5, run) for run in range(3)]
    assert all(a[0].equal(b[0]) for a, b in zip(sweep, runs[0]))
    assert not runs[1][0][0].equal(runs[0][0][0]) and not runs[2][0][0].equal(runs[1][0][0])
    weights = [lr_find_bench._model(logistic, run).weight for run in range(2)]
    assert not weights[0].equal(weights[1])
    losses = lr_find_bench.judge(logistic, 0.1, 20, runs=3)
    assert len(losses) == 3 and len(set(losses)) == 3 and all(0 < loss < math.inf for loss in losses)
    assert losses[0] == lr_find_bench.train(logistic, 0.1, 20)


def test_a_diverged_run_makes_the_mean_inf_without_training_the_others() -> None:
    least_squares = lr_find_bench.problems(0)[4]
    assert lr_find_bench.judge(least_squares, 1e6, 20, runs=5) == [math.inf]
    assert lr_find_bench.judge(least_squares, math.nan, 20, runs=5) == [math.inf]  # Lightning found nothing
    assert lr_find_bench.mean([0.1, math.inf]) == math.inf


def test_a_mean_is_shown_with_its_standard_error() -> None:
    assert lr_find_bench.with_error([1.0, 2.0, 3.0]) == "2 ± 0.58"  # sd 1 over sqrt(3)
    assert lr_find_bench.with_error([0.5]) == "0.5" and lr_find_bench.with_error([math.inf]) == "inf"
