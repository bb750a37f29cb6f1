"""Bad inputs, as in ``test_bad_inputs.py`` (each case in its own process, a
clean exception that changes nothing, never a crash): State dicts: schedulers' and the optimizer's ``load_state_dict``, and
every scheduler's state through a round trip.
"""

from __future__ import annotations

from .subprocess_cases import bad_input_suite

# (case id, script body). Bodies run after PRELUDE; each ends in CASE-OK.
CASES: list[tuple[str, str]] = [
    # MARK: scheduler load_state_dict
    (
        "load_state_dict_not_a_dict",
        """
        for make in (lambda o: L.StepLR(o, 3), lambda o: L.LambdaLR(o, lambda e: 1.0),
                     lambda o: L.ReduceLROnPlateau(o), lambda o: L.OneCycleLR(o, 0.1, total_steps=10)):
            o = make_opt()
            s = make(o)
            s.step(1.0) if isinstance(s, L.ReduceLROnPlateau) else s.step()
            for bad in (None, [1], "state", 5):
                fails(TypeError, lambda: s.load_state_dict(bad), "dict", s, o)
    """,
    ),
    (
        "load_state_dict_wrong_values",
        """
        o = make_opt()
        s = L.StepLR(o, 3)
        s.step()
        fails(TypeError, lambda: s.load_state_dict({"step_size": "x", "gamma": 0.5}), "step_size", s, o)
        fails(ValueError, lambda: s.load_state_dict({"step_size": 0, "gamma": 0.5}), "step_size", s, o)
        fails(ValueError, lambda: s.load_state_dict({"base_lrs": [1.0]}), "base_lrs", s, o)
        fails(TypeError, lambda: s.load_state_dict({"base_lrs": "ab"}), "base_lrs", s, o)
        fails(TypeError, lambda: s.load_state_dict({"gamma": None}), "gamma", s, o)
    """,
    ),
    (
        "load_state_dict_missing_keys_lambda",
        """
        o = make_opt()
        s = L.LambdaLR(o, lambda e: 0.5)
        s.step()
        fails(KeyError, lambda: s.load_state_dict({}), "lr_lambdas", s, o)
        fails(ValueError, lambda: s.load_state_dict({**s.state_dict(), "lr_lambdas": [None] * 3}), "lr_lambdas", s, o)
        fails(TypeError, lambda: s.load_state_dict({**s.state_dict(), "lr_lambdas": [5, None]}), "lr_lambdas", s, o)
        bad = {**s.state_dict(), "last_epoch": "x", "lr_lambdas": [None, None]}
        fails(TypeError, lambda: s.load_state_dict(bad), "last_epoch", s, o)
    """,
    ),
    (
        "load_state_dict_plateau_wrong_values",
        """
        o = make_opt()
        s = L.ReduceLROnPlateau(o)
        s.step(1.0)
        fails(ValueError, lambda: s.load_state_dict({"mode": "bad"}), "mode bad is unknown!", s, o)
        fails(TypeError, lambda: s.load_state_dict({"patience": "x"}), "patience", s, o)
        fails(TypeError, lambda: s.load_state_dict({"min_lrs": ["x", 0.0]}), "min_lrs", s, o)
    """,
    ),
    (
        "load_state_dict_composite_all_or_nothing",
        """
        o = make_opt()
        a, b = L.StepLR(o, 3), L.ExponentialLR(o, 0.5)
        seq = L.SequentialLR(o, [a, b], milestones=[2])
        seq.step()
        state = seq.state_dict()
        bad = {**state, "last_epoch": 99, "_schedulers": [{"last_epoch": 50}, {"gamma": "x"}]}
        fails(TypeError, lambda: seq.load_state_dict(bad), "gamma", seq, a, b, o)
        fails(ValueError, lambda: seq.load_state_dict({**state, "_schedulers": [{}]}), "_schedulers", seq, a, b, o)
        fails(KeyError, lambda: seq.load_state_dict({"last_epoch": 3}), "_schedulers", seq, a, b, o)
        fails(TypeError, lambda: seq.load_state_dict(5), "dict", seq, a, b, o)
        chain = L.ChainedScheduler([L.StepLR(o, 3), L.ExponentialLR(o, 0.5)])
        fails(TypeError, lambda: chain.load_state_dict([1]), "dict", chain, o)
    """,
    ),
    (
        "load_state_dict_multistep_milestones",
        """
        o = make_opt()
        s = L.MultiStepLR(o, [2, 4])
        s.step()
        fails(TypeError, lambda: s.load_state_dict({"milestones": 7}), "milestones", s, o)
        fails(TypeError, lambda: s.load_state_dict({"milestones": {"x": 1}}), "milestones", s, o)
        fails(OverflowError, lambda: s.load_state_dict({"milestones": [2**64]}), "milestones", s, o)
        s.load_state_dict({"milestones": {"3": 2}})  # JSON-style keys, as after a JSON round trip
        assert s.milestones == Counter({3: 2})
    """,
    ),
    # MARK: optimizer load_state_dict
    (
        "optimizer_load_state_dict_bad",
        """
        o = make_opt()
        o.step()
        good = o.state_dict()
        fails(ValueError, lambda: o.load_state_dict([1]), "state_dict must be a dict", o)
        fails(ValueError, lambda: o.load_state_dict({"state": {}}), "param_groups", o)
        fails(TypeError, lambda: o.load_state_dict({"state": {}, "param_groups": 5}), "param_groups", o)
        fails(TypeError, lambda: o.load_state_dict({"state": {}, "param_groups": [5, 6]}), "param_groups", o)
        fails(TypeError, lambda: o.load_state_dict({**good, "state": []}), "state", o)
        fails(TypeError, lambda: o.load_state_dict({**good, "state": {0: 5}}), "state", o)
        fails(ValueError, lambda: o.load_state_dict({**good, "state": {0: {"momentum_buffer": np.zeros(7)}}}), "shape", o)
        groups = [{**g, "lr": "x"} for g in good["param_groups"]]
        fails(TypeError, lambda: o.load_state_dict({**good, "param_groups": groups}), "lr", o)
    """,
    ),
    (
        "optimizer_load_state_dict_old_checkpoint_defaults",
        """
        o = make_opt()
        o.step()
        state = o.state_dict()
        for g in state["param_groups"]:
            del g["maximize"], g["foreach"], g["fused"]
        o.load_state_dict(state)
        o.step()
        assert o.param_groups[0]["maximize"] is False
    """,
    ),
]


def _state_dict_round_trip_case(name: str, build: str) -> tuple[str, str]:
    body = f"""
        def make():
            o = make_opt()
            return o, {build}
        round_trip(make)
    """
    return (f"state_dict_pickle_deepcopy_{name}", body)


ROUND_TRIPS = {
    "StepLR": "L.StepLR(o, step_size=3, gamma=0.5)",
    "MultiStepLR": "L.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.5)",
    "ConstantLR": "L.ConstantLR(o, factor=0.5, total_iters=4)",
    "LinearLR": "L.LinearLR(o, start_factor=0.25, total_iters=6)",
    "ExponentialLR": "L.ExponentialLR(o, gamma=0.9)",
    "PolynomialLR": "L.PolynomialLR(o, total_iters=10, power=2.0)",
    "CosineAnnealingLR": "L.CosineAnnealingLR(o, T_max=6, eta_min=0.001)",
    "LambdaLR": "L.LambdaLR(o, lambda e: 0.9 ** e)",
    "MultiplicativeLR": "L.MultiplicativeLR(o, lambda e: 0.95)",
    "SequentialLR": "L.SequentialLR(o, [L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.9)], milestones=[3])",
    "ChainedScheduler": "L.ChainedScheduler([L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.9)])",
    "ReduceLROnPlateau": "L.ReduceLROnPlateau(o, patience=1, min_lr=[0.0, 0.001])",
    "CyclicLR": "L.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=3, mode='triangular2')",
    "OneCycleLR": "L.OneCycleLR(o, [0.1, 0.2], total_steps=30, three_phase=True)",
    "CosineAnnealingWarmRestarts": "L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)",
    "SWALR": "SWALR(o, swa_lr=[0.01, 0.02], anneal_epochs=4)",
    "WarmupCosineLR": "L.WarmupCosineLR(o, warmup_steps=3, total_steps=12)",
    "InverseSqrtLR": "L.InverseSqrtLR(o, warmup_steps=3)",
    "WarmupStableDecayLR": "L.WarmupStableDecayLR(o, 2, 3, 5)",
    "PiecewiseLinearLR": "L.PiecewiseLinearLR(o, [0, 3, 9], [0.1, 1.0, 0.2])",
}

ALL_CASES = CASES + [_state_dict_round_trip_case(n, b) for n, b in ROUND_TRIPS.items()]

test_the_battery_is_large_enough, test_bad_input = bad_input_suite(ALL_CASES, minimum=20)
