"""The stress stage (``.ci/stress``; collected only with SWIFTLR_STRESS=1):
long, many-times-over versions of the fork, thread and signal suites, and a
long run. Every test asserts behaviour (results, states, memory), never a
duration; the limits below only turn a hang into a failure.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from typing import Any

import numpy as np
import pytest
from integration.test_fork import HANG_LIMIT, POOLED, fork_running, sgd_of

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

#: These tests reload a scheduler's state without the optimizer's on purpose (racing steps and loads), where
#: the resume check rightly warns; what they assert is consistency under threads, not the warning.
pytestmark = pytest.mark.filterwarnings("ignore::swiftlr.ScheduleDriftWarning")


def pooled_sgd(size: int = POOLED) -> tuple[optim.SGD, list[Any]]:
    return sgd_of(size)


def child_work() -> None:
    opt, params = pooled_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.last_epoch == 3 and np.isfinite(params[0].data).all()


def fork_and_check() -> None:
    assert fork_running(child_work) == 0


# MARK: - fork in every pool state


def test_fork_in_every_pool_state() -> None:
    rng = random.Random(1)
    # No pool yet: this process may have none (each test may run alone).
    fork_and_check()
    opt, _ = pooled_sgd()
    opt.step()
    # Idle: the workers (spinning 50 us after a step) have gone to sleep, most likely.
    for _ in range(10):
        time.sleep(0.01)
        fork_and_check()
    # Spinning: right after a step.
    for _ in range(20):
        opt.step()
        fork_and_check()
    # Busy: other threads step while the main thread forks, at random moments.
    stop = threading.Event()
    background = [pooled_sgd()[0] for _ in range(3)]

    def loop(o: optim.SGD) -> None:
        while not stop.is_set():
            o.step()

    threads = [threading.Thread(target=loop, args=(o,)) for o in background]
    for t in threads:
        t.start()
    try:
        for _ in range(150):
            time.sleep(rng.uniform(0, 0.002))
            fork_and_check()
    finally:
        stop.set()
        for t in threads:
            t.join(HANG_LIMIT)


# MARK: - threads sharing optimizers and schedulers


def test_threads_sharing_an_optimizer_and_its_schedulers() -> None:
    opt, params = pooled_sgd(1000)
    step_lr = lr_scheduler.StepLR(opt, step_size=3)
    opt.step()
    saved = step_lr.state_dict()
    errors: list[BaseException] = []
    counts = [0] * 8

    def worker(k: int) -> None:
        rng = random.Random(k)
        try:
            for _ in range(2000):
                action = rng.randrange(4)
                if action == 0:
                    opt.step()
                elif action == 1:
                    step_lr.step()
                    counts[k] += 1
                elif action == 2:
                    state = step_lr.state_dict()
                    assert state["_step_count"] == state["last_epoch"] + 1
                else:
                    step_lr.load_state_dict(saved)
        except BaseException as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG_LIMIT)
            assert not t.is_alive()
    finally:
        sys.setswitchinterval(before)
    assert errors == []
    state = step_lr.state_dict()
    assert state["_step_count"] == state["last_epoch"] + 1
    assert np.isfinite(params[0].data).all()


# MARK: - signal storms


class Storm(Exception):
    pass


def test_signal_storm_over_steps_and_loads() -> None:
    opt, _ = pooled_sgd(100)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10**6)
    opt.step()
    armed = False

    def handler(signum: int, frame: Any) -> None:
        if armed:
            raise Storm

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 5e-5, 5e-5)
    interrupted = 0
    try:
        for k in range(20_000):
            saved = sched.state_dict()
            lrs = [g["lr"] for g in opt.param_groups]
            try:
                try:
                    armed = True
                    if k % 3 == 2:
                        sched.load_state_dict(saved)
                    else:
                        sched.step()
                finally:
                    armed = False
            except Storm:
                interrupted += 1
            state = sched.state_dict()
            assert state["_step_count"] == state["last_epoch"] + 1
            stepped = state["last_epoch"] != saved["last_epoch"]
            assert ([g["lr"] for g in opt.param_groups] != lrs) <= stepped  # lrs never move without the step
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted > 0, "no signal arrived inside a call: the storm tested nothing"


# MARK: - long runs


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize("name", ["StepLR", "LambdaLR", "OneCycleLR", "ReduceLROnPlateau"])
def test_a_million_steps_keep_memory_flat(name: str) -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(2)) for _ in range(2)], lr=0.1, momentum=0.9)
    arguments: dict[str, Any] = {
        "StepLR": {"step_size": 1000, "gamma": 0.999},
        "LambdaLR": {"lr_lambda": lambda e: 1.0 / (1 + e % 100)},
        "OneCycleLR": {"max_lr": 1.0, "total_steps": 2 * 10**6},
        "ReduceLROnPlateau": {"patience": 10},
    }[name]
    sched = getattr(lr_scheduler, name)(opt, **arguments)
    opt.step()
    step = (lambda k: sched.step(float(k % 17))) if name == "ReduceLROnPlateau" else (lambda k: sched.step())
    for k in range(100_000):
        step(k)
    baseline = rss_bytes()
    for k in range(900_000):
        step(k)
    grown = rss_bytes() - baseline
    assert sched.last_epoch == 10**6
    assert grown < 4 << 20, f"RSS grew {grown / 2**20:.1f} MiB over 900,000 steps"
