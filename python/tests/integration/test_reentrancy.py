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

Here: the param-group list, and the scheduler itself, change during its own
call. Each case runs in its own process (``reentrancy_support``); ``survives``
and ``fails`` are its helpers.
"""

from __future__ import annotations

from .reentrancy_support import suite

CASES: list[tuple[str, str]] = [
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
    ),
    (
        "float_of_group_input_clears_groups_onecycle",
        """
        o = Groups(20, momentum=0.9)
        s = stepped(L.OneCycleLR(o, 0.1, total_steps=100))
        o.param_groups[3]["max_lr"] = OnFloat(0.1, lambda: (o.param_groups.clear(), churn()))
        survives(s.step, s)
    """,
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
    ),
    (
        "tensor_fill_clears_groups",
        """
        o = Groups(30)
        s = stepped(L.StepLR(o, 1, gamma=0.5))
        o.param_groups[0]["lr"] = FakeTensor(0.05, on_fill=lambda: (o.param_groups.clear(), churn()))
        survives(s.step, s)
    """,
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
    ),
    (
        "plateau_metric_float_clears_groups",
        """
        o = Groups(20)
        s = L.ReduceLROnPlateau(o, patience=0)
        s.step(1.0)
        survives(lambda: s.step(OnFloat(2.0, lambda: (o.param_groups.clear(), churn()))), s)
    """,
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
    ),
]

test_every_case_has_a_unique_name, test_user_code_mid_call = suite(CASES)
