"""All or nothing under asynchronous exceptions: an exception raised at any
line of the Python code a public call runs (``sys.settrace`` injection at
every line, one run per line), or by a signal handler at any moment
(``signal.setitimer``), leaves the whole old state or the whole new one:
``load_state_dict``, steps with Python callbacks, ReduceLROnPlateau's
regrouping after ``add_param_group``, SGD's first step recording momentum
buffers through a Python mapping.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

PACKAGE = os.path.dirname(swiftlr.__file__)
HERE = os.path.abspath(__file__)


class Injected(Exception):
    """Stands for KeyboardInterrupt (which pytest would take as the user's)."""


def traced(filename: str) -> bool:
    return filename.startswith(PACKAGE) or os.path.abspath(filename) == HERE


def run_injecting(call: Callable[[], Any], at: int | None) -> int:
    """Runs ``call``, raising Injected at its ``at``-th line event in swiftlr's
    or this file's code (None: never); returns how many line events it ran."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count == at:
                raise Injected(f"line {frame.f_lineno} of {frame.f_code.co_filename}")
        return local

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        return local if traced(frame.f_code.co_filename) else None

    sys.settrace(global_trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def at_every_line(
    make: Callable[[], Any], call: Callable[[Any], Any], observe: Callable[[Any], Any], expected_new: Any = None
) -> int:
    """For every line the call runs, a fresh subject, the call interrupted
    there, and its observed state: the old one or the new one."""
    subject = make()
    old = observe(subject)
    lines = run_injecting(lambda: call(subject), None)
    new = observe(subject) if expected_new is None else expected_new
    assert new != old, "the call changes nothing: the test would prove nothing"
    assert lines > 0
    for at in range(1, lines + 1):
        subject = make()
        try:
            run_injecting(lambda: call(subject), at)
        except Injected:
            pass
        seen = observe(subject)
        assert seen in (old, new), f"half-applied when interrupted at line event {at}: {seen}"
    return lines


# MARK: - load_state_dict


def stepped(name: str, steps: int) -> Any:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(2)), swiftlr.Parameter(np.zeros(2))], lr=0.1, momentum=0.9)
    opt.param_groups.append({**opt.param_groups[0], "params": [swiftlr.Parameter(np.zeros(1))], "lr": 0.05})
    arguments: dict[str, Any] = {
        "StepLR": {"step_size": 2},
        "OneCycleLR": {"max_lr": 1.0, "total_steps": 50},
        "CosineAnnealingWarmRestarts": {"T_0": 3},
        "LambdaLR": {"lr_lambda": lambda e: 0.9**e},
        "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3},
        "ReduceLROnPlateau": {"patience": 0},
    }[name]
    sched = getattr(lr_scheduler, name)(opt, **arguments)
    opt.step()
    for k in range(steps):
        sched.step(10.0 + k) if name == "ReduceLROnPlateau" else sched.step()
    return sched


def state_of(sched: Any) -> Any:
    return repr(sorted(sched.state_dict().items()))


LOADED = ["StepLR", "OneCycleLR", "CosineAnnealingWarmRestarts", "LambdaLR", "CyclicLR", "ReduceLROnPlateau"]


# These loads skip the optimizer's state on purpose (the scheduler's alone is
# under test): the resume check rightly warns, which is not what is tested here.
@pytest.mark.filterwarnings("ignore::swiftlr.ScheduleDriftWarning")
@pytest.mark.parametrize("name", LOADED)
def test_load_state_dict_interrupted_at_every_line(name: str) -> None:
    target = stepped(name, 7).state_dict()
    at_every_line(lambda: stepped(name, 2), lambda s: s.load_state_dict(target), state_of)


@pytest.mark.filterwarnings("ignore::swiftlr.ScheduleDriftWarning")
@pytest.mark.parametrize("name", LOADED)
def test_load_state_dict_under_a_signal_storm(name: str) -> None:
    target = stepped(name, 7)
    new = state_of(target)
    saved = target.state_dict()
    rng = random.Random(20)
    armed = False

    def handler(signum: int, frame: Any) -> None:
        if armed:
            raise Injected("SIGALRM")

    previous = signal.signal(signal.SIGALRM, handler)
    interrupted = 0
    try:
        for _ in range(150):
            sched = stepped(name, 2)
            old = state_of(sched)
            try:
                try:
                    armed = True
                    signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-6, 2e-4))
                    sched.load_state_dict(saved)
                finally:
                    armed = False  # the handler may raise here too, caught below
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except Injected:
                interrupted += 1
            assert state_of(sched) in (old, new)
    finally:
        signal.signal(signal.SIGALRM, previous)


# MARK: - steps


def test_lambda_step_interrupted_at_every_line() -> None:
    def observe(s: Any) -> Any:
        return (state_of(s), [g["lr"] for g in s.optimizer.param_groups])

    at_every_line(lambda: stepped("LambdaLR", 2), lambda s: s.step(), observe)


def plateau_with_a_new_group() -> Any:
    sched = stepped("ReduceLROnPlateau", 3)
    sched.optimizer.param_groups.append({**sched.optimizer.param_groups[0], "params": [], "lr": 0.2})
    return sched


def test_plateau_regrouping_interrupted_at_every_line() -> None:
    def observe(s: Any) -> Any:
        return (s.last_epoch, s.num_bad_epochs, [g["lr"] for g in s.optimizer.param_groups], list(s.min_lrs))

    lines = at_every_line(plateau_with_a_new_group, lambda s: s.step(100.0), observe)
    assert lines > 10  # the regrouping's Python code ran


# MARK: - SGD's state through a Python mapping


class RecordingState(dict):  # type: ignore[type-arg]
    """An optimizer state whose ``__setitem__`` is Python code."""

    def __setitem__(self, key: Any, value: Any) -> None:
        noted = key
        super().__setitem__(noted, value)


def sgd_with_python_state() -> Any:
    params = [swiftlr.Parameter(np.ones(3)) for _ in range(4)]
    for p in params:
        p.grad = np.full(3, 0.5)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    opt.state = RecordingState()
    return opt


def test_sgd_first_step_interrupted_while_recording_buffers() -> None:
    def observe(opt: Any) -> Any:
        params = [p for g in opt.param_groups for p in g["params"]]
        recorded = [k for k, p in enumerate(params) if "momentum_buffer" in opt.state.get(p, {})]
        return ([float(p.data[0]) for p in params], recorded)

    lines = at_every_line(sgd_with_python_state, lambda o: o.step(), observe)
    assert lines >= 8  # two lines of __setitem__ per parameter
