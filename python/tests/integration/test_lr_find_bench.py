"""``benchmarks/lr_find_bench.py`` judges every lr by one protocol: the grid's
best is the lowest mean final loss over the selection runs (initial weights and
batch orders; run 0 is the one the finders sweep), not the lowest single run;
the verdict compares the grid's best, swiftlr's and Lightning's lr on the same
held-out runs, more of them while a comparison is within two standard errors;
a diverged run makes the mean inf. Needs torch (the benchmark's problems are
torch models); skips without it."""

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
    held_out = lr_find_bench.judge(logistic, 0.1, 20, runs=2, first=lr_find_bench.HELD_OUT)
    assert held_out[1] == lr_find_bench.train(logistic, 0.1, 20, lr_find_bench.HELD_OUT + 1)
    assert not set(held_out) & set(losses)  # the verdict's runs are none of the selection's


def test_a_diverged_run_makes_the_mean_inf_without_training_the_others() -> None:
    least_squares = lr_find_bench.problems(0)[4]
    assert lr_find_bench.judge(least_squares, 1e6, 20, runs=5) == [math.inf]
    assert lr_find_bench.judge(least_squares, math.nan, 20, runs=5) == [math.inf]  # Lightning found nothing
    assert lr_find_bench.mean([0.1, math.inf]) == math.inf


def test_a_mean_is_shown_with_its_standard_error() -> None:
    assert lr_find_bench.with_error([1.0, 2.0, 3.0]) == "2 ± 0.58"  # sd 1 over sqrt(3)
    assert lr_find_bench.with_error([0.5]) == "0.5" and lr_find_bench.with_error([math.inf]) == "inf"


def test_a_comparison_is_unresolved_while_within_two_standard_errors() -> None:
    assert not lr_find_bench.unresolved([1.0, 1.1, 0.9], [2.0, 2.1, 1.9], 1.1)  # far below 1.1 times
    assert lr_find_bench.unresolved([1.0, 3.0, 0.5], [1.0, 1.0, 1.0], 1.1)  # mean 1.5 against 1.1, sd 1.3
    assert not lr_find_bench.unresolved([1.0, math.inf], [1.0, 1.0], 1.1)  # divergence settles it
    tiny = [0.0, 0.0, 0.0, 3e-7]  # the CNN's losses: the mean is within two standard errors of zero
    assert lr_find_bench.unresolved(tiny, list(tiny), 1.1) and not lr_find_bench.unresolved(tiny, tiny, 1.1)
    assert lr_find_bench.standard_error([1.0, 2.0, 3.0]) == pytest.approx(1 / math.sqrt(3))


def test_the_verdict_takes_more_held_out_runs_only_while_unresolved(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[float, int, int]] = []

    def fake_judge(problem: object, lr: float, budget: int, runs: int, first: int = 0) -> list[float]:
        calls.append((lr, runs, first))
        if lr == 0.3:  # noisy around 1.1 times the best's 1.0
            return [1.1 + (-1) ** run * 0.5 for run in range(first, first + runs)]
        return [1.0 if lr == 0.1 else 2.0] * runs

    monkeypatch.setattr(lr_find_bench, "judge", fake_judge)
    clear = lr_find_bench.held_out(None, {"swiftlr": 0.1, "Lightning": 1e-5, "best": 0.1}, 9, 5, 20)  # type: ignore[arg-type]
    assert clear == {"swiftlr": [1.0] * 5, "Lightning": [2.0] * 5, "best": [1.0] * 5}
    assert calls == [(0.1, 5, lr_find_bench.HELD_OUT), (1e-5, 5, lr_find_bench.HELD_OUT)]  # 0.1 trained once
    noisy = lr_find_bench.held_out(None, {"swiftlr": 0.3, "Lightning": 1e-5, "best": 0.1}, 9, 5, 20)  # type: ignore[arg-type]
    assert [len(losses) for losses in noisy.values()] == [20, 20, 20]  # unresolved to the bound
    assert lr_find_bench.ratio_with_error(noisy["swiftlr"], noisy["best"]) == "1.10 ± 0.11"
