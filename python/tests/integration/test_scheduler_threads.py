"""A scheduler shared by threads: a call from another thread waits its turn
(the scheduler's lock, the GIL released while waiting), so no step is refused
or lost, and ``state_dict()`` / ``load_state_dict()`` never see or leave half
a step. Only a call back from user code on the thread that is stepping is
refused. Switching threads every microsecond puts a switch inside every call.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

from .test_threads import run_threads as threads_errors

THREADS = 6
#: A hang detector for joins, not a measure of speed.
HANG_LIMIT = 120.0


@pytest.fixture(autouse=True)
def switch_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def run_threads(*targets: Callable[[], None]) -> None:
    assert threads_errors(*targets) == []


def lambda_scheduler() -> lr_scheduler.LambdaLR:
    params = [swiftlr.Parameter(np.zeros(3)) for _ in range(2)]
    opt = optim.SGD([{"params": [p]} for p in params], lr=0.1)

    def factor(epoch: int) -> float:
        # Python code in the middle of the step: other threads run here.
        return sum(0.5 ** (k % 3) for k in range(epoch % 7)) / 7 + 0.1

    sched = lr_scheduler.LambdaLR(opt, factor)
    opt.step()  # before the scheduler's first step, as PyTorch wants
    return sched


def test_steps_from_many_threads_all_land() -> None:
    sched = lambda_scheduler()
    steps = 200

    def stepper() -> None:
        for _ in range(steps):
            sched.step()

    run_threads(*[stepper] * THREADS)
    assert sched.last_epoch == THREADS * steps
    assert sched._step_count == THREADS * steps + 1
    assert sched.get_last_lr() == [g["lr"] for g in sched.optimizer.param_groups]


def test_state_dict_is_a_snapshot_between_steps() -> None:
    sched = lambda_scheduler()
    done = threading.Event()
    seen: list[tuple[int, int]] = []

    def stepper() -> None:
        for _ in range(300):
            sched.step()

    def snapshots() -> None:
        while not done.is_set():
            state = sched.state_dict()
            seen.append((state["last_epoch"], state["_step_count"]))

    watcher = threading.Thread(target=snapshots)
    watcher.start()
    try:
        run_threads(*[stepper] * (THREADS - 1))
    finally:
        done.set()
        watcher.join(HANG_LIMIT)
    assert seen, "no snapshot was taken"
    assert all(count == epoch + 1 for epoch, count in seen), [s for s in seen if s[1] != s[0] + 1][:5]


# Reloads of the scheduler's own state while another thread steps on: the
# optimizer's lrs have moved on, which the resume check rightly reports.
@pytest.mark.filterwarnings("ignore::swiftlr.ScheduleDriftWarning")
@pytest.mark.parametrize("make", ["StepLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "LambdaLR"])
def test_load_state_dict_against_steps_from_another_thread(make: str) -> None:
    if make == "LambdaLR":
        sched = lambda_scheduler()
    else:
        opt = optim.SGD([swiftlr.Parameter(np.zeros(3))], lr=0.1, momentum=0.9)
        arguments = {
            "StepLR": {"step_size": 3},
            "OneCycleLR": {"max_lr": 1.0, "total_steps": 10**6},
            "CosineAnnealingWarmRestarts": {"T_0": 5},
        }[make]
        sched = getattr(lr_scheduler, make)(opt, **arguments)
        opt.step()
    for _ in range(5):
        sched.step()
    saved = sched.state_dict()
    done = threading.Event()
    seen: list[dict[str, object]] = []

    def stepper() -> None:
        while not done.is_set():
            sched.step()

    def loader() -> None:
        try:
            for _ in range(200):
                sched.load_state_dict(saved)
                seen.append(sched.state_dict())
        finally:
            done.set()

    run_threads(stepper, loader)
    if make == "CosineAnnealingWarmRestarts":  # no _step_count of its own steps: T_cur follows last_epoch
        assert all(s["T_cur"] == s["last_epoch"] % 5 for s in seen)
    else:
        assert all(s["_step_count"] == s["last_epoch"] + 1 for s in seen)


def test_a_call_back_on_the_stepping_thread_is_refused_with_its_reason() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(3))], lr=0.1)
    refused: list[str] = []
    holder: list[lr_scheduler.LambdaLR] = []

    def factor(epoch: int) -> float:
        if holder:
            try:
                holder[0].step()
            except RuntimeError as e:
                refused.append(str(e))
            holder[0].state_dict()  # reading is allowed: it sees the state the step started from
        return 0.5

    sched = lr_scheduler.LambdaLR(opt, factor)
    holder.append(sched)
    opt.step()
    sched.step()
    assert sched.last_epoch == 1
    assert len(refused) == 1 and "called back from user code on the thread that is stepping it" in refused[0]
