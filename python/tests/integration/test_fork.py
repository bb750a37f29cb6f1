"""fork() in any state of the extension: the child of a process whose other
threads are inside SGD steps (the worker pool busy, its lock held) or inside a
scheduler's step (in a user lambda) steps normally; ``multiprocessing``
workers step SGD and schedulers under the fork, spawn and forkserver start
methods.

A child that does not finish within ``HANG_LIMIT`` seconds is killed and the
test fails: the limit detects a hang (seconds of nothing on any machine), it
is not a measure of speed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

HANG_LIMIT = 60.0
#: Elements per parameter: enough that a step uses the worker pool.
POOLED = 70_000

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")


def wait_child(pid: int) -> int:
    """The child's exit status; kills it and fails when it hangs."""
    deadline = time.monotonic() + HANG_LIMIT
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"a forked child hung for {HANG_LIMIT} s")
        time.sleep(0.01)


def fork_running(child: Callable[[], None]) -> int:
    """Forks; the child runs ``child`` and exits 0, or 1 if it raised."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            child()
            code = 0
        finally:
            os._exit(code)
    return wait_child(pid)


def sgd_of(size: int) -> tuple[optim.SGD, list[Any]]:
    params = [swiftlr.Parameter(np.ones(size, dtype=np.float32)) for _ in range(2)]
    for p in params:
        p.grad = np.full(size, 1e-3, dtype=np.float32)
    return optim.SGD(params, lr=0.01, momentum=0.9), params


def in_background(step: Callable[[], None], threads: int) -> Callable[[], None]:
    """Runs ``step`` in a loop on ``threads`` threads until the returned stop is called."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            while not stop.is_set():
                step()
        except BaseException as e:  # noqa: BLE001 - reported by stop()
            errors.append(e)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()

    def stop_all() -> None:
        stop.set()
        for w in workers:
            w.join()
        assert errors == []

    return stop_all


def test_fork_while_other_threads_step_sgd_on_the_pool() -> None:
    # The pool's lock or a pool busy with another thread's step is inherited
    # by the child; its own first pooled step must run (and be right).
    stop = in_background(sgd_of(POOLED)[0].step, threads=4)

    def child() -> None:
        opt, params = sgd_of(POOLED)
        opt.step()
        assert np.allclose(params[0].data, 1 - 0.01 * 1e-3)

    try:
        statuses = [fork_running(child) for _ in range(40)]
    finally:
        stop()
    assert statuses == [0] * 40


def test_fork_while_another_thread_is_inside_a_scheduler_step() -> None:
    # The other thread is in LambdaLR's lambda (mid-step) at the fork: in the
    # child that step never finishes, and the scheduler must be idle there.
    opt, _ = sgd_of(4)
    inside, release = threading.Event(), threading.Event()

    def factor(epoch: int) -> float:
        if epoch == 1:
            inside.set()
            release.wait()
        return 0.5

    sched = lr_scheduler.LambdaLR(opt, factor)
    opt.step()
    stepper = threading.Thread(target=sched.step)
    stepper.start()
    assert inside.wait(HANG_LIMIT), "the step never reached the lambda"

    def child() -> None:
        release.set()  # the lambda of the child's own steps waits for nothing
        sched.step()  # epoch 1 again: the parent's step never finishes here
        sched.step()
        assert sched.last_epoch == 2 and sched._step_count == 3

    try:
        status = fork_running(child) if inside.is_set() else -1
    finally:
        release.set()
        stepper.join()
    assert status == 0
    assert sched.last_epoch == 1


def _work(size: int) -> list[float]:
    opt, params = sgd_of(size)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=20)
    lrs = []
    for _ in range(10):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return [float(params[0].data[0]), *lrs]


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_workers_step_sgd_and_schedulers(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    _work(POOLED)  # the parent's pool exists (and is idle) before the workers start
    expected = _work(POOLED)
    context = multiprocessing.get_context(method)
    with context.Pool(2) as pool:
        results = pool.map_async(_work, [POOLED] * 4).get(timeout=HANG_LIMIT)
    assert results == [expected] * 4
