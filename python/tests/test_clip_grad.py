"""swiftlr.nn.utils.clip_grad_norm_ / clip_grad_value_: torch's results bit
for bit (committed torch 2.15 values, and live where torch is installed),
torch's errors, and nothing changed by a failed call."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenarios import swiftlr_api, torch_api
from scenarios.clip import ORDERS, random_clip_case, run_clip_case, tail_clip_cases

import swiftlr
from swiftlr import Parameter
from swiftlr.nn import utils
from swiftlr.nn.utils import clip_grad_norm_, clip_grad_value_

REFERENCE = json.loads((Path(__file__).parent / "reference" / "clip.json").read_text())
CAPABILITY = {"default": "0", "avx2": "1", "avx512": "2"}[swiftlr._swiftlr.torch_capability()]


def param(values: Any, dtype: Any = np.float32) -> Parameter:
    p = Parameter(np.zeros(np.shape(values), dtype=dtype))
    p.grad = np.array(values, dtype=dtype)
    return p


# MARK: torch's bits


@pytest.mark.parametrize("index", range(len(REFERENCE["cases"])))
def test_matches_pytorch_reference_bit_for_bit(index: int) -> None:
    assert REFERENCE["torch"].startswith("2.15.")
    ours = run_clip_case(REFERENCE["cases"][index], swiftlr_api(), utils)
    assert ours == REFERENCE["capabilities"][CAPABILITY][index]


def test_reference_covers_every_feature() -> None:
    cases = REFERENCE["cases"]
    grads = [g for c in cases for g in c["grads"]]
    assert {c["order"] for c in cases} == set(ORDERS)
    assert any({g["dtype"] for g in c["grads"]} == {"float32", "float64"} for c in cases)  # mixed dtypes
    assert any(g["none"] for g in grads) and any(g["nonfinite"] for g in grads)
    assert any(g["size"] >= 32_768 for g in grads) and any(g["size"] == 0 for g in grads)
    assert {c["function"] for c in cases} == {"norm", "value"}
    results = REFERENCE["capabilities"]["2"]
    assert any("error" in r for r in results) and any("non-finite" in r.get("error", "") for r in results)
    assert any(r.get("total_dtype") == "float64" for r in results) and any(
        r.get("total_dtype") == "float32" for r in results
    )
    # torch's default capability rounds its 2-norm's tail otherwise: the reference pins each.
    assert REFERENCE["capabilities"]["0"] != REFERENCE["capabilities"]["2"]


@pytest.mark.parametrize("capability", ["default", "avx2", "avx512"])
def test_every_capability_matches_its_reference(capability: str) -> None:
    """swiftlr follows ATEN_CPU_CAPABILITY as torch does (read once per process)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from scenarios import swiftlr_api; from scenarios.clip import run_clip_case; from swiftlr.nn import utils;"
        "ref = json.load(open(sys.argv[2]));"
        "res = ref['capabilities'][sys.argv[3]];"
        "print(sum(run_clip_case(c, swiftlr_api(), utils) != r for c, r in zip(ref['cases'], res)))"
    )
    here = Path(__file__).parent
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
    args = [str(here), str(here / "reference" / "clip.json"), {"default": "0", "avx2": "1", "avx512": "2"}[capability]]
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "0"


def test_live_against_pytorch(torch: Any) -> None:
    for i in range(60):
        case = random_clip_case(random.Random(f"live-clip-{i}"), big=i % 6 == 0)
        assert run_clip_case(case, swiftlr_api(), utils) == run_clip_case(case, torch_api(), torch.nn.utils), case


def test_live_every_tail_length_as_pytorch(torch: Any) -> None:
    """The 2-norm's rounding depends on where an element falls in torch's
    vectors (a float32 tail's first four squares are not fused): sizes 1-40."""
    for case in tail_clip_cases():
        for seed in range(5):
            case = {**case, "seed": case["seed"] * 100 + seed}
            assert run_clip_case(case, swiftlr_api(), utils) == run_clip_case(case, torch_api(), torch.nn.utils), case


def test_live_one_gradient_twice_as_pytorch(torch: Any) -> None:
    """One array as the gradient of two parameters is scaled twice, as torch's loop does
    (large enough to be split across threads)."""
    g = np.random.default_rng(0).standard_normal(200_003).astype(np.float32)
    ours = [Parameter(np.zeros_like(g)) for _ in range(2)]
    shared = g.copy()
    for p in ours:
        p.grad = shared
    theirs = [torch.nn.Parameter(torch.zeros(g.size, dtype=torch.float32)) for _ in range(2)]
    tshared = torch.from_numpy(g.copy())
    for p in theirs:
        p.grad = tshared
    total = clip_grad_norm_(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.tobytes() == ttotal.numpy().tobytes()
    np.testing.assert_array_equal(shared.view(np.uint32), tshared.numpy().view(np.uint32))


def test_live_torch_tensors_in_torch_tensor_out(torch: Any) -> None:
    g = torch.arange(5, dtype=torch.float32)
    p = torch.nn.Parameter(torch.zeros(5, dtype=torch.float32))
    p.grad = g.clone()
    q = torch.nn.Parameter(torch.zeros(5, dtype=torch.float32))
    q.grad = g.clone()
    total = clip_grad_norm_(p, 1.0)
    assert isinstance(total, torch.Tensor)
    assert total.item() == torch.nn.utils.clip_grad_norm_(q, 1.0).item()
    assert torch.equal(p.grad, q.grad)


# MARK: return values and edge cases


def test_total_dtype_follows_torch() -> None:
    assert clip_grad_norm_([param([3.0, 4.0])], 10.0).dtype == np.float32
    assert clip_grad_norm_([param([3.0, 4.0], np.float64)], 10.0).dtype == np.float64
    mixed = clip_grad_norm_([param([3.0]), param([4.0], np.float64)], 10.0)
    assert mixed.dtype == np.float64 and mixed.shape == () and float(mixed) == 5.0


def test_no_gradients_give_a_float32_zero() -> None:
    for params in ([], [Parameter(np.ones(3))]):
        total = clip_grad_norm_(params, 1.0)
        assert total.dtype == np.float32 and total.shape == () and float(total) == 0.0


def test_an_empty_generator_warns_as_torch() -> None:
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
        clip_grad_norm_((p for p in []), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)


def test_one_parameter_alone_and_a_generator_are_accepted() -> None:
    p = param([3.0, 4.0])
    assert float(clip_grad_norm_(p, 1.0)) == 5.0
    q = param([3.0, 4.0])
    assert float(clip_grad_norm_((x for x in [q]), 1.0)) == 5.0
    np.testing.assert_array_equal(p.grad, q.grad)
    assert float(np.linalg.norm(p.grad)) == pytest.approx(1.0, rel=1e-6)


def test_small_norms_are_left_alone_and_large_ones_scaled() -> None:
    p = param([0.3, 0.4])
    clip_grad_norm_([p], 1.0)
    np.testing.assert_array_equal(p.grad, np.array([0.3, 0.4], dtype=np.float32))
    p = param([30.0, 40.0], np.float64)
    assert float(clip_grad_norm_([p], 1.0, norm_type="inf")) == 40.0
    np.testing.assert_allclose(p.grad, [0.75, 1.0])


def test_a_nonfinite_total_scales_by_nan_or_zero_without_the_error_flag() -> None:
    p = param([1.0, math.nan])
    assert math.isnan(float(clip_grad_norm_([p], 1.0)))
    assert np.isnan(p.grad).all()
    p = param([1.0, math.inf])
    assert float(clip_grad_norm_([p], 1.0)) == math.inf
    np.testing.assert_array_equal(p.grad, [0.0, math.nan])  # 1 * 0 and inf * 0


def test_clip_grad_value_clamps_as_torch() -> None:
    p = param([-2.0, 0.5, 3.0, math.nan, -0.0])
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, np.array([-1.0, 0.5, 1.0, math.nan, -0.0], dtype=np.float32))
    assert np.signbit(p.grad[4])
    p = param([-2.0, 0.5])
    clip_grad_value_(p, -0.25)  # below, then above: every element is clip_value
    np.testing.assert_array_equal(p.grad, [-0.25, -0.25])


# MARK: errors change nothing


def test_error_if_nonfinite_raises_torchs_error_before_any_change() -> None:
    good, bad = param([3.0, 4.0]), param([math.inf])
    with pytest.raises(RuntimeError) as info:
        clip_grad_norm_([good, bad], 1.0, error_if_nonfinite=True)
    assert str(info.value) == (
        "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. "
        "To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
    )
    np.testing.assert_array_equal(good.grad, [3.0, 4.0])


def test_errors_equal_torchs(torch: Any) -> None:
    def both(fn: Any) -> tuple[str, str]:
        out = []
        for lib in (utils, torch.nn.utils):
            make = (lambda a: torch.tensor(a)) if lib is not utils else (lambda a: np.array(a, dtype=np.float32))
            params = []
            for values in ([3.0, 4.0], [], [math.nan]):
                p = (
                    torch.nn.Parameter(torch.zeros(len(values)))
                    if lib is not utils
                    else Parameter(np.zeros(len(values), np.float32))
                )
                p.grad = make(values)
                params.append(p)
            with pytest.raises(Exception) as info:
                fn(lib, params)
            out.append(f"{type(info.value).__name__}: {info.value}")
        return out[0], out[1]

    for order in (math.inf, -math.inf, -1.0, -2.5):
        ours, theirs = both(lambda lib, ps: lib.clip_grad_norm_(ps, 1.0, order))
        assert ours == theirs
    ours, theirs = both(lambda lib, ps: lib.clip_grad_norm_(ps, 1.0, 2.0, error_if_nonfinite=True))
    assert ours == theirs
    ours, theirs = both(lambda lib, ps: lib.clip_grad_norm_(ps, "abc"))
    assert ours == theirs


@pytest.mark.parametrize(
    ("grad", "error"),
    [
        (np.zeros(3, dtype=np.float16), TypeError),
        (np.zeros((4, 4), dtype=np.float32)[:, ::2], ValueError),
        (np.frombuffer(bytes(12), dtype=np.float32), ValueError),
    ],
)
def test_bad_gradients_raise_before_any_change(grad: np.ndarray, error: type) -> None:
    good = param([3.0, 4.0])

    class Holder:
        pass

    holder = Holder()
    holder.grad = grad  # type: ignore[attr-defined]
    for call in (lambda: clip_grad_norm_([good, holder], 1.0), lambda: clip_grad_value_([good, holder], 1.0)):
        with pytest.raises(error):
            call()
        np.testing.assert_array_equal(good.grad, [3.0, 4.0])


def test_a_bad_max_norm_raises_after_the_norm_and_changes_nothing() -> None:
    good = param([3.0, 4.0])
    with pytest.raises(ValueError, match="could not convert string to float"):
        clip_grad_norm_([good], "abc")
    with pytest.raises(RuntimeError, match="non-finite"):  # torch checks the norm first
        clip_grad_norm_([param([math.nan])], "abc", error_if_nonfinite=True)
    with pytest.raises(TypeError):
        clip_grad_norm_([good], 1.0, norm_type=None)  # type: ignore[arg-type]
    np.testing.assert_array_equal(good.grad, [3.0, 4.0])


def test_an_object_without_grad_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        clip_grad_norm_([object()], 1.0)


def test_clip_grad_value_without_gradients_does_nothing() -> None:
    """torch 2.15 fails here on an internal check; swiftlr has nothing to clamp."""
    p = Parameter(np.ones(2))
    assert clip_grad_value_([p], 1.0) is None
    assert clip_grad_value_([], 1.0) is None
    assert p.grad is None
