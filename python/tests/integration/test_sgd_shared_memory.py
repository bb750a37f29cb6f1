"""Parameters whose memory overlaps give torch's result: the sequential
application, parameter by parameter (issue 20). A large step is split across
threads; tensors that share memory are then run one after another.

The expected values come from numpy applying torch's single-tensor SGD to
each parameter in turn, under ``torch_capability='default'`` (a product and
a sum, each rounded: numpy's own arithmetic), so every bit is checked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim

OPTIONS = {"lr": 0.037, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.013}


def sequential(views: list[np.ndarray], grads: list[Any], buffers: list[Any], steps: int) -> None:
    """torch's `_single_tensor_sgd`, in numpy, one view after another (in place)."""
    lr, mu, damp, wd = (OPTIONS[k] for k in ("lr", "momentum", "dampening", "weight_decay"))
    for step in range(steps):
        for k, (p, g) in enumerate(zip(views, grads)):
            t = p.dtype.type
            g = g(step) if callable(g) else g
            d = g + t(wd) * p
            buffers[k] = d.copy() if buffers[k] is None else t(mu) * buffers[k] + t(1 - damp) * d
            p[...] = p + t(-lr) * buffers[k]


def run(make_views: Any, size: int, steps: int = 8, grad_is_data: bool = False) -> None:
    rng = np.random.default_rng(size)
    grads_by_step = [[rng.standard_normal(v.shape) for v in make_views(np.zeros(size))] for _ in range(steps)]
    start = rng.standard_normal(size)
    ours, theirs = start.copy(), start.copy()
    params = [swiftlr.Parameter(v) for v in make_views(ours)]
    opt = optim.SGD(params, torch_capability="default", **OPTIONS)
    for step in range(steps):
        for p, g in zip(params, grads_by_step[step]):
            p.grad = p.data if grad_is_data else g
        opt.step()
    views = make_views(theirs)
    grads = [(lambda s, v=v: v) if grad_is_data else (lambda s, k=k: grads_by_step[s][k]) for k, v in enumerate(views)]
    sequential(views, grads, [None] * len(views), steps)
    mismatched = int(np.sum(ours.view(np.uint64) != theirs.view(np.uint64)))
    assert mismatched == 0, f"{mismatched} of {size} elements differ from torch's sequential result"


N = 1_000_000  # 8 MB per view: a step split across the threads, sleeping workers woken


def test_the_same_array_twice() -> None:
    run(lambda a: [a, a], N)


def test_an_array_and_its_transpose_tied_embeddings() -> None:
    run(lambda a: [a.reshape(1000, -1), a.reshape(1000, -1).T], N)


def test_overlapping_views() -> None:
    # The second view starts halfway into the first: its thread reaches shared
    # elements before the first's does, unless they run one after another.
    run(lambda a: [a[: 2 * N // 3], a[N // 3 :]], N)


def test_gradient_is_the_data() -> None:
    run(lambda a: [a[: N // 2], a[N // 2 :]], N, grad_is_data=True)


def test_gradient_is_another_parameters_data() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(N), rng.standard_normal(N)
    ea, eb = a.copy(), b.copy()
    p, q = swiftlr.Parameter(a), swiftlr.Parameter(b)
    p.grad, q.grad = rng.standard_normal(N), a  # q's gradient is p's data, read after p's update
    opt = optim.SGD([p, q], lr=0.01, torch_capability="default")
    opt.step()
    ea += -0.01 * p.grad
    eb += -0.01 * ea
    assert np.array_equal(a, ea) and np.array_equal(b, eb)


def test_disjoint_parameters_still_run_in_parallel_and_right() -> None:
    run(lambda a: [a[: N // 2], a[N // 2 :]], N)


@pytest.mark.parametrize("size", [100, 200_000])
def test_gradient_overlapping_its_own_data_partially_is_refused(size: int) -> None:
    """torch refuses an in-place update whose input partly overlaps its output."""
    a = np.arange(size + 1, dtype=np.float64)
    p = swiftlr.Parameter(a[:-1])
    p.grad = a[1:]
    with pytest.raises(ValueError, match="overlaps the parameter's memory"):
        optim.SGD([p], lr=0.1).step()
    assert np.array_equal(a, np.arange(size + 1, dtype=np.float64))


def test_momentum_buffer_sharing_the_parameter_is_refused() -> None:
    p = swiftlr.Parameter(np.ones(5))
    p.grad = np.ones(5)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.state[p]["momentum_buffer"] = p.data
    with pytest.raises(ValueError, match="momentum buffer of parameter 0 shares memory"):
        opt.step()
    assert np.array_equal(p.data, np.ones(5))
