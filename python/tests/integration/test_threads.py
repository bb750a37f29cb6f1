"""Thread safety: optimizers and schedulers used from several threads at once
must never crash, corrupt memory or raise anything but a clear exception.

What is guaranteed (the README's "Thread safety" paragraph):

* Scheduler calls hold the GIL from start to end, so each ``step()``,
  ``get_last_lr()``, ``state_dict()`` or ``load_state_dict()`` is atomic with
  respect to other threads; concurrent steps on one scheduler are serialized
  (their order is whatever the threads make it).
* ``SGD.step()`` reads every group and array under the GIL, holds the
  arrays' buffers (numpy cannot resize or free them meanwhile), then runs
  the update with the GIL released. Steps on *different* parameters run in
  parallel; steps that share parameters are data races on the values (as
  with two PyTorch threads updating one tensor): no crash, but the result
  depends on the interleaving. Serialize them yourself if that matters.
* Groups and parameters changed by another thread are picked up at the next
  step; a change the step cannot use (a group added after the scheduler was
  built, an array of another shape) raises a clear ValueError/TypeError.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

CLEAR = (ValueError, TypeError, OverflowError, KeyError)


def run_threads(*targets: Callable[[], None], seconds: float = 0.0) -> list[BaseException]:
    """Runs the targets in threads; returns every exception they raised."""
    errors: list[BaseException] = []

    def wrap(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - collected for the assertion
                errors.append(e)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)  # a hang detector, not a measure of speed
        assert not t.is_alive(), "a thread hung"
    return errors


def test_steps_on_one_optimizer_from_several_threads() -> None:
    params = [swiftlr.Parameter(np.ones(n)) for n in (1, 7, 300, 70_000)]
    for p in params:
        p.grad = np.full(p.shape, 1e-3)
    opt = optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)

    def worker() -> None:
        for _ in range(300):
            opt.step()

    assert run_threads(*[worker] * 4) == []
    for p in params:
        assert np.isfinite(p.data).all()
        assert p.data.max() < 1.0  # every step moved it down
    assert all(opt.state[p]["momentum_buffer"].shape == p.shape for p in params)


# The mutator rewrites the lrs: a reload then differs from them, which the resume check reports.
@pytest.mark.filterwarnings("ignore::swiftlr.ScheduleDriftWarning")
def test_scheduler_steps_while_groups_are_mutated() -> None:
    params = [swiftlr.Parameter(np.zeros(4)) for _ in range(3)]
    opt = optim.SGD([{"params": [p]} for p in params], lr=0.1, momentum=0.9)
    schedulers = [
        lr_scheduler.StepLR(opt, step_size=3, gamma=0.9),
        lr_scheduler.CosineAnnealingLR(opt, T_max=50),
        lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10**9),
    ]
    stop = threading.Event()

    def stepper(s: Any) -> Callable[[], None]:
        def run() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(2000):
                    opt.step()
                    s.step()
                    s.get_last_lr()
                    s.load_state_dict(s.state_dict())

        return run

    def mutator() -> None:
        rng = np.random.default_rng(0)
        while not stop.is_set():
            for g in opt.param_groups:
                g["lr"] = float(rng.uniform(0, 1))
                g["extra"] = rng.integers(10)
                g.pop("extra")

    mut = threading.Thread(target=mutator)
    mut.start()
    try:
        errors = run_threads(*[stepper(s) for s in schedulers])
    finally:
        stop.set()
        mut.join()
    assert errors == []
    assert all(np.isfinite(g["lr"]) for g in opt.param_groups)


def test_a_group_added_by_another_thread_gives_a_clear_error() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(2))], lr=0.1)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    added = threading.Event()

    def add() -> None:
        opt.add_param_group({"params": [swiftlr.Parameter(np.zeros(2))]})
        added.set()

    def step() -> None:
        added.wait()
        opt.step()
        sched.step()

    errors = run_threads(add, step)
    assert len(errors) == 1 and isinstance(errors[0], ValueError), errors
    assert "param groups" in str(errors[0])


def test_sgd_on_shared_parameters_while_arrays_are_swapped() -> None:
    shared = swiftlr.Parameter(np.ones(50_000, np.float32))
    shared.grad = np.full(50_000, 1e-4, np.float32)
    own = [swiftlr.Parameter(np.ones(1000)) for _ in range(3)]
    for p in own:
        p.grad = np.full(1000, 1e-3)
    optimizers = [optim.SGD([shared, p], lr=0.1, momentum=0.5) for p in own]
    stop = threading.Event()
    unexpected: list[BaseException] = []

    def swapper() -> None:
        # Replaces the arrays (same shape and dtype) and sometimes breaks them.
        k = 0
        while not stop.is_set():
            k += 1
            shared.data = shared.data.copy()
            shared.grad = np.full(50_000, 1e-4, np.float32)
            if k % 50 == 0:
                shared._grad = np.ones(3, np.float32)  # wrong shape: steps must refuse it
                shared.grad = np.full(50_000, 1e-4, np.float32)

    def stepper(opt: optim.SGD) -> Callable[[], None]:
        def run() -> None:
            for _ in range(400):
                try:
                    opt.step()
                except ValueError as e:  # the broken gradient, refused
                    assert "shape" in str(e)
                    # A refused step is quick and keeps the GIL; let the
                    # swapper mend the gradient, or every step could see it.
                    time.sleep(0.001)
                except BaseException as e:  # noqa: BLE001
                    unexpected.append(e)

        return run

    swap = threading.Thread(target=swapper)
    swap.start()
    try:
        errors = run_threads(*[stepper(o) for o in optimizers])
    finally:
        stop.set()
        swap.join()
    assert errors == [] and unexpected == []
    assert np.isfinite(shared.data).all()
    for p in own:
        assert np.isfinite(p.data).all() and p.data.max() < 1.0


def test_schedulers_of_different_optimizers_in_parallel_match_serial_runs() -> None:
    def run() -> list[float]:
        opt = optim.SGD([swiftlr.Parameter(np.zeros(2))], lr=0.1, momentum=0.9)
        s = lr_scheduler.CyclicLR(opt, 0.001, 0.1, step_size_up=7, mode="triangular2")
        out = []
        for _ in range(3000):
            opt.step()
            s.step()
            out.append(s.get_last_lr()[0])
        return out

    expected = run()
    results: list[list[float]] = []
    assert run_threads(*[lambda: results.append(run())] * 4) == []
    assert all(r == expected for r in results)
