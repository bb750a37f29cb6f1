"""A call that raised changes nothing (issue 10, items 5-7), SGD's
hyperparameters are converted once (item 4), and MultiStepLR holds milestones
as PyTorch does (items 2 and 8): user code run mid-call, as in
``test_reentrancy.py``, each case in its own process.
"""

from __future__ import annotations

from .reentrancy_support import suite

CASES: list[tuple[str, str]] = [
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
    ),
    (
        "betas_not_a_sequence_on_a_beta1_optimizer",
        """
        o = Groups(3, betas=(0.9, 0.999))
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=5))
        o.param_groups[2]["betas"] = 5
        fails(TypeError, s.step, "", s, o)
    """,
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
    ),
    (
        "load_state_dict_cyclic_bad_scale_fn",
        """
        o = make_opt()
        s = stepped(L.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1.0))
        state = s.state_dict()
        fails(Exception, lambda: s.load_state_dict({**state, "last_epoch": 9, "_scale_fn_custom": 5}), "", s, o)
    """,
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
    ),
]

test_every_case_has_a_unique_name, test_user_code_mid_call = suite(CASES)
