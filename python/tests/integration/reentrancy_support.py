"""What the re-entrancy suites share: the helpers each case script gets
(``churn``, ``finalizers``, ``stepped``) and how the cases are run, each in
its own process (``subprocess_cases``)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from .subprocess_cases import CaseRunner

#: Helpers of this suite, run after the shared prelude.
HELPERS = r'''
import gc, resource, threading, time
from fractions import Fraction


class Groups:
    """An optimizer-like object: schedulers drive anything with param_groups."""
    def __init__(self, n=4, lr=0.1, **extra):
        self.param_groups = [{"lr": lr, **extra} for _ in range(n)]
        self.defaults = dict(extra)

    def step(self):
        pass


def churn():
    """Allocations that reuse the memory just freed."""
    return [bytearray(64) for _ in range(20000)]


class OnFloat:
    """A number whose __float__ first runs `action` (on the first call only)."""
    def __init__(self, value, action):
        self.value, self.action, self.calls = value, action, 0

    def __float__(self):
        self.calls += 1
        if self.calls == 1:
            self.action()
        return float(self.value)


class FakeTensor:
    """What a scheduler sees of a torch tensor lr: fill_, clone, __float__."""
    def __init__(self, value, on_fill=None):
        self.value, self.on_fill = float(value), on_fill

    def __float__(self):
        return self.value

    def item(self):
        return self.value

    def fill_(self, value):
        if self.on_fill is not None:
            self.on_fill()
        self.value = float(value)
        return self

    def clone(self):
        return FakeTensor(self.value)

    def __repr__(self):
        return f"FakeTensor({self.value!r})"


def finalizers(action, count=50):
    """Leaves `count` unreachable cycles whose finalizer runs `action`, and
    makes the collector run at the next allocation of a tracked object
    (once: the first finalizer restores the default thresholds)."""
    class Bomb:
        def __init__(self):
            self.me = self

        def __del__(self):
            gc.set_threshold(700, 10, 10)  # one collection: a collection per allocation is slow
            action()
    global _drained
    gc.disable()
    for _ in range(count):
        Bomb()
    # Lists and small tuples come from free lists without counting as
    # allocations: empty those, so the native call's next one counts.
    _drained = [[] for _ in range(200)], [(i,) for i in range(200)], [(i, i) for i in range(200)]
    gc.set_threshold(1, 1, 1)
    gc.enable()


def stepped(sched, times=1):
    for _ in range(times):
        sched.step()
    return sched
'''


def suite(cases: list[tuple[str, str]]) -> tuple[Callable[[], None], Callable[[str], None]]:
    """The two tests of a re-entrancy suite over ``cases``: unique names, and
    each case run in its own process (``test_... = suite(CASES)`` in the module)."""
    run = runner(cases)

    def test_every_case_has_a_unique_name() -> None:
        assert len({cid for cid, _ in cases}) == len(cases)

    @pytest.mark.parametrize("case_id", [cid for cid, _ in cases])
    def test_user_code_mid_call(case_id: str) -> None:
        run.check(case_id)

    return test_every_case_has_a_unique_name, test_user_code_mid_call


def runner(cases: list[tuple[str, str]]) -> CaseRunner:
    """A runner of the cases, each script after the shared prelude and ``HELPERS``."""
    return CaseRunner([(cid, HELPERS + textwrap.dedent(body)) for cid, body in cases])
