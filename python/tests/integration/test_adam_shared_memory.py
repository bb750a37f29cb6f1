"""Adam and AdamW parameters whose memory overlaps give torch's result: the
sequential application, parameter by parameter, as torch's fused kernel (and
its single-tensor path) run them. A large step is split across threads;
tensors that share memory are then run one after another.

Three yardsticks: swiftlr itself one parameter at a time (one optimizer per
parameter, so no step ever sees two overlapping tensors: the sequential
semantics, bit for bit whatever the capability); torch's fused AdamW live
where torch is installed; and torch 2.15's committed digests
(``reference/adam_shared.json``, from ``reference/generate_adam_shared.py``).
The programs are ``scenarios.adam_shared``'s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenarios.adam_shared import LAYOUTS, OPTIONS, STEPS, N, digest, inputs, together, torch_result

import swiftlr
from swiftlr import optim


def one_at_a_time(layout: str, dtype: Any, capability: str) -> np.ndarray:
    """torch's order: each view's own AdamW, stepped in turn."""
    start, grads = inputs(layout, dtype)
    params = [swiftlr.Parameter(v) for v in LAYOUTS[layout](start)]
    optimizers = [optim.AdamW([p], torch_capability=capability, **OPTIONS) for p in params]
    for step in range(STEPS):
        for p, g, optimizer in zip(params, grads[step], optimizers):
            p.grad = g
            optimizer.step()
    return start


def assert_same_bits(ours: np.ndarray, theirs: np.ndarray) -> None:
    width = {4: np.uint32, 8: np.uint64}[ours.itemsize]
    mismatched = int(np.sum(ours.view(width) != theirs.view(width)))
    assert mismatched == 0, f"{mismatched} of {ours.size} elements differ from torch's sequential result"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overlapping_parameters_are_updated_in_order(layout: str, dtype: Any) -> None:
    capability = swiftlr._swiftlr.torch_capability()
    assert_same_bits(together(layout, dtype, capability), one_at_a_time(layout, dtype, capability))


REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "adam_shared.json").read_text())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("capability", ["default", "avx2", "avx512"])
def test_matches_pytorch_215s_committed_digests(layout: str, capability: str) -> None:
    assert REFERENCE["torch"].startswith("2.15.")
    for dtype in ("float32", "float64"):
        ours = digest(together(layout, np.dtype(dtype), capability))
        assert ours == REFERENCE["digests"][capability][layout][dtype], f"{dtype} under {capability}"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_live_against_pytorch_fused(torch: Any, layout: str) -> None:
    for dtype in (np.float32, np.float64):
        ours = together(layout, dtype, swiftlr._swiftlr.torch_capability())
        assert_same_bits(ours, torch_result(torch, layout, dtype))


def test_gradient_is_the_data_and_another_parameters_data() -> None:
    """A gradient that is its own parameter's data is read before it is
    written; one that is another parameter's data is read after that
    parameter's update (torch's order)."""
    capability = swiftlr._swiftlr.torch_capability()
    rng = np.random.default_rng(7)
    start = rng.standard_normal((2, N))
    ours, theirs = start.copy(), start.copy()
    p, q = swiftlr.Parameter(ours[0]), swiftlr.Parameter(ours[1])
    p.grad, q.grad = p.data, p.data  # p's own data; q reads p's data after p's update
    optim.AdamW([p, q], torch_capability=capability, **OPTIONS).step()
    a, b = swiftlr.Parameter(theirs[0]), swiftlr.Parameter(theirs[1])
    a.grad = a.data
    optim.AdamW([a], torch_capability=capability, **OPTIONS).step()
    b.grad = a.data.copy()
    optim.AdamW([b], torch_capability=capability, **OPTIONS).step()
    assert_same_bits(ours, theirs)


@pytest.mark.parametrize("size", [100, 200_000])
def test_gradient_overlapping_its_own_data_partially_is_refused(size: int) -> None:
    a = np.arange(size + 1, dtype=np.float64)
    p = swiftlr.Parameter(a[:-1])
    p.grad = a[1:]
    optimizer = optim.Adam([p], lr=0.1)
    with pytest.raises(ValueError, match="gradient of parameter 0 overlaps the parameter's memory"):
        optimizer.step()
    assert np.array_equal(a, np.arange(size + 1, dtype=np.float64))
    assert optimizer.state[p] == {}


@pytest.mark.parametrize("key", ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
def test_a_moment_sharing_memory_within_its_parameter_is_refused(key: str) -> None:
    p, other = swiftlr.Parameter(np.ones(5)), swiftlr.Parameter(np.ones(5))
    p.grad = other.grad = np.ones(5)
    optimizer = optim.Adam([other, p], lr=0.1, amsgrad=True)
    optimizer.step()
    state = optimizer.state[p]
    data, other_data, step = p.data.copy(), other.data.copy(), state["step"].copy()
    # A moment that is the parameter, or exp_avg_sq that is exp_avg (named
    # as the later of the two).
    state[key] = p.data if key != "exp_avg" else state["exp_avg_sq"]
    named = key if key != "exp_avg" else "exp_avg_sq"
    with pytest.raises(ValueError, match=f"{named} of parameter 1 shares memory"):
        optimizer.step()
    assert np.array_equal(p.data, data) and np.array_equal(other.data, other_data)
    assert state["step"] == step and optimizer.state[other]["step"] == step
