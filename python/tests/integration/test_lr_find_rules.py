"""``benchmarks/lr_find_rules.py``'s rules over one sweep's curve: a tenth of
the settled minimum, the steepest slope against log lr (fastai) or against the
lr itself (Lightning), halfway along the longest decreasing run (fastai's
valley). Needs torch (the script trains the benchmark's torch problems); skips
without it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import lr_find_rules  # noqa: E402

LRS = [1e-6 * 10 ** (7 * k / 99) for k in range(100)]  # the benchmark's sweep: 1e-6 to 10 in 100 steps


def _curve() -> list[float]:
    """Flat up to 1e-3 but for one small step down (a batch's noise) at 2.6e-5,
    a fall from 1e-3 to 0.1, then a rise."""
    out = []
    for k, lr in enumerate(LRS):
        if lr < 1e-3:
            out.append(2.0 if k < 20 else 1.99)
        elif lr < 0.1:
            out.append(2.0 - math.log10(lr / 1e-3) * 0.9)
        else:
            out.append(0.2 + math.log10(lr / 0.1) * 3)
    return out


def test_min_over_ten_ignores_a_lucky_point_in_the_first_tenth() -> None:
    losses = _curve()
    losses[3] = 0.01  # one lucky early batch
    assert lr_find_rules.min_over_ten(LRS, losses) == pytest.approx(LRS[losses.index(min(losses[10:]))] / 10)
    assert 0.005 < lr_find_rules.min_over_ten(LRS, losses) < 0.015


def test_the_slope_against_lr_picks_the_noise_at_tiny_lrs_and_against_log_lr_the_fall() -> None:
    losses = _curve()
    assert 1e-3 <= lr_find_rules.steepest(LRS, losses, log_lr=True) < 0.1
    assert lr_find_rules.steepest(LRS, losses, log_lr=False, skip=10) < 1e-4  # dividing by lr magnifies the step


def test_the_valley_is_halfway_along_the_longest_decreasing_run() -> None:
    losses = _curve()
    start = next(k for k, lr in enumerate(LRS) if lr >= 1e-3)
    end = max(k for k, lr in enumerate(LRS) if lr < 0.1)
    # The subsequence starts at the first point (2.0, then the step's 1.99), but
    # the valley is counted back from its end: the fall's middle, not 1e-5.
    assert lr_find_rules.valley(LRS, losses) == pytest.approx(LRS[(start + end) // 2], rel=0.5)
    assert math.isnan(lr_find_rules.valley([1.0], [1.0]))


def test_every_rule_reads_one_real_sweep() -> None:
    problem = lr_find_rules.bench.problems(0)[0]  # logistic regression: the cheapest
    result = lr_find_rules.bench.swiftlr_result(problem)
    picked = lr_find_rules.rules(result)
    assert list(picked) == ["two-stage", "curve", "min/10", "steep log", "steep lr", "valley"]
    assert picked["two-stage"] == result.suggestion and len(result.candidates) == 5
    assert all(min(result.lrs) <= lr <= max(result.lrs) for name, lr in picked.items() if name != "min/10")
