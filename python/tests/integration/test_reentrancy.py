"""User code runs in the middle of a native call (issue 10).

A scheduler step, a field read, a ``load_state_dict`` or an SGD step calls
code the user controls: ``__float__`` of a group value, a dict subclass's
``__getitem__`` / ``__setitem__``, a tensor's ``fill_`` / ``clone``, the
iteration of ``betas``, a finalizer run by the garbage collector at any
allocation, and other threads whenever the GIL is free. That code may change
anything: the param-group list, the groups, the scheduler itself. Each case
below makes it do so and asserts that the call ends in a clean exception
that changed nothing, or in the right result; never a crash, a sanitizer
report, a read of freed memory or a half-applied state.

Each case runs in its own process (``subprocess_cases``); ``survives`` and
``fails`` are its helpers. Cases marked ``Pending`` fail on the code of
today (most are fixed by construction by the new param-group module of
issue 9): they are strict xfails, so the suite fails loudly (XPASS) when
the fix lands and the marker must go. Some fail for sure only under
AddressSanitizer (``.ci/sanitize``): the plain build reads the freed memory
and fails or not by luck, so they are strict there only.
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import pytest

from .subprocess_cases import UNDER_ASAN, CaseRunner

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


class Pending(NamedTuple):
    """A known failure, a strict xfail; `asan_only`: the plain build reads the
    freed or uninitialized memory and fails or not by luck (a non-strict xfail
    there), AddressSanitizer always sees it (strict under ASan)."""

    reason: str
    asan_only: bool = False


# (case id, body, pending): `pending` marks a strict xfail (see the docstring).
CASES: list[tuple[str, str, Pending | None]] = [
    # MARK: issue 10 item 1: the param-group list changes during a step
    (
        "float_of_lr_clears_param_groups",
        """
        # The issue's reproduction: SIGSEGV (a freed group read as a dict).
        o = Groups(100)
        s = stepped(L.StepLR(o, 1))
        o.param_groups[0]["lr"] = OnFloat(0.1, lambda: (o.param_groups.clear(), churn()))
        survives(s.step, s)
        survives(s.step, s)
    """,
        None,
    ),
    (
        "float_of_lr_replaces_groups_in_place",
        """
        o = Groups(40)
        s = stepped(L.ExponentialLR(o, 0.5))
        fresh = [{"lr": 0.2} for _ in range(40)]
        o.param_groups[5]["lr"] = OnFloat(0.1, lambda: (o.param_groups.__setitem__(slice(None), fresh), churn()))
        survives(s.step, s)
        s.step()
        assert s.get_last_lr() == [g["lr"] for g in o.param_groups]
    """,
        None,
    ),
    (
        "float_of_group_input_clears_groups_onecycle",
        """
        o = Groups(20, momentum=0.9)
        s = stepped(L.OneCycleLR(o, 0.1, total_steps=100))
        o.param_groups[3]["max_lr"] = OnFloat(0.1, lambda: (o.param_groups.clear(), churn()))
        survives(s.step, s)
    """,
        None,
    ),
    (
        "betas_iteration_clears_groups_cyclic",
        """
        o = Groups(20, betas=(0.9, 0.999))
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=5))
        class EvilBetas:
            def __iter__(self):
                o.param_groups.clear()
                churn()
                return iter((0.9, 0.999))
        o.param_groups[0]["betas"] = EvilBetas()
        survives(s.step, s)
    """,
        None,
    ),
    (
        "dict_subclass_group_getitem_clears_groups",
        """
        armed = []
        class G(dict):
            def __getitem__(self, key):
                if armed and key == "lr":
                    armed.clear()
                    o.param_groups.clear()
                    churn()
                return dict.__getitem__(self, key)
        o = Groups(30)
        o.param_groups = [G(g) for g in o.param_groups]
        s = stepped(L.StepLR(o, 1))
        armed.append(1)
        survives(s.step, s)
    """,
        None,
    ),
    (
        "tensor_fill_clears_groups",
        """
        o = Groups(30)
        s = stepped(L.StepLR(o, 1, gamma=0.5))
        o.param_groups[0]["lr"] = FakeTensor(0.05, on_fill=lambda: (o.param_groups.clear(), churn()))
        survives(s.step, s)
    """,
        None,
    ),
    (
        "gc_finalizer_clears_groups_mid_step",
        """
        o = Groups(60, betas=(0.9, 0.999))
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=5))
        def armed_step():
            # The collection runs at the step's first allocation of a tracked object.
            finalizers(lambda: (o.param_groups.clear(), churn()), count=3)
            s.step()
        survives(armed_step, s)
    """,
        None,
    ),
    (
        "thread_replaces_groups_while_a_fraction_converts",
        """
        # No hostile code: Fraction's __float__ is Python, so the GIL can pass
        # to a thread that rewrites the list while the step reads it (seen
        # with a thread looping over param_groups). Made deterministic: the
        # conversion waits for the thread.
        def rewrite():
            o.param_groups.clear()
            churn()
            o.param_groups.extend({"lr": Fraction(1, 10)} for _ in range(16))
        class Handoff(Fraction):
            def __float__(self):
                t = threading.Thread(target=rewrite)
                t.start()
                t.join()
                return Fraction.__float__(self)
        o = Groups(16, lr=Fraction(1, 10))
        s = stepped(L.StepLR(o, 10**6))
        o.param_groups[0]["lr"] = Handoff(1, 10)
        survives(s.step, s)
        s.step()
        assert s.get_last_lr() == [0.1] * 16
    """,
        None,
    ),
    (
        "lr_lambda_clears_groups",
        """
        o = Groups(20)
        def fn(epoch):
            if epoch == 2:
                o.param_groups.clear()
                churn()
            return 0.5 ** epoch
        s = stepped(L.LambdaLR(o, fn))
        survives(s.step, s)
    """,
        None,
    ),
    (
        "plateau_metric_float_clears_groups",
        """
        o = Groups(20)
        s = L.ReduceLROnPlateau(o, patience=0)
        s.step(1.0)
        survives(lambda: s.step(OnFloat(2.0, lambda: (o.param_groups.clear(), churn()))), s)
    """,
        None,
    ),
    # MARK: the scheduler itself changes during its own call
    (
        "float_of_lr_steps_the_same_scheduler",
        """
        o = Groups(8)
        s = stepped(L.StepLR(o, 1, gamma=0.5))
        o.param_groups[2]["lr"] = OnFloat(0.1, lambda: s.step())
        before = s.last_epoch
        # swiftlr refuses the nested step (RuntimeError) and the outer one
        # then changes nothing; a library that allowed it would step twice.
        if survives(s.step, s) is None:
            assert s.last_epoch == before + 2, s.last_epoch
            assert s.get_last_lr() == [g["lr"] for g in o.param_groups]
        else:
            assert s.last_epoch == before
    """,
        None,
    ),
    (
        "float_of_lr_loads_an_older_state",
        """
        o = Groups(8)
        s = L.StepLR(o, 1, gamma=0.5)
        old = s.state_dict()
        stepped(s, 3)
        o.param_groups[1]["lr"] = OnFloat(0.1, lambda: s.load_state_dict(old))
        survives(s.step, s)
        s.step()
    """,
        None,
    ),
    (
        "float_of_lr_rebuilds_the_scheduler_for_more_groups",
        """
        # __init__ again, mid-step, on an optimizer with more groups: the core
        # and its per-group storage are replaced under the running step.
        o = Groups(20)
        s = stepped(L.StepLR(o, 1))
        bigger = Groups(200)
        o.param_groups[0]["lr"] = OnFloat(0.1, lambda: (s.__init__(bigger, 3), churn()))
        for _ in range(2):
            try:  # the user rebuilt the scheduler: any clean outcome will do
                s.step()
            except (ValueError, RuntimeError) as e:  # RuntimeError: refused mid-step
                print("RAISED", e)
        del s
        gc.collect()
    """,
        None,
    ),
    (
        "float_in_load_state_dict_steps_the_scheduler",
        """
        o = make_opt()
        s = stepped(L.StepLR(o, 2), 3)
        state = s.state_dict()
        class Gamma:
            def __float__(self):
                s.step()
                churn()
                return 0.25
        if survives(lambda: s.load_state_dict({**state, "gamma": Gamma()}), s, o) is None:
            assert s.gamma == 0.25 and s.last_epoch == state["last_epoch"], (s.gamma, s.last_epoch)
        stepped(s, 2)
        finite_lrs(s)
    """,
        None,
    ),
    (
        "gc_finalizer_reads_a_larger_field",
        """
        # Item 3: a field read must not copy from storage that a finalizer's
        # read of a larger field replaced (seen: base_lrs read as 2261634.5).
        o = Groups(1)
        s = L.MultiStepLR(o, [1])
        size = [64]
        def read_larger():
            size[0] *= 2
            s.milestones = list(range(size[0]))
            s.milestones
        for _ in range(6):  # up to 2**18 milestones
            finalizers(read_larger, count=1)
            assert s.base_lrs == [0.1], s.base_lrs
            finalizers(read_larger, count=1)
            assert s.state_dict()["base_lrs"] == [0.1]
    """,
        None,
    ),
    # MARK: items 5-7: a call that raised must change nothing
    (
        "dict_subclass_setitem_raises_after_the_core_stepped",
        """
        armed = []
        class G(dict):
            def __setitem__(self, key, value):
                if armed and key == "lr":
                    raise RuntimeError("read-only group")
                dict.__setitem__(self, key, value)
        o = Groups(3)
        o.param_groups[2] = G(o.param_groups[2])
        s = stepped(L.StepLR(o, 1, gamma=0.5))
        armed.append(1)
        fails(RuntimeError, s.step, "read-only group", s, o)
    """,
        None,
    ),
    (
        "betas_not_a_sequence_on_a_beta1_optimizer",
        """
        o = Groups(3, betas=(0.9, 0.999))
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=5))
        o.param_groups[2]["betas"] = 5
        fails(TypeError, s.step, "", s, o)
    """,
        None,
    ),
    (
        "tensor_fill_raises_on_a_later_group",
        """
        armed = []
        def refuse():
            if armed:
                raise RuntimeError("fill_ failed")
        o = Groups(3)
        for i, g in enumerate(o.param_groups):
            g["lr"] = FakeTensor(0.1, on_fill=refuse if i == 2 else None)
        s = stepped(L.StepLR(o, 1, gamma=0.5))
        armed.append(1)
        fails(RuntimeError, s.step, "fill_ failed", s, o)
    """,
        None,
    ),
    (
        "step_count_beyond_int64",
        """
        o = make_opt()
        s = stepped(L.CosineAnnealingLR(o, T_max=10))
        fails(OverflowError, lambda: setattr(s, "_step_count", 2**63), "", s, o)
        state = s.state_dict()
        fails(OverflowError, lambda: s.load_state_dict({**state, "last_epoch": 7, "_step_count": 2**63}), "", s, o)
        s._step_count = 2**63 - 1
        fails(OverflowError, s.step, "", s, o)
    """,
        None,
    ),
    (
        "load_state_dict_onecycle_bad_phases",
        """
        o = make_opt()
        s = stepped(L.OneCycleLR(o, 0.1, total_steps=20))
        state = s.state_dict()
        for bad in ([{"end_step": 1.0}], 5, [{}], [{"start_lr": "initial_lr"}], None):
            fails(Exception, lambda: s.load_state_dict({**state, "last_epoch": 7, "_schedule_phases": bad}), "", s, o)
    """,
        None,
    ),
    (
        "load_state_dict_cyclic_bad_scale_fn",
        """
        o = make_opt()
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1.0))
        state = s.state_dict()
        fails(Exception, lambda: s.load_state_dict({**state, "last_epoch": 9, "_scale_fn_custom": 5}), "", s, o)
    """,
        None,
    ),
    # MARK: item 4: SGD hyperparameters are converted once
    (
        "sgd_momentum_that_rounds_to_zero",
        """
        # np.longdouble("1e-4000") != 0 in Python but is 0.0 as a double: one
        # layer decides, and no buffer is ever left uninitialized.
        p = swiftlr.Parameter(np.ones(64))
        o = optim.SGD([p], lr=0.1, momentum=np.longdouble("1e-4000"))
        p.grad = np.full(64, 0.5)
        o.step()
        o.param_groups[0]["momentum"] = 0.9
        o.step()
        buf = o.state.get(p, {}).get("momentum_buffer")
        assert buf is None or np.isfinite(np.asarray(buf)).all(), buf
        # Either reading gives the same first step; the second is 0.5 or 0.95.
        expected = [np.ones(64) - 0.05 - 0.1 * g for g in (0.5, 0.9 * 0.5 + 0.5)]
        assert any(np.array_equal(p.data, e) for e in expected), p.data[:4]
    """,
        None,
    ),
    (
        "sgd_float_of_lr_clears_params_and_resizes_arrays",
        """
        params = [swiftlr.Parameter(np.ones(4096)) for _ in range(4)]
        for q in params:
            q.grad = np.full(4096, 0.5)
        o = optim.SGD(params, lr=0.1, momentum=0.9)
        o.step()
        def havoc():
            o.param_groups[0]["params"].clear()
            for q in params:
                q.data = np.ones(3)
            churn()
        o.param_groups[0]["lr"] = OnFloat(0.1, havoc)
        survives(o.step)
    """,
        None,
    ),
    (
        "sgd_thread_replaces_groups",
        """
        params = [swiftlr.Parameter(np.ones(256)) for _ in range(8)]
        for q in params:
            q.grad = np.full(256, 0.5)
        o = optim.SGD(params, lr=0.1, momentum=0.9)
        stop = []
        def mutate():
            while not stop:
                o.param_groups[0]["params"] = list(reversed(o.param_groups[0]["params"]))
                o.param_groups[0]["lr"] = Fraction(1, 10)
        sys.setswitchinterval(1e-6)
        t = threading.Thread(target=mutate)
        t.start()
        try:
            for _ in range(2000):
                survives(o.step)
        finally:
            stop.append(1)
            t.join()
        assert all(np.isfinite(q.data).all() for q in params)
    """,
        None,
    ),
    # MARK: items 2 and 8: milestones as PyTorch holds them
    (
        "multistep_negative_count_matches_pytorch",
        """
        o = make_opt(lrs=(0.1,))
        s = L.MultiStepLR(o, [1])
        s.load_state_dict({**s.state_dict(), "milestones": Counter({3: -2})})
        lrs = [stepped(s).get_last_lr()[0] for _ in range(5)]
        assert lrs == [0.1, 0.1, 10.0, 10.0, 10.0], lrs  # PyTorch 2.15
    """,
        None,
    ),
    (
        "multistep_huge_count_costs_nothing",
        """
        # PyTorch stores Counter({5: 2*10**7}) as it is; so must we, even
        # under an address-space limit of 300 MB more than we use now.
        o = make_opt(lrs=(0.1,))
        s = L.MultiStepLR(o, [1])
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, hard))
        try:
            s.load_state_dict({**s.state_dict(), "milestones": Counter({5: 2 * 10**7})})
            assert s.milestones == Counter({5: 2 * 10**7})
            lrs = [stepped(s).get_last_lr()[0] for _ in range(6)]
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        assert lrs == [0.1] * 4 + [0.0, 0.0], lrs  # 0.1 * 0.1 ** (2 * 10**7) underflows, as in PyTorch
    """,
        None,
    ),
    (
        "long_list_under_an_address_space_limit",
        """
        # Item 2: a list crossing into Swift is copied there; a Swift
        # allocation that fails aborts the process ("Fatal error: failed to
        # allocate"). Under any limit: MemoryError or ValueError first, or success.
        o = make_opt(lrs=(0.1,))
        import os

        # AddressSanitizer's own allocator cannot run under an address-space
        # limit (its mmaps fail first): there the case runs without one.
        limited = "asan" not in os.environ.get("LD_PRELOAD", "")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        for margin in range(20, 200, 10):  # MB above what the process uses
            milestones = list(range(3 * 10**6))
            factors = [1.0] * len(milestones)
            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * resource.getpagesize()
            if limited:
                resource.setrlimit(resource.RLIMIT_AS, (used + margin * 2**20, hard))
            try:
                L.PiecewiseLinearLR(o, milestones, factors)
            except (MemoryError, ValueError) as e:
                print(margin, type(e).__name__)
            finally:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            del milestones, factors
    """,
        None,
    ),
]

ALL_CASES = [(cid, HELPERS + textwrap.dedent(body)) for cid, body, _ in CASES]
RUNNER = CaseRunner(ALL_CASES)


def _param(case_id: str, pending: Pending | None) -> object:
    if pending is None:
        return pytest.param(case_id, id=case_id)
    # Where only ASan fails the case for sure, the plain build's outcome is luck.
    strict = UNDER_ASAN or not pending.asan_only
    return pytest.param(case_id, marks=[pytest.mark.xfail(strict=strict, reason=pending.reason)], id=case_id)


def test_every_case_has_a_unique_name() -> None:
    assert len({cid for cid, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("case_id", [_param(cid, pending) for cid, _, pending in CASES])
def test_user_code_mid_call(case_id: str) -> None:
    RUNNER.check(case_id)
