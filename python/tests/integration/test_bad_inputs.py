"""Bad inputs, each in its own Python process: every one must end in a clean
Python exception of the expected type (PyTorch's wording where PyTorch has
one) that changes nothing, or in the right result; never a crash (a signal),
a hang, or a SystemError. Scheduler hyperparameters and user functions.

Each case is a small script run by ``subprocess_cases`` after its ``PRELUDE``;
``fails(...)`` snapshots the watched objects (optimizer groups, parameter,
gradient and buffer bytes, scheduler ``state_dict`` and last lrs), runs the
call, checks the exception and that the snapshot did not change. The script
prints ``CASE-OK`` at its end. The processes run two at a time, started on
first use.
"""

from __future__ import annotations

from .subprocess_cases import bad_input_suite

# (case id, script body). Bodies run after PRELUDE; each ends in CASE-OK.
CASES: list[tuple[str, str]] = [
    # MARK: integer limits and types of scheduler hyperparameters
    (
        "step_size_beyond_64_bits",
        """
        o = make_opt()
        fails(OverflowError, lambda: L.StepLR(o, step_size=2**63), "step_size", o)
        fails(OverflowError, lambda: L.StepLR(o, step_size=2**200), "step_size", o)
    """,
    ),
    (
        "step_size_zero_negative_min",
        """
        o = make_opt()
        for bad in (0, -1, MIN):
            fails(ValueError, lambda: L.StepLR(o, step_size=bad), "step_size", o)
    """,
    ),
    (
        "step_size_wrong_types",
        """
        o = make_opt()
        fails(TypeError, lambda: L.StepLR(o, step_size="3"), "step_size", o)
        fails(TypeError, lambda: L.StepLR(o, step_size=b"3"), "step_size", o)
        fails(TypeError, lambda: L.StepLR(o, step_size=None), "step_size", o)
        fails(TypeError, lambda: L.StepLR(o, step_size=[3]), "step_size", o)
    """,
    ),
    (
        "step_size_int_max_steps",
        """
        o = make_opt()
        s = L.StepLR(o, step_size=BIG)
        for _ in range(3):
            s.step()
        assert s.get_last_lr() == [0.1, 0.05]
    """,
    ),
    (
        "last_epoch_at_int_max_then_step",
        """
        o = make_opt()
        s = L.StepLR(o, step_size=7)
        s.last_epoch = BIG - 1
        s.step()
        assert s.last_epoch == BIG
        fails(OverflowError, s.step, "last_epoch", s, o)
    """,
    ),
    (
        "last_epoch_beyond_64_bits",
        """
        o = make_opt()
        s = L.StepLR(o, step_size=7)
        fails(OverflowError, lambda: s.load_state_dict({"last_epoch": 2**64}), "last_epoch", s, o)
        fails(OverflowError, lambda: setattr(s, "last_epoch", 2**63), "last_epoch", s, o)
    """,
    ),
    (
        "last_epoch_constructor_types",
        """
        o = make_opt()
        fails(TypeError, lambda: L.StepLR(o, 3, last_epoch=True), "last_epoch", o)
        fails(TypeError, lambda: L.StepLR(o, 3, last_epoch=1.0), "last_epoch", o)
        fails(KeyError, lambda: L.StepLR(o, 3, last_epoch=BIG), "initial_lr", o)
    """,
    ),
    (
        "gamma_nan_inf_wrong_type",
        """
        o = make_opt()
        fails(TypeError, lambda: L.StepLR(o, 3, gamma="x"), "gamma", o)
        fails(TypeError, lambda: L.ExponentialLR(o, gamma=None), "gamma", o)
        s = L.ExponentialLR(o, gamma=float("inf"))  # PyTorch accepts it: lrs go to inf
        s.step()
        assert s.get_last_lr() == [math.inf, math.inf]
    """,
    ),
    (
        "epoch_argument_limits",
        """
        o = make_opt()
        s = L.StepLR(o, step_size=3)
        fails(OverflowError, lambda: s.step(2**63), "epoch", s, o)
        fails(TypeError, lambda: s.step(float("nan")), "epoch", s, o)
        fails(TypeError, lambda: s.step(float("inf")), "epoch", s, o)
        fails(TypeError, lambda: s.step("a"), "str", s, o)
        s.step(EMAX)
        assert s.last_epoch == EMAX
    """,
    ),
    (
        "multistep_milestones_limits",
        """
        o = make_opt()
        fails(OverflowError, lambda: L.MultiStepLR(o, [2**63]), "milestones", o)
        fails(OverflowError, lambda: L.MultiStepLR(o, [1, -2**64]), "milestones", o)
        s = L.MultiStepLR(o, [BIG, MIN, BIG])
        s.step(EMAX)
        assert s.get_last_lr() == [0.1 * 0.1, 0.05 * 0.1]  # closed form: only MIN is <= EMAX
        s.step(MIN)
        fails(OverflowError, lambda: s.step(2**63), "epoch", s, o)
    """,
    ),
    (
        "multistep_milestones_types",
        """
        o = make_opt()
        fails(TypeError, lambda: L.MultiStepLR(o, ["a"]), "milestones", o)
        fails(TypeError, lambda: L.MultiStepLR(o, 5), "milestones", o)
        fails(TypeError, lambda: L.MultiStepLR(o, [2.5]), "milestones", o)
        fails(TypeError, lambda: L.MultiStepLR(o, "30"), "milestones", o)
        s = L.MultiStepLR(o, [2.0, np.int64(4)])
        assert s.milestones == Counter({2: 1, 4: 1})
    """,
    ),
    (
        "constantlr_factor_and_total_iters",
        """
        o = make_opt()
        fails(ValueError, lambda: L.ConstantLR(o, factor=1.5),
              "Constant multiplicative factor expected to be between 0 and 1.", o)
        fails(ValueError, lambda: L.ConstantLR(o, factor=0.0), "factor", o)
        fails(TypeError, lambda: L.ConstantLR(o, factor="x"), "factor must be a float", o)
        fails(OverflowError, lambda: L.ConstantLR(o, total_iters=2**63), "total_iters", o)
        for total in (BIG, MIN):
            s = L.ConstantLR(make_opt(), total_iters=total)
            s.step(); s.step(EMAX); s.step(MIN)
    """,
    ),
    (
        "linearlr_limits",
        """
        o = make_opt()
        fails(ValueError, lambda: L.LinearLR(o, start_factor=0),
              "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.", o)
        fails(ValueError, lambda: L.LinearLR(o, end_factor=1.5),
              "Ending multiplicative factor expected to be between 0 and 1.", o)
        fails(ValueError, lambda: L.LinearLR(o, total_iters=0), "total_iters", o)
        for total in (BIG, MIN):
            s = L.LinearLR(make_opt(), start_factor=0.5, total_iters=total)
            s.step()
            finite_lrs(s)
    """,
    ),
    (
        "linearlr_epoch_int_min_then_get_lr",
        """
        # Used to trap in Swift (lastEpoch - 1 at Int.min): SIGILL.
        o = make_opt()
        s = L.LinearLR(o, start_factor=0.5, total_iters=10)
        s.step(MIN)
        lrs = s.get_lr()
        assert len(lrs) == 2
    """,
    ),
    (
        "polynomiallr_limits",
        """
        o = make_opt()
        fails(ValueError, lambda: L.PolynomialLR(o, total_iters=0), "total_iters", o)
        fails(ValueError, lambda: L.PolynomialLR(o, power=-1.0), "power", o)
        for total in (BIG, MIN):
            s = L.PolynomialLR(make_opt(), total_iters=total)
            s.step(); s.step(EMAX); s.get_lr()
    """,
    ),
    (
        "cosine_annealing_limits",
        """
        o = make_opt()
        fails(ValueError, lambda: L.CosineAnnealingLR(o, T_max=0), "T_max", o)
        fails(OverflowError, lambda: L.CosineAnnealingLR(o, T_max=2**63), "T_max", o)
        for t_max in (BIG, MIN, 1):
            s = L.CosineAnnealingLR(make_opt(), T_max=t_max)
            for _ in range(3):
                s.step()
            s.step(EMAX)
            try:
                s.get_lr()
            except ZeroDivisionError:
                # 1 + cos(pi * (EMAX - 1) / T_max) is 0.0 there: PyTorch's get_lr() raises too.
                assert t_max != 1
    """,
    ),
    (
        "warm_restarts_limits",
        """
        o = make_opt()
        fails(ValueError, lambda: L.CosineAnnealingWarmRestarts(o, T_0=0), "Expected positive integer T_0", o)
        fails(ValueError, lambda: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), "Expected integer T_mult >= 1", o)
        fails(ValueError, lambda: L.CosineAnnealingWarmRestarts(o, T_0=2.5), "Expected positive integer T_0", o)
        fails(ValueError, lambda: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="x"), "Expected float or int eta_min", o)
        fails(OverflowError, lambda: L.CosineAnnealingWarmRestarts(o, T_0=2**63), "T_0", o)
        s = L.CosineAnnealingWarmRestarts(o, T_0=2**62, T_mult=4)
        s.T_cur = float(2**62 - 1)  # the period ends at the next step: T_i * T_mult overflows
        fails(OverflowError, s.step, "T_i", s, o)
    """,
    ),
    (
        "warm_restarts_epochs",
        """
        o = make_opt()
        s = L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3)
        fails(ValueError, lambda: s.step(-1), "Expected non-negative epoch", s, o)
        fails(ValueError, lambda: s.step(float("nan")), "NaN", s, o)
        fails(OverflowError, lambda: s.step(float("inf")), "infinity", s, o)
        fails(OverflowError, lambda: s.step(1e300), "epoch", s, o)
        fails(OverflowError, lambda: s.step(9.2e18), "T_i", s, o)
        s.step(2.5)
        finite_lrs(s)
    """,
    ),
    (
        "cycliclr_arguments",
        """
        o = make_opt()
        fails(ValueError, lambda: L.CyclicLR(o, 0.01, 0.1, step_size_up=0), "step_size_up", o)
        fails(ValueError, lambda: L.CyclicLR(o, 0.01, 0.1, step_size_up=float("inf")), "total_size", o)
        fails(ValueError, lambda: L.CyclicLR(o, 0.01, 0.1, step_size_up=float("nan")), "step_size_up", o)
        fails(OverflowError, lambda: L.CyclicLR(o, 0.01, 0.1, step_size_up=2**1100), "float", o)
        fails(ValueError, lambda: L.CyclicLR(o, [0.01], 0.1),
              "base_lr must have the same length as optimizer.param_groups", o)
        fails(ValueError, lambda: L.CyclicLR(o, 0.01, [0.1] * 3), "max_lr must have the same length", o)
        fails(ValueError, lambda: L.CyclicLR(o, 0.01, 0.1, mode="bad"), "mode is invalid and scale_fn is None", o)
    """,
    ),
    (
        "cycliclr_int_max_steps",
        """
        o = make_opt()
        s = L.CyclicLR(o, 0.01, 0.1, step_size_up=BIG)
        s.step(); s.step(EMAX); s.step(MIN)
        finite_lrs(s)
    """,
    ),
    (
        "cycliclr_scale_fn_raises",
        """
        o = make_opt()
        calls = []
        def scale(x):
            calls.append(x)
            if len(calls) > 2:
                raise ZeroDivisionError("scale_fn says no")
            return 1.0
        s = L.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=scale)
        s.step()
        fails(ZeroDivisionError, s.step, "scale_fn says no", s, o)
    """,
    ),
    (
        "onecycle_arguments",
        """
        o = make_opt()
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, total_steps=0), "Expected positive integer total_steps", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, total_steps=2.5), "Expected positive integer total_steps", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1), "You must define either total_steps OR", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3), "Expected positive integer epochs", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
              "Expected float between 0 and 1 pct_start", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=float("nan")),
              "Expected float between 0 and 1 pct_start", o)
        fails(ValueError, lambda: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="x"),
              "anneal_strategy must be one of 'cos' or 'linear'", o)
        fails(ValueError, lambda: L.OneCycleLR(o, [0.1], total_steps=10), "max_lr must have the same length", o)
    """,
    ),
    (
        "onecycle_total_steps_limits",
        """
        o = make_opt()
        fails(OverflowError, lambda: L.OneCycleLR(o, 0.1, total_steps=2**63), "total_steps", o)
        fails(OverflowError, lambda: L.OneCycleLR(make_opt(), 0.1, epochs=2**62, steps_per_epoch=4), "total_steps", o)
        s = L.OneCycleLR(make_opt(), 0.1, total_steps=BIG)
        s.step()
        finite_lrs(s)
    """,
    ),
    (
        "onecycle_step_past_the_end",
        """
        o = make_opt()
        s = L.OneCycleLR(o, 0.1, total_steps=2)
        s.step(); s.step()
        fails(ValueError, s.step, "Tried to step 3 times. The specified number of total steps is 2", s, o)
    """,
    ),
    (
        "plateau_arguments",
        """
        o = make_opt()
        fails(ValueError, lambda: L.ReduceLROnPlateau(o, factor=1.0), "Factor should be < 1.0.", o)
        fails(ValueError, lambda: L.ReduceLROnPlateau(o, mode="bad"), "mode bad is unknown!", o)
        fails(ValueError, lambda: L.ReduceLROnPlateau(o, threshold_mode="x"), "threshold mode x is unknown!", o)
        fails(ValueError, lambda: L.ReduceLROnPlateau(o, min_lr=[0.1]), "expected 2 min_lrs, got 1", o)
        fails(TypeError, lambda: L.ReduceLROnPlateau(o, min_lr="x"), "min_lr", o)
        fails(TypeError, lambda: L.ReduceLROnPlateau(o, factor="x"), "factor must be a float", o)
        fails(OverflowError, lambda: L.ReduceLROnPlateau(o, patience=2**63), "patience", o)
    """,
    ),
    (
        "plateau_metrics",
        """
        o = make_opt()
        s = L.ReduceLROnPlateau(o, patience=1)
        fails(ValueError, lambda: s.step("abc"), "could not convert string to float", s, o)
        fails(TypeError, lambda: s.step(None), "NoneType", s, o)
        fails(TypeError, lambda: s.step([1.0]), "list", s, o)
        fails(TypeError, lambda: s.step(1j), "complex", s, o)
        for metric in (float("nan"), float("nan"), float("inf"), -float("inf"), 1e308):
            s.step(metric)
        assert s.get_last_lr() == [0.1 * 0.1, 0.05 * 0.1], s.get_last_lr()
    """,
    ),
    (
        "plateau_counters_at_limits",
        """
        s = L.ReduceLROnPlateau(make_opt(), patience=BIG)
        s.step(1.0)
        s.num_bad_epochs = BIG
        o = s.optimizer
        fails(OverflowError, lambda: s.step(5.0), "", s, o)
        s = L.ReduceLROnPlateau(make_opt(), patience=MIN, cooldown=BIG)
        for m in (1.0, 2.0, 3.0):
            s.step(m)
        s.step(1.0, epoch=EMAX)
        s.last_epoch = BIG
        fails(OverflowError, lambda: s.step(1.0), "last_epoch", s, s.optimizer)
    """,
    ),
    # MARK: user functions
    (
        "lr_lambda_raises_in_constructor",
        """
        o = make_opt()
        fails(ZeroDivisionError, lambda: L.LambdaLR(o, lambda e: 1 / 0), "division by zero", o)
    """,
    ),
    (
        "lr_lambda_raises_midway",
        """
        o = make_opt()
        calls = []
        def fn(epoch):
            calls.append(epoch)
            if epoch >= 3:
                raise RuntimeError("user lambda failed")
            return 0.5 ** epoch
        s = L.LambdaLR(o, fn)
        s.step(); s.step()
        fails(RuntimeError, s.step, "user lambda failed", s, o)
        fails(RuntimeError, s.step, "user lambda failed", s, o)
    """,
    ),
    (
        "lr_lambda_bad_values",
        """
        o = make_opt()
        fails(ValueError, lambda: L.LambdaLR(o, lambda e: "x"), "could not convert", o)
        fails(OverflowError, lambda: L.LambdaLR(o, lambda e: 2**2000), "too large", o)
        fails(TypeError, lambda: L.LambdaLR(o, lambda e: None), "NoneType", o)
        fails(ValueError, lambda: L.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas, but got 1", o)
        fails(TypeError, lambda: L.MultiplicativeLR(o, 5), "lr_lambda should be a function, but got int", o)
    """,
    ),
    (
        "multiplicative_lambda_raises",
        """
        o = make_opt()
        s = L.MultiplicativeLR(o, lambda e: 0.9 if e < 2 else [][0])
        s.step()
        fails(IndexError, s.step, "list index out of range", s, o)
    """,
    ),
    # MARK: SWALR and swiftlr's own schedulers
    (
        "swalr_arguments",
        """
        o = make_opt()
        fails(OverflowError, lambda: SWALR(o, swa_lr=0.1, anneal_epochs=2**63), "anneal_epochs", o)
        fails(ValueError, lambda: SWALR(o, swa_lr=0.1, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0", o)
        fails(ValueError, lambda: SWALR(o, swa_lr=0.1, anneal_epochs=2.5), "anneal_epochs", o)
        fails(ValueError, lambda: SWALR(o, swa_lr=0.1, anneal_strategy="x"), "anneal_strategy must be one of", o)
        s = SWALR(make_opt(), swa_lr=0.01, anneal_epochs=BIG)
        s.step()
        finite_lrs(s)
    """,
    ),
    (
        "warmup_schedulers_limits",
        """
        o = make_opt()
        fails(ValueError, lambda: L.WarmupCosineLR(o, warmup_steps=5, total_steps=5), "total_steps", o)
        fails(TypeError, lambda: L.WarmupCosineLR(o, warmup_steps="5", total_steps=10), "warmup_steps", o)
        fails(ValueError, lambda: L.WarmupCosineLR(o, 1, 10, eta_min=float("nan")), "eta_min", o)
        fails(ValueError, lambda: L.InverseSqrtLR(o, 5, timescale=0), "timescale", o)
        fails(ValueError, lambda: L.WarmupStableDecayLR(o, 1, 1, 0), "decay_steps", o)
        fails(ValueError, lambda: L.PiecewiseLinearLR(o, [3, 3], [1.0, 0.5]), "strictly increasing", o)
        fails(ValueError, lambda: L.PiecewiseLinearLR(o, [1, 3], [1.0, float("inf")]), "factors", o)
        for s in (L.WarmupCosineLR(make_opt(), BIG - 1, BIG), L.InverseSqrtLR(make_opt(), BIG, timescale=BIG),
                  L.WarmupStableDecayLR(make_opt(), BIG, BIG, BIG), L.PiecewiseLinearLR(make_opt(), [MIN, BIG], [0.0, 1.0])):
            s.step(); s.step(EMAX); s.step(MIN); s.get_lr()
            finite_lrs(s)
    """,
    ),
]

test_the_battery_is_large_enough, test_bad_input = bad_input_suite(CASES, minimum=30)
