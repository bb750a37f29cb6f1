"""Issue 14's goals (and issue 21's, the same for Adam), checked against one run's figures: the verdict that two
runs must agree on. Each check returns (goal, holds, the figure that decides).

At memory-bound sizes swiftlr and torch's fused SGD both move the memory's
bandwidth (the same five streams), so which is ahead is noise: there the run
times swiftlr twice over the same arrays, and torch counts as faster only by
more than swiftlr's two copies are apart (an A/A test). There too every ratio
is the median of the rounds' own ratios (`timing.paired_ratio`), not a ratio
of best rounds: the host's bandwidth drifts between rounds."""

from __future__ import annotations

from typing import Any

MEMORY_BOUND = 10**7  # elements from which a step streams from memory
BANDWIDTH_SHARE = 0.85  # of the in-place axpy's bandwidth, at memory-bound sizes
MAX_UFUNC_CALLS = 3.0  # a step's fixed cost, in numpy in-place ufunc calls
FIXED_COST_ELEMENTS = 16  # one parameter this small: a step costs what every step costs
SCHEDULER_SPEEDUP = 10.0  # scheduler steps against torch's, on every CPython


def sgd(rows: list[dict[str, Any]], optimizer: str = "SGD") -> list[tuple[str, bool, str]]:
    """The speed goals of one optimizer's rows (`sgd_bench.run`): issue 14's
    for SGD, issue 21's (the same) for Adam and AdamW."""
    timed = [r for r in rows if r["best_torch"]]
    checks = []
    if timed:
        worst = min(timed, key=lambda r: _vs_torch(r) / _resolution(r))
        ratio, resolution = _vs_torch(worst), _resolution(worst)
        figure = f"lowest {ratio:.2f}x ({worst['label']}, {worst['best_torch']})"
        if resolution < 1.0:
            figure += f"; swiftlr against itself in that row: {worst['a_a']:.2f}x"
        checks.append((f"{optimizer} at least as fast as torch's best path at every size", ratio >= resolution, figure))
    bound = [r for r in rows if r["elements"] >= MEMORY_BOUND]
    if bound:
        worst = min(bound, key=lambda r: r["share"])
        share = worst["share"]
        checks.append(
            (
                f"memory-bound sizes at {BANDWIDTH_SHARE} of the axpy's bandwidth or more ({optimizer})",
                share >= BANDWIDTH_SHARE,
                f"lowest {share:.2f} ({worst['label']})",
            )
        )
    small = [r for r in rows if r.get("fixed_calls")]
    if small:
        worst = max(small, key=lambda r: r["fixed_calls"])
        checks.append(
            (
                f"a step's fixed cost within {MAX_UFUNC_CALLS:g} numpy in-place ufunc calls ({optimizer})",
                worst["fixed_calls"] <= MAX_UFUNC_CALLS,
                f"highest {worst['fixed_calls']:.1f} ({worst['label'].split()[-1]}, one parameter of "
                f"{FIXED_COST_ELEMENTS} elements; {worst['ufunc_calls']:.1f} at {worst['label']})",
            )
        )
    return checks


def _vs_torch(row: dict[str, Any]) -> float:
    return float(row["vs_torch"])


def _resolution(row: dict[str, Any]) -> float:
    """The lowest ratio that still counts as a tie: where the run timed
    swiftlr twice (memory-bound rows, where both libraries run at the
    memory's bandwidth), torch ahead by no more than swiftlr's two copies
    are apart; elsewhere 1."""
    a_a = row.get("a_a")
    return min(1.0, a_a, 1 / a_a) if a_a else 1.0


def schedulers(vs_torch: list[tuple[str, str, float]]) -> list[tuple[str, bool, str]]:
    """`vs_torch`: (Python version, figure, torch's time / swiftlr's)."""
    if not vs_torch:
        return []
    version, label, ratio = min(vs_torch, key=lambda row: row[2])
    return [
        (
            f"scheduler steps {SCHEDULER_SPEEDUP:g}x torch's or more on every CPython",
            ratio >= SCHEDULER_SPEEDUP,
            f"lowest {ratio:.1f}x ({label}, Python {version})",
        )
    ]


def schedules(rows: list[dict[str, Any]]) -> list[tuple[str, bool, str]]:
    """Issue 19's goal: every ``swiftlr.schedules`` function as fast as numpy's closed form."""
    if not rows:
        return []
    worst = min(rows, key=lambda r: r["times"]["numpy"] / r["times"]["swiftlr"])
    ratio = worst["times"]["numpy"] / worst["times"]["swiftlr"]
    return [
        (
            "every swiftlr.schedules function at least as fast as vectorized numpy",
            ratio >= 1.0,
            f"lowest {ratio:.2f}x ({worst['label']})",
        )
    ]


def report(checks: list[tuple[str, bool, str]]) -> None:
    for goal, holds, figure in checks:
        print(f"- {'holds' if holds else 'FAILS'}: {goal}: {figure}")
    if checks:
        print(f"\nVerdict: {'every goal holds' if all(h for _, h, _ in checks) else 'not every goal holds'}.")
