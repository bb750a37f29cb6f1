"""Runs test cases as scripts, each in its own Python process, so that a
crash (a signal), a hang or a sanitizer report fails one case instead of
the whole suite. Shared by the suites of this folder.

A case is ``(case_id, body)``: the body runs after ``PRELUDE`` (helpers
that build optimizers, snapshot watched objects and check that a failed
call changed nothing) and must print ``CASE-OK`` at its end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

import swiftlr

PRELUDE = r'''
import copy, math, pickle, sys, warnings
from collections import Counter
import numpy as np
import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler as L
from swiftlr.optim.swa_utils import SWALR
from swiftlr.optim.optimizer import Optimizer

warnings.simplefilter("ignore")
BIG = 2**63 - 1
MIN = -2**63
# The largest epoch step(epoch) takes exactly: epochs cross the C ABI as
# doubles, and 2**63 - 1 rounds up to 2**63 (see test_step_epoch_int_max_is_exact).
EMAX = 2**63 - 1024


def make_opt(lrs=(0.1, 0.05), momentum=0.9, dtype=np.float64):
    params = [swiftlr.Parameter(np.linspace(-1, 1, 4).astype(dtype)) for _ in lrs]
    for p in params:
        p.grad = np.full(4, 0.5, dtype=dtype)
    return optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0], momentum=momentum)


def _arrays(a):
    if a is None:
        return None
    a = np.asarray(a)
    return (a.dtype.str, a.shape, a.tobytes(order="A"))


def snapshot(*objs):
    out = []
    for obj in objs:
        if isinstance(obj, Optimizer):
            # initial_lr is left out: a constructor that fails has already
            # recorded it (see test_failed_constructor_leaves_no_initial_lr).
            groups = [{k: v for k, v in g.items() if k not in ("params", "initial_lr")} for g in obj.param_groups]
            params = [p for g in obj.param_groups for p in g["params"]]
            out.append(pickle.dumps(groups))
            out.append([(_arrays(p.data), _arrays(p.grad)) for p in params])
            out.append([sorted((k, _arrays(v)) for k, v in obj.state.get(p, {}).items()) for p in params])
        elif isinstance(obj, swiftlr.Parameter):
            out.append((_arrays(obj.data), _arrays(obj.grad)))
        elif not hasattr(obj, "state_dict") and hasattr(obj, "param_groups"):
            # Any optimizer-like object: its list, each group and its values
            # (by repr: floats exactly, other objects by identity or their repr).
            out.append((id(obj.param_groups), [(id(g), [(k, repr(v)) for k, v in g.items()]) for g in obj.param_groups]))
        else:
            out.append(pickle.dumps(obj.state_dict()))
            out.append(pickle.dumps(obj.get_last_lr()))
    return out


def fails(exc, fn, match, *watched):
    """fn() must raise exc (not a subclass of it that means something else)
    with `match` in its message, and change none of `watched`."""
    before = snapshot(*watched)
    try:
        fn()
    except exc as e:
        assert not isinstance(e, SystemError), e
        assert match in str(e), f"message {str(e)!r} lacks {match!r}"
        print("RAISED", type(e).__name__, str(e)[:120].replace("\n", " "))
    else:
        raise AssertionError(f"no {exc.__name__} raised")
    assert snapshot(*watched) == before, "a failed call changed state"


def survives(fn, *watched, clean=(ValueError, TypeError, KeyError, IndexError, RuntimeError, OverflowError)):
    """fn() either returns, or raises one of the `clean` exceptions and
    changes none of `watched`. Returns the exception, or None."""
    before = snapshot(*watched)
    try:
        fn()
    except clean as e:
        assert not isinstance(e, SystemError), e
        print("RAISED", type(e).__name__, str(e)[:120].replace("\n", " "))
        assert snapshot(*watched) == before, "a failed call changed state"
        return e
    return None


def finite_lrs(sched):
    lrs = sched.get_last_lr()
    assert all(math.isfinite(lr) for lr in lrs), lrs
    return lrs


def round_trip(make, steps=7):
    """state_dict survives pickle and deepcopy: a fresh scheduler loaded from
    either copy continues exactly as the original."""
    opt, sched = make()
    for _ in range(steps):
        opt.step()
        step(sched)
    state = sched.state_dict()
    for copied in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state)):
        opt2, sched2 = make()
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        sched2.load_state_dict(copied)
        for _ in range(5):
            a, b = step(sched, clone=True), step(sched2)
            assert a == b, (a, b)
        sched.load_state_dict(state)
        opt.load_state_dict(opt.state_dict())
    assert pickle.dumps(state) == pickle.dumps(copy.deepcopy(state))


_metric = [3.0, 2.0, 2.5, 2.5, 2.5, 1.0, 4.0, 4.0]


def step(sched, clone=False):
    if isinstance(sched, L.ReduceLROnPlateau):
        sched.step(_metric[sched.last_epoch % len(_metric)])
    else:
        sched.step()
    return list(sched.get_last_lr())
'''


#: A hang guard, not a speed check: generous, since CI may run on a loaded
#: machine (a case taking 14 s of CPU took 81 s of wall time there).
TIMEOUT = 600

#: Whether the suite runs against the AddressSanitizer build (.ci/sanitize),
#: which reports reads of freed memory that the plain build makes silently.
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")


def run_case(body: str) -> subprocess.CompletedProcess[str]:
    script = PRELUDE + textwrap.dedent(body) + "\nprint('CASE-OK')\n"
    # The swiftlr under test, not whichever one site-packages holds (the cwd below differs from pytest's).
    env = {**os.environ, "PYTHONFAULTHANDLER": "1", "PYTHONPATH": str(Path(swiftlr.__file__).resolve().parents[1])}
    command = [sys.executable, "-c", script]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=Path(__file__).parent
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return subprocess.CompletedProcess(command, 1, out, f"timed out after {TIMEOUT} s (a hang?)")


class CaseRunner:
    """Runs a suite's cases two processes at a time (the machine's cores),
    all started at the first request."""

    def __init__(self, cases: list[tuple[str, str]]) -> None:
        self._cases = cases
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[subprocess.CompletedProcess[str]]] = {}

    def result(self, case_id: str) -> subprocess.CompletedProcess[str]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2)
            for cid, body in self._cases:
                self._futures[cid] = self._pool.submit(run_case, body)
        return self._futures[case_id].result()

    def check(self, case_id: str) -> None:
        """The case's process ended normally, printed CASE-OK, no SystemError."""
        result = self.result(case_id)
        report = f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        assert result.returncode >= 0, f"crashed with signal {-result.returncode}\n{report}"
        assert "SystemError" not in result.stderr + result.stdout, report
        assert "AddressSanitizer" not in result.stderr, report
        assert result.returncode == 0 and "CASE-OK" in result.stdout, report


def bad_input_suite(cases: list[tuple[str, str]], minimum: int) -> tuple[Callable[[], None], Callable[..., None]]:
    """The two tests of a bad-input battery over ``cases`` (at least ``minimum``,
    unique names; each case in its own process): ``test_... = bad_input_suite(CASES, n)``."""
    runner = CaseRunner(cases)

    def test_the_battery_is_large_enough() -> None:
        assert len(cases) >= minimum
        assert len({cid for cid, _ in cases}) == len(cases)

    @pytest.mark.parametrize("case_id", [cid for cid, _ in cases])
    def test_bad_input(case_id: str) -> None:
        runner.check(case_id)

    return test_the_battery_is_large_enough, test_bad_input
