"""swiftlr.optim.Adam / AdamW: bit for bit torch's fused CPU Adam, torch's errors."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenarios import swiftlr_api, torch_api
from scenarios.adam import decode, random_adam_case, run_adam_case

import swiftlr
from swiftlr import Parameter, optim

REFERENCE = json.loads((Path(__file__).parent / "reference" / "adam.json").read_text())
CAPABILITY = {"default": "0", "avx2": "1", "avx512": "2"}[swiftlr._swiftlr.torch_capability()]


def assert_same_bits(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    for i, (a, b) in enumerate(zip(ours["params"], theirs["params"], strict=True)):
        np.testing.assert_array_equal(decode(a).view(np.uint8), decode(b).view(np.uint8), err_msg=f"param {i}")
    for i, (a, b) in enumerate(zip(ours["state"], theirs["state"], strict=True)):
        assert sorted(a) == sorted(b), f"state keys of param {i}"
        for key in a:
            np.testing.assert_array_equal(decode(a[key]), decode(b[key]), err_msg=f"state {key} of param {i}")
            assert decode(a[key]).dtype == decode(b[key]).dtype


@pytest.mark.parametrize("index", range(len(REFERENCE["cases"])))
def test_matches_pytorch_reference_bit_for_bit(index: int) -> None:
    assert REFERENCE["torch"].startswith("2.15.")
    case = REFERENCE["cases"][index]
    assert_same_bits(run_adam_case(case, swiftlr_api()), REFERENCE["capabilities"][CAPABILITY][index])


def test_reference_covers_every_option() -> None:
    cases = REFERENCE["cases"]
    groups = [g for c in cases for g in c["groups"]]
    assert any(c["decoupled"] for c in cases) and not all(c["decoupled"] for c in cases)
    assert any(c["maximize"] for c in cases) and any(c["none_grad_prob"] for c in cases)
    assert any(g["amsgrad"] for g in groups) and any(g["weight_decay"] for g in groups)
    assert any(g["betas"][0] < 0.5 for g in groups)  # torch's lerp takes its other form
    assert {c["dtype"] for c in cases} == {"float32", "float64"}
    assert sorted(REFERENCE["capabilities"]) == ["0", "1", "2"]
    # The capabilities' results differ: the reference pins each one's rounding.
    assert REFERENCE["capabilities"]["0"] != REFERENCE["capabilities"]["2"]


@pytest.mark.parametrize("capability", ["default", "avx2", "avx512"])
def test_torch_capability_argument_gives_that_capabilitys_bits(capability: str) -> None:
    """Each capability's committed torch results, on any machine: the
    argument decides the rounding, not the CPU the test runs on."""
    code = {"default": "0", "avx2": "1", "avx512": "2"}[capability]
    for index, case in enumerate(REFERENCE["cases"]):
        ours = run_adam_case(case, swiftlr_api(), torch_capability=capability)
        assert_same_bits(ours, REFERENCE["capabilities"][code][index])


def test_torch_capability_may_change_between_steps() -> None:
    rng = np.random.default_rng(5)
    start, grads = rng.standard_normal(100).astype(np.float32), rng.standard_normal((2, 100)).astype(np.float32)
    results = {}
    for second in ("default", "avx512"):
        p = Parameter(start.copy())
        optimizer = optim.AdamW([p], lr=0.1, torch_capability="avx512")
        for k, capability in enumerate(("avx512", second)):
            optimizer.torch_capability = capability
            p.grad = grads[k]
            optimizer.step()
        results[second] = p.data.copy()
    assert not np.array_equal(results["default"], results["avx512"])


def test_live_against_pytorch_fused(torch: Any) -> None:
    for i in range(40):
        case = random_adam_case(random.Random(f"live-adam-{i}"), big=True)
        assert_same_bits(run_adam_case(case, swiftlr_api()), run_adam_case(case, torch_api()))


# MARK: errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
        ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        ({"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
        ({"betas": (0, 0.9)}, "betas must be either both floats or both Tensors"),
    ],
)
def test_errors_use_pytorch_wording(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        optim.Adam([Parameter(np.zeros(2))], **kwargs)


def test_errors_equal_pytorchs(torch: Any) -> None:
    cases = [
        {"lr": -0.1},
        {"eps": -1.0},
        {"betas": (1.0, 0.999)},
        {"betas": (0.9, -0.1)},
        {"weight_decay": -1e-3},
        {"betas": (0, 0.9)},
    ]
    for kwargs in cases:
        with pytest.raises(ValueError) as theirs:
            torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], **kwargs)
        with pytest.raises(ValueError) as ours:
            optim.Adam([Parameter(np.zeros(1))], **kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        optim.Adam([Parameter(np.zeros(1))], fused=True, foreach=True)


def test_defaults_and_signatures_follow_pytorch(torch: Any) -> None:
    import inspect

    for ours, theirs in ((optim.Adam, torch.optim.Adam), (optim.AdamW, torch.optim.AdamW)):
        a, b = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert list(a) == [*b, "torch_capability"]  # swiftlr's own keyword comes last
        assert [p.default for p in a.values()] == [p.default for p in b.values()] + [None]


def test_a_failed_step_changes_nothing() -> None:
    good, bad = Parameter(np.ones(20)), Parameter(np.ones(3))
    optimizer = optim.Adam([good, bad], lr=0.1)
    good.grad, bad.grad = np.ones(20), np.ones(3)
    optimizer.step()
    before = good.data.copy(), {k: np.copy(v) for k, v in optimizer.state[good].items()}
    bad.data, bad.grad = np.ones(5), np.ones(5)  # no longer the shape of its moments
    with pytest.raises(ValueError, match="resized or retyped"):
        optimizer.step()
    np.testing.assert_array_equal(good.data, before[0])
    for key, value in before[1].items():
        np.testing.assert_array_equal(optimizer.state[good][key], value)
    fresh = Parameter(np.ones(4))
    fresh.grad = np.ones(4)
    readonly = np.ones(2)
    readonly.setflags(write=False)
    frozen = Parameter(readonly)
    frozen.grad = np.ones(2)
    other = optim.Adam([fresh, frozen])
    with pytest.raises(ValueError, match="writable"):
        other.step()
    assert len(other.state) == 0
    np.testing.assert_array_equal(fresh.data, np.ones(4))


def test_state_from_another_optimizer_is_refused_without_change() -> None:
    p = Parameter(np.ones(5))
    sgd = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(5)
    sgd.step()
    adam = optim.Adam([p])
    adam.load_state_dict(sgd.state_dict())
    before = p.data.copy()
    with pytest.raises(KeyError, match="step"):
        adam.step()
    np.testing.assert_array_equal(p.data, before)


def test_bad_step_state_is_refused() -> None:
    p = Parameter(np.ones(5))
    adam = optim.Adam([p])
    p.grad = np.ones(5)
    adam.step()
    adam.state[p]["step"] = np.zeros((), np.float64)
    with pytest.raises(TypeError, match="float32"):
        adam.step()
    adam.state[p]["step"] = np.float32(1)  # a numpy scalar cannot be updated in place
    with pytest.raises(TypeError, match="float32"):
        adam.step()


# MARK: state


def test_state_has_torchs_keys_and_step_counts_as_float32() -> None:
    p = Parameter(np.ones(4, dtype=np.float32))
    adam = optim.Adam([p], amsgrad=True)
    p.grad = np.ones(4, dtype=np.float32)
    adam.step()
    assert list(adam.state[p]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    step = adam.state[p]["step"]
    assert step.dtype == np.float32 and step.shape == () and step == 1
    step[...] = 2**24 - 1
    adam.step()
    adam.step()
    assert adam.state[p]["step"] == 2**24  # float32 stops counting, as torch's step tensor


def test_state_dict_moves_both_ways_with_torch(torch: Any) -> None:
    rng = np.random.default_rng(3)
    for cls_name in ("Adam", "AdamW"):
        init = rng.standard_normal(37)
        tp = torch.nn.Parameter(torch.from_numpy(init.copy()))
        sp = Parameter(init.copy())
        kw = {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}
        topt = getattr(torch.optim, cls_name)([tp], fused=True, **kw)
        sopt = getattr(optim, cls_name)([sp], **kw)

        def step_both(topt: Any, sopt: Any) -> None:
            g = rng.standard_normal(37)
            tp.grad, sp.grad = torch.from_numpy(g.copy()), g.copy()
            topt.step()
            sopt.step()
            np.testing.assert_array_equal(tp.detach().numpy(), sp.data)

        for _ in range(3):
            step_both(topt, sopt)
        # torch's checkpoint into swiftlr, as it is.
        sopt = getattr(optim, cls_name)([sp], **kw)
        sopt.load_state_dict(pickle.loads(pickle.dumps(topt.state_dict())))
        assert sopt.state[sp]["step"].dtype == np.float32
        step_both(topt, sopt)
        # swiftlr's into torch, once its arrays are tensors.
        saved = sopt.state_dict()
        saved["state"] = {
            k: {n: torch.from_numpy(np.array(v)) for n, v in s.items()} for k, s in saved["state"].items()
        }
        topt = getattr(torch.optim, cls_name)([tp], fused=True, **kw)
        topt.load_state_dict(saved)
        step_both(topt, sopt)


def test_adamw_is_adam_with_decoupled_decay() -> None:
    a, b = Parameter(np.linspace(-1, 1, 50)), Parameter(np.linspace(-1, 1, 50))
    o1 = optim.AdamW([a], lr=0.1, weight_decay=0.3)
    o2 = optim.Adam([b], lr=0.1, weight_decay=0.3, decoupled_weight_decay=True)
    for _ in range(5):
        a.grad = b.grad = np.cos(a.data)
        o1.step()
        o2.step()
    np.testing.assert_array_equal(a.data, b.data)
    assert o1.param_groups[0]["decoupled_weight_decay"] is True


def test_schedulers_cycle_beta1_as_over_torchs_adam(torch: Any) -> None:
    from swiftlr.optim import lr_scheduler

    rng = np.random.default_rng(7)
    init = rng.standard_normal(40).astype(np.float32)
    tp = torch.nn.Parameter(torch.from_numpy(init.copy()))
    sp = Parameter(init.copy())
    topt = torch.optim.Adam([tp], lr=0.01, fused=True)
    sopt = optim.Adam([sp], lr=0.01)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=30)
    ssched = lr_scheduler.OneCycleLR(sopt, max_lr=0.1, total_steps=30)
    for _ in range(30):
        g = rng.standard_normal(40).astype(np.float32)
        tp.grad, sp.grad = torch.from_numpy(g.copy()), g.copy()
        topt.step()
        sopt.step()
        tsched.step()
        ssched.step()
        assert sopt.param_groups[0]["betas"] == topt.param_groups[0]["betas"]
        np.testing.assert_array_equal(tp.detach().numpy(), sp.data)
