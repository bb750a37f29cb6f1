"""No leaks: after a warm-up, a million native operations (scheduler steps,
SGD steps, constructions, state_dict round trips, calls that fail and raise)
leave the resident set flat, and a steady-state ``SGD.step`` keeps no
lasting Python allocation."""

from __future__ import annotations

import gc
import os
import sys
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

PAGE = os.sysconf("SC_PAGE_SIZE")
MAX_GROWTH = 16 * 2**20


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def make_opt() -> optim.SGD:
    params = [swiftlr.Parameter(np.ones(8)), swiftlr.Parameter(np.ones(3, np.float32))]
    for p in params:
        p.grad = np.full(p.shape, 1e-3, p.dtype)
    return optim.SGD([{"params": [p], "lr": 0.1} for p in params], lr=0.1, momentum=0.9)


def workloads() -> list[tuple[str, int, Callable[[], None]]]:
    """(name, native operations per call, call)."""
    opt = make_opt()
    steppers = [
        lr_scheduler.StepLR(opt, step_size=5),
        lr_scheduler.CosineAnnealingLR(opt, T_max=100),
        lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10**12),
        lr_scheduler.LambdaLR(opt, lambda e: 0.99),
    ]
    plateau = lr_scheduler.ReduceLROnPlateau(opt, patience=2)

    def step_schedulers() -> None:
        for s in steppers:
            s.step()
        plateau.step(1.0)

    def sgd_step() -> None:
        opt.step()

    def construct() -> None:
        lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=4)
        lr_scheduler.StepLR(opt, step_size=3)

    def round_trip() -> None:
        for s in steppers:
            s.load_state_dict(s.state_dict())

    bad = swiftlr.Parameter(np.ones(4))
    bad._grad = np.ones(5)
    bad_opt = optim.SGD([bad], lr=0.1, momentum=0.9)

    def failures() -> None:
        for call in (
            lambda: lr_scheduler.StepLR(opt, step_size=0),
            lambda: lr_scheduler.StepLR(opt, step_size=2**64),
            lambda: steppers[0].load_state_dict({"step_size": "x"}),
            lambda: steppers[0].step("x"),
            bad_opt.step,
        ):
            try:
                call()
            except (ValueError, TypeError, OverflowError):
                pass
            else:
                raise AssertionError("expected an error")

    return [
        ("scheduler steps", 5, step_schedulers),
        ("SGD steps", 1, sgd_step),
        ("constructions", 2, construct),
        ("state_dict round trips", 8, round_trip),
        ("failed calls", 5, failures),
    ]


def test_rss_stays_flat_over_a_million_native_operations() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loads = workloads()
        shares = {
            "scheduler steps": 400_000,
            "SGD steps": 300_000,
            "constructions": 60_000,
            "state_dict round trips": 160_000,
            "failed calls": 100_000,
        }
        for _, per_call, fn in loads:  # warm-up: caches, free lists, arenas
            for _ in range(2000 // per_call):
                fn()
        gc.collect()
        start = rss()
        total = 0
        for name, per_call, fn in loads:
            for _ in range(shares[name] // per_call):
                fn()
            total += shares[name]
        gc.collect()
        growth = rss() - start
    assert total >= 1_000_000
    print(f"RSS growth over {total} native operations: {growth / 2**20:.2f} MiB")
    assert growth < MAX_GROWTH, f"RSS grew by {growth / 2**20:.1f} MiB"


def test_sgd_step_in_steady_state_allocates_nothing_lasting() -> None:
    opt = make_opt()
    params = [p for g in opt.param_groups for p in g["params"]]
    for _ in range(100):  # the momentum buffers exist from the first step on
        opt.step()
    refs = [sys.getrefcount(x) for p in params for x in (p, p.data, p.grad, opt.state[p]["momentum_buffer"])]
    group_refs = [sys.getrefcount(g["lr"]) for g in opt.param_groups]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(20_000):
            opt.step()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0)
    assert grown < 64 * 1024, f"{grown} bytes still allocated after 20,000 steps"
    assert [sys.getrefcount(x) for p in params for x in (p, p.data, p.grad, opt.state[p]["momentum_buffer"])] == refs
    # The lr floats may be constants shared with code elsewhere, whose
    # references come and go; a leak would only ever add references.
    assert all(now <= then for now, then in zip([sys.getrefcount(g["lr"]) for g in opt.param_groups], group_refs))
