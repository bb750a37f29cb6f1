"""Issue 14's goals, checked against one run's figures: the verdict that two
runs must agree on. Each check returns (goal, holds, the figure that decides)."""

from __future__ import annotations

from typing import Any

MEMORY_BOUND = 10**7  # elements from which a step streams from memory
BANDWIDTH_SHARE = 0.85  # of the in-place axpy's bandwidth, at memory-bound sizes
MAX_UFUNC_CALLS = 3.0  # a small step's fixed cost, in numpy in-place ufunc calls
SCHEDULER_SPEEDUP = 10.0  # scheduler steps against torch's, on every CPython


def sgd(rows: list[dict[str, Any]]) -> list[tuple[str, bool, str]]:
    timed = [r for r in rows if r["best_torch"]]
    checks = []
    if timed:
        worst = min(timed, key=lambda r: r["times"][r["best_torch"]] / r["times"]["swiftlr"])
        ratio = worst["times"][worst["best_torch"]] / worst["times"]["swiftlr"]
        checks.append(
            (
                "SGD at least as fast as torch's best path at every size",
                ratio >= 1.0,
                f"lowest {ratio:.2f}x ({worst['label']}, {worst['best_torch']})",
            )
        )
    bound = [r for r in rows if r["elements"] >= MEMORY_BOUND]
    if bound:
        worst = min(bound, key=lambda r: r["gbps"] / r["axpy_gbps"])
        share = worst["gbps"] / worst["axpy_gbps"]
        checks.append(
            (
                f"memory-bound sizes at {BANDWIDTH_SHARE} of the axpy's bandwidth or more",
                share >= BANDWIDTH_SHARE,
                f"lowest {share:.2f} ({worst['label']})",
            )
        )
    small = [r for r in rows if r["ufunc_calls"]]
    if small:
        worst = max(small, key=lambda r: r["ufunc_calls"])
        checks.append(
            (
                f"a small step within {MAX_UFUNC_CALLS:g} numpy in-place ufunc calls",
                worst["ufunc_calls"] <= MAX_UFUNC_CALLS,
                f"highest {worst['ufunc_calls']:.1f} ({worst['label']})",
            )
        )
    return checks


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


def report(checks: list[tuple[str, bool, str]]) -> None:
    for goal, holds, figure in checks:
        print(f"- {'holds' if holds else 'FAILS'}: {goal}: {figure}")
    if checks:
        print(f"\nVerdict: {'every goal holds' if all(h for _, h, _ in checks) else 'not every goal holds'}.")
