"""swiftlr.optim.SGD: torch.optim.SGD's math and errors."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenarios import random_sgd_case, run_sgd_case, swiftlr_api, torch_api

import swiftlr
from swiftlr import optim

REFERENCE = json.loads((Path(__file__).parent / "reference" / "sgd.json").read_text())
TOLERANCE = {"float64": 1e-12, "float32": 2e-5}


def assert_history_close(ours: list[Any], theirs: list[Any], dtype: str) -> None:
    """Relative to each parameter's scale: rounding differs by an ulp where a
    value cancels to near zero, and relative error there means nothing."""
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for x, y in zip(a, b, strict=True):
            scale = max(1.0, float(np.max(np.abs(y), initial=0.0)))
            np.testing.assert_allclose(
                x, y, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * scale, err_msg=f"step {step}"
            )


@pytest.mark.parametrize("index", range(len(REFERENCE["entries"])))
def test_matches_pytorch_reference(index: int) -> None:
    entry = REFERENCE["entries"][index]
    assert REFERENCE["torch"].startswith("2.15.")
    assert_history_close(run_sgd_case(entry["case"], swiftlr_api()), entry["params"], entry["case"]["dtype"])


def test_reference_covers_every_option() -> None:
    cases = [e["case"] for e in REFERENCE["entries"]]
    for flag in ("nesterov", "maximize"):
        assert any(c[flag] for c in cases)
    for option in ("momentum", "dampening", "weight_decay", "none_grad_prob"):
        assert any(c[option] for c in cases)
    assert {c["dtype"] for c in cases} == {"float32", "float64"}


def test_live_against_pytorch(torch: Any) -> None:
    for i in range(100):
        case = random_sgd_case(random.Random(f"live-{i}"))
        assert_history_close(run_sgd_case(case, swiftlr_api()), run_sgd_case(case, torch_api()), case["dtype"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
        ({"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
        ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires"),
    ],
)
def test_errors_use_pytorch_wording(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optim.SGD([swiftlr.Parameter(np.zeros(1))], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"momentum": -1}, ValueError, "Invalid momentum value: -1$"),  # an int shows as PyTorch's f-string does
        ({"lr": np.array(-0.5)}, ValueError, "Invalid learning rate: -0.5$"),  # 0-d float: __index__ refuses it
        ({"lr": np.int64(-2)}, ValueError, "Invalid learning rate: -2$"),
        ({"lr": "x"}, TypeError, "'<' not supported between instances of 'str' and 'float'"),
        ({"weight_decay": None}, TypeError, "'<' not supported between instances of 'NoneType' and 'float'"),
        ({"nesterov": True, "momentum": 0.9, "dampening": "x"}, ValueError, "Nesterov momentum requires"),
        ({"lr": float("nan")}, None, ""),  # nan < 0.0 is false: accepted, as by PyTorch
    ],
)
def test_checks_are_the_cores_in_pytorchs_words(kwargs: dict[str, Any], error: type | None, message: str) -> None:
    """sgd.py states no check: ``_swiftlr.sgd_check`` runs SGDOptions.check, in PyTorch's order and words."""
    if error is None:
        optim.SGD([swiftlr.Parameter(np.zeros(1))], **kwargs)
        return
    with pytest.raises(error, match=message):
        optim.SGD([swiftlr.Parameter(np.zeros(1))], **kwargs)


def test_errors_equal_pytorchs(torch: Any) -> None:
    for kwargs in (
        {"lr": -0.1},
        {"momentum": -2.0},
        {"momentum": -2},
        {"weight_decay": -1.0},
        {"nesterov": True},
        {"lr": "x"},
        {"lr": torch.tensor(-0.5)},
    ):
        with pytest.raises((ValueError, TypeError)) as theirs:
            torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], **kwargs)
        with pytest.raises(theirs.type) as ours:
            optim.SGD([swiftlr.Parameter(np.zeros(1))], **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_updates_in_place_and_skips_none_grads() -> None:
    a = np.ones(4, dtype=np.float32)
    p, q = swiftlr.Parameter(a), swiftlr.Parameter(np.ones(2))
    opt = optim.SGD([p, q], lr=0.5)
    p.grad = np.full(4, 2.0, dtype=np.float32)
    opt.step()
    np.testing.assert_array_equal(a, np.zeros(4, dtype=np.float32))
    np.testing.assert_array_equal(q.data, np.ones(2))
    assert not opt.state  # no momentum, no state


def test_momentum_buffer_starts_as_first_gradient() -> None:
    p = swiftlr.Parameter(np.zeros(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = np.array([1.0, -2.0])
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, -2.0])
    opt.step()
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [0.9 + 0.5, -1.8 - 1.0])


def test_fortran_ordered_parameters() -> None:
    data = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    p = swiftlr.Parameter(data)
    p.grad = np.asfortranarray(np.ones((2, 3)))
    optim.SGD([p], lr=1.0, momentum=0.5).step()
    np.testing.assert_array_equal(data, np.arange(6.0).reshape(2, 3) - 1)


def test_closure_result_is_returned() -> None:
    p = swiftlr.Parameter(np.zeros(1))
    assert optim.SGD([p], lr=0.1).step(lambda: 3.5) == 3.5


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        (lambda p: setattr(p, "_grad", np.ones(5)), ValueError, "shape"),
        (lambda p: setattr(p, "_grad", np.ones(3, dtype=np.float32)), TypeError, "format"),
        (lambda p: setattr(p, "_grad", np.ones(3, dtype=np.int64)), TypeError, "float32 or float64"),
        (lambda p: setattr(p, "_grad", [1.0, 2.0, 3.0]), TypeError, "float32 or float64 array"),
        (lambda p: setattr(p, "_data", np.ones(3)[::-1]), ValueError, "not contiguous"),
    ],
)
def test_bad_buffers_raise_and_change_nothing(setup: Any, error: type, message: str) -> None:
    good = swiftlr.Parameter(np.ones(3))
    good.grad = np.ones(3)
    bad = swiftlr.Parameter(np.ones(3))
    bad.grad = np.ones(3)
    setup(bad)  # bypass the Parameter setters, as code holding the arrays could
    opt = optim.SGD([good, bad], lr=0.1, momentum=0.9)
    with pytest.raises(error, match=message):
        opt.step()
    np.testing.assert_array_equal(good.data, np.ones(3))
    assert not opt.state


@pytest.mark.parametrize(
    "layout",
    [
        lambda g: np.repeat(g, 2, axis=1)[:, ::2],  # strided view
        np.asfortranarray,  # the other memory order
        lambda g: np.ascontiguousarray(g.T).T,  # a transposed view
    ],
)
def test_gradient_in_any_layout_gives_the_contiguous_result(layout: Any) -> None:
    # PyTorch accepts any gradient layout; swiftlr copies it into the parameter's.
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((4, 3)) for _ in range(3)]
    results = []
    for arrange in (np.ascontiguousarray, layout):
        p = swiftlr.Parameter(np.ones((4, 3)))
        opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
        for g in grads:
            p.grad = arrange(g)
            opt.step()
        results.append(p.data.copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_read_only_parameter_is_refused() -> None:
    data = np.ones(3)
    data.setflags(write=False)
    p = swiftlr.Parameter(data)
    p.grad = np.ones(3)
    with pytest.raises(ValueError, match="writable"):
        optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(data, np.ones(3))


def test_resized_parameter_with_momentum_buffer() -> None:
    p = swiftlr.Parameter(np.ones(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3)
    opt.step()
    p.data = np.ones(5)
    p.grad = np.ones(5)
    with pytest.raises(ValueError, match="resized or retyped"):
        opt.step()
    np.testing.assert_array_equal(p.data, np.ones(5))


def test_empty_and_zero_dim_parameters() -> None:
    empty, scalar = swiftlr.Parameter(np.zeros(0)), swiftlr.Parameter(np.array(2.0))
    empty.grad, scalar.grad = np.zeros(0), np.array(1.0)
    optim.SGD([empty, scalar], lr=0.5, momentum=0.9).step()
    assert float(scalar.data) == 1.5


def test_nonfinite_gradients_propagate_like_pytorch() -> None:
    p = swiftlr.Parameter(np.zeros(2))
    p.grad = np.array([np.nan, np.inf])
    optim.SGD([p], lr=0.1).step()
    assert np.isnan(p.data[0]) and np.isneginf(p.data[1])


def test_negative_lr_set_by_a_schedule_steps_like_pytorch() -> None:
    """PyTorch checks lr >= 0 in the constructor only; a chained schedule can
    land a hair below zero and the step still runs."""
    p = swiftlr.Parameter(np.zeros(1))
    p.grad = np.ones(1)
    opt = optim.SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = -3e-20
    opt.step()
    assert p.data[0] == 3e-20


def _step_with(name: str, value: Any, dtype: Any = np.float64) -> tuple[np.ndarray, Any]:
    """Two steps with group[name] = value (momentum 0.5, decay 0.1, dampening
    0.25 otherwise): the parameter, and the momentum state."""
    p = swiftlr.Parameter(np.linspace(-1, 1, 37).astype(dtype))
    p.grad = np.cos(np.arange(37)).astype(dtype)
    opt = optim.SGD([p], lr=0.1, momentum=0.5, dampening=0.25, weight_decay=0.1)
    opt.param_groups[0][name] = value
    opt.step()
    opt.step()
    return p.data.copy(), opt.state.get(p, {}).get("momentum_buffer")


HYPERPARAMETERS = {"lr": 0.375, "momentum": 0.625, "dampening": 0.125, "weight_decay": 0.0625}


@pytest.mark.parametrize("name", HYPERPARAMETERS)
@pytest.mark.parametrize(
    "convert", [float, np.float32, np.float64, np.longdouble, np.array, lambda v: np.array(v, np.float32)]
)
def test_hyperparameters_of_numpy_types_step_as_their_float(name: str, convert: Any) -> None:
    # Issue 11: what torch's SGD accepts (numpy scalars, 0-d arrays), read as a float.
    value = HYPERPARAMETERS[name]
    expected, _ = _step_with(name, value)
    ours, _ = _step_with(name, convert(value))
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("name", HYPERPARAMETERS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_zero_d_tensor_hyperparameters_step_as_their_float(torch: Any, name: str, dtype: str) -> None:
    # CyclicLR writes tensor lrs into groups; torch's SGD reads them as numbers.
    tensor = torch.tensor(HYPERPARAMETERS[name], dtype=getattr(torch, dtype))
    expected, _ = _step_with(name, float(tensor))
    ours, _ = _step_with(name, tensor)
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("bad", [np.array([0.5]), np.ones((1, 1)), "0.5", None, [0.5], True, 1j])
def test_hyperparameters_that_are_not_numbers_are_refused_before_any_write(bad: Any) -> None:
    p = swiftlr.Parameter(np.ones(3))
    p.grad = np.ones(3)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.param_groups[0]["lr"] = bad
    with pytest.raises(TypeError, match="lr must be a number"):
        opt.step()
    np.testing.assert_array_equal(p.data, np.ones(3))
    assert not opt.state


def test_tiny_longdouble_momentum_is_zero_everywhere() -> None:
    # Issue 10, item 4: np.longdouble("1e-4000") is nonzero to Python but 0.0
    # as a double; one conversion decides, so no buffer is made and none is
    # left uninitialized for a later momentum step to read.
    p = swiftlr.Parameter(np.ones(4))
    p.grad = np.full(4, 0.5)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.param_groups[0]["momentum"] = np.longdouble("1e-4000")
    opt.step()
    np.testing.assert_array_equal(p.data, np.full(4, 0.95))
    assert "momentum_buffer" not in opt.state.get(p, {})
    opt.param_groups[0]["momentum"] = 0.9
    opt.step()  # a fresh buffer: the gradient itself
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], np.full(4, 0.5))
    np.testing.assert_array_equal(p.data, np.full(4, 0.95 + -0.1 * 0.5))


def test_hyperparameter_conversion_is_the_steps() -> None:
    assert swiftlr._swiftlr.sgd_number(np.float32(0.1), "lr") == float(np.float32(0.1))
    assert swiftlr._swiftlr.sgd_number(np.longdouble("1e-4000"), "momentum") == 0.0
    with pytest.raises(TypeError, match="momentum must be a number or a 0-d"):
        swiftlr._swiftlr.sgd_number(np.zeros(2), "momentum")


def test_steady_state_step_needs_no_new_buffers() -> None:
    p = swiftlr.Parameter(np.ones(5, np.float32))
    p.grad = np.ones(5, np.float32)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    buffer = opt.state[p]["momentum_buffer"]
    opt.step()
    assert opt.state[p]["momentum_buffer"] is buffer  # updated in place


def test_subclass_properties_are_honoured() -> None:
    # The step reads swiftlr.Parameter's slots directly; a subclass that
    # overrides `data` or `grad` is read through its properties.
    class Scaled(swiftlr.Parameter):
        @property
        def grad(self) -> Any:
            return None if self._grad is None else self._grad * 2

        @grad.setter
        def grad(self, value: Any) -> None:
            swiftlr.Parameter.grad.fset(self, value)

    plain, scaled = swiftlr.Parameter(np.ones(3)), Scaled(np.ones(3))
    plain.grad, scaled.grad = np.full(3, 2.0), np.ones(3)
    optim.SGD([plain, scaled], lr=0.5).step()
    assert scaled.data.tolist() == plain.data.tolist() == [0.0, 0.0, 0.0]


# MARK: which arithmetic: torch's CPU capability


def test_torch_capability_defaults_to_torchs_choice_here() -> None:
    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))])
    assert opt.torch_capability == swiftlr._swiftlr.torch_capability() in ("default", "avx2", "avx512")


@pytest.mark.parametrize(("value", "expected"), [("default", "default"), ("avx2", "avx2"), ("avx512", "avx512")])
def test_torch_capability_follows_aten_cpu_capability(value: str, expected: str) -> None:
    """Read as torch reads it, once per process: a child process each."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np, swiftlr; from swiftlr import _swiftlr, optim; "
        "print(_swiftlr.torch_capability(), optim.SGD([swiftlr.Parameter(np.zeros(1))]).torch_capability)"
    )
    env = {**os.environ, "ATEN_CPU_CAPABILITY": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.split() == [expected, expected]
    # A value torch does not know is ignored, as torch ignores it: the CPU decides.
    env["ATEN_CPU_CAPABILITY"] = "avx"
    ignored = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    env.pop("ATEN_CPU_CAPABILITY")
    unset = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert ignored.stdout == unset.stdout


def test_torch_capability_argument_decides_the_rounding() -> None:
    """lr * g rounded before the add (default) or fused into it (avx2, avx512)."""
    rng = np.random.default_rng(3)
    start, grad = rng.standard_normal(4096), rng.standard_normal(4096)
    results = {}
    for capability in ("default", "avx2", "avx512"):
        p = swiftlr.Parameter(start.copy())
        p.grad = grad
        optim.SGD([p], lr=0.0123456789, torch_capability=capability).step()
        results[capability] = p.data
    assert np.array_equal(results["default"], start + -0.0123456789 * grad)
    assert np.array_equal(results["avx2"], results["avx512"])
    assert not np.array_equal(results["avx2"], results["default"])
    assert np.max(np.abs(results["avx2"] - results["default"])) <= np.max(np.spacing(np.abs(results["default"])))


def test_torch_capability_argument_is_checked() -> None:
    with pytest.raises(
        ValueError, match="torch_capability must be one of 'default', 'avx2', 'avx512' or None, got 'avx'"
    ):
        optim.SGD([swiftlr.Parameter(np.zeros(1))], torch_capability="avx")


# MARK: checkpoints across the libraries (issue 19)

_ACROSS = r"""
import json, sys
import numpy as np, torch
import swiftlr
from swiftlr import optim

rng = np.random.default_rng(7)
options = dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3)
results = {}
for dtype in ("float32", "float64"):
    arrays = [rng.standard_normal(n).astype(dtype) for n in (1, 17, 64)]
    grads = [[rng.standard_normal(a.size).astype(dtype) for a in arrays] for _ in range(6)]
    ours = [swiftlr.Parameter(a.copy()) for a in arrays]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    s_opt, t_opt = optim.SGD(ours, **options), torch.optim.SGD(theirs, **options)

    def step(k):
        for p, t, g in zip(ours, theirs, grads[k]):
            p.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
        s_opt.step()
        t_opt.step()

    for k in range(3):
        step(k)
    # swiftlr's state into torch (its arrays as tensors), torch's into swiftlr as it is
    s_state, t_state = s_opt.state_dict(), t_opt.state_dict()
    for entry in s_state["state"].values():
        entry["momentum_buffer"] = torch.from_numpy(entry["momentum_buffer"].copy())
    s_state["param_groups"][0]["lr"] = t_state["param_groups"][0]["lr"] = 0.02
    t_opt.load_state_dict(s_state)
    s_opt.load_state_dict(t_state)
    for k in range(3, 6):
        step(k)
    same = all(
        p.data.tobytes() == t.detach().numpy().tobytes()
        and s_opt.state[p]["momentum_buffer"].tobytes() == t_opt.state[t]["momentum_buffer"].numpy().tobytes()
        for p, t in zip(ours, theirs)
    )
    results[dtype] = same
print(json.dumps(results))
"""


def test_state_dicts_move_between_swiftlr_and_torch(torch: Any) -> None:
    """swiftlr's ``state_dict()`` loads into ``torch.optim.SGD`` once its arrays
    are tensors, torch's into swiftlr as it is, and the next steps are equal
    bit for bit. Under ``ATEN_CPU_CAPABILITY=default``, where torch's SGD
    rounds like swiftlr's (no fused multiply-add)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    out = subprocess.run([sys.executable, "-c", _ACROSS], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"float32": True, "float64": True}
