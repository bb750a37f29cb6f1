"""SGD benchmarks: one large parameter and many small ones, swiftlr against
torch.optim.SGD and a hand-written in-place numpy SGD, with the memory-bandwidth
limit (an in-place axpy over all cores) measured in the same run."""

from __future__ import annotations

from typing import Any

import numpy as np

import swiftlr
from swiftlr import _swiftlr, optim
from timing import best_of_interleaved

LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4
SGD_STREAMS = 5  # read param, grad, buffer; write param, buffer
AXPY_STREAMS = 3  # read a, b; write a


class NumpySGD:
    """SGD with momentum and weight decay in numpy, in place, no temporaries
    but one scratch array per parameter: what a careful numpy user writes."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.params, self.grads = params, grads
        self.buffers = [g + WEIGHT_DECAY * p for p, g in zip(params, grads)]
        self.scratch = [np.empty_like(p) for p in params]

    def step(self) -> None:
        for p, g, b, d in zip(self.params, self.grads, self.buffers, self.scratch):
            np.multiply(p, WEIGHT_DECAY, out=d)
            d += g
            b *= MOMENTUM
            b += d
            p -= LR * b  # LR * b allocates; numpy has no fused axpy


def make_contenders(shapes: list[int], torch: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n).astype(np.float32) for n in shapes]
    grads = [rng.standard_normal(n).astype(np.float32) for n in shapes]
    params = [swiftlr.Parameter(a.copy()) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    ours = optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    ours.step()  # allocate the momentum buffers
    numpy_sgd = NumpySGD([a.copy() for a in arrays], [g.copy() for g in grads])
    out = {"swiftlr": ours.step, "numpy": numpy_sgd.step}
    if torch is not None:
        for foreach in (False, True):
            tparams = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
            for p, g in zip(tparams, grads):
                p.grad = torch.from_numpy(g.copy())
            topt = torch.optim.SGD(tparams, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, foreach=foreach)
            topt.step()
            out[f"torch foreach={foreach}"] = topt.step
    return out


def axpy_contender(elements: int) -> Any:
    """`a += s*b` on all cores over `elements` float32: the bandwidth yardstick."""
    a = np.ones(elements, dtype=np.float32)
    b = np.ones(elements, dtype=np.float32)
    return lambda: _swiftlr.axpy(a, b, 1e-9)


def run(torch: Any, rounds: int, large: int = 10**7, small: tuple[int, int] = (200, 5000)) -> list[dict[str, Any]]:
    """The two SGD figures. The axpy yardstick runs interleaved with the
    large case's contenders, so that it meets the same machine state."""
    rows = []
    limit = None
    cases = ((f"SGD, 1 x {large:.0e} float32", [large]), (f"SGD, {small[0]} x {small[1]} float32", [small[1]] * small[0]))
    for label, shapes in cases:
        contenders = make_contenders(shapes, torch)
        if limit is None:
            contenders["axpy"] = axpy_contender(large)
        times = best_of_interleaved(contenders, rounds)
        if limit is None:
            limit = AXPY_STREAMS * 4 * large / times.pop("axpy")
        elements = sum(shapes)
        rows.append(
            {
                "label": label,
                "times": times,
                "gbps": SGD_STREAMS * 4 * elements / times["swiftlr"] / 1e9,
                "limit_gbps": limit / 1e9,
            }
        )
    return rows
