"""SGD benchmarks over the size table of issue 14: swiftlr against the best of
torch.optim.SGD's three CPU paths (foreach=False, foreach=True, fused=True),
in float32 and float64, with the memory-bandwidth yardstick (an in-place axpy
over all cores) run interleaved in the same rounds."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

import goals
import numpy as np
from timing import interleaved_samples, paired_ratio

import swiftlr
from swiftlr import _swiftlr, optim

LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 1e-4
SGD_STREAMS = 5  # read param, grad, buffer; write param, buffer
AXPY_STREAMS = 3  # read a, b; write a

# (tensor count, elements per tensor)
SIZES = [(1, 10**3), (1, 10**5), (1, 10**6), (1, 10**7), (1, 5 * 10**7), (10, 10**5), (200, 5000), (2000, 100)]
QUICK_SIZES = [(1, 10**3), (1, 10**5), (1, 10**6), (10, 10**5), (200, 5000), (2000, 100)]
TORCH_PATHS = {"loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def _repeat(elements: int) -> int:
    """Calls per timed sample: enough that a sample lasts about a millisecond."""
    return max(1, min(200, 2 * 10**6 // max(1, elements)))


def make_contenders(count: int, size: int, dtype: Any, torch: Any) -> dict[str, Any]:
    """swiftlr's SGD and torch's three paths, all stepping the same arrays.

    torch's parameters, gradients and momentum buffers are views of swiftlr's
    numpy arrays, so every contender reads and writes the same memory: the
    same pages (whose speed differs by allocation on a virtual machine: the
    same 1e7 float64 step took 3.6 ms in one process and 5.7 ms in another)
    and the same cache lines (each sample's untimed first call finds the
    data where the previous contender left it and brings it back). The
    values drift as four optimizers update them in turn; they stay finite."""
    rng = np.random.default_rng(0)
    params = [swiftlr.Parameter(rng.standard_normal(size).astype(dtype)) for _ in range(count)]
    for p in params:
        p.grad = rng.standard_normal(size).astype(dtype)
    ours = optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    ours.step()  # allocate the momentum buffers
    out = {"swiftlr": ours.step}
    if count * size >= goals.MEMORY_BOUND:
        # The same step again, on the same arrays: how far two identical
        # contenders land apart tells the row's resolution (an A/A test).
        control = optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
        control.step()
        for p in params:
            control.state[p]["momentum_buffer"] = ours.state[p]["momentum_buffer"]
        out["swiftlr again"] = control.step
    if torch is not None:
        for name, kwargs in TORCH_PATHS.items():
            tparams = [torch.nn.Parameter(torch.from_numpy(p.data)) for p in params]
            for tp, p in zip(tparams, params):
                tp.grad = torch.from_numpy(p.grad)
            topt = torch.optim.SGD(tparams, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, **kwargs)
            topt.step()  # allocate torch's buffers, then swap in views of swiftlr's
            for tp, p in zip(tparams, params):
                topt.state[tp]["momentum_buffer"] = torch.from_numpy(ours.state[p]["momentum_buffer"])
            out[f"torch {name}"] = topt.step
    return out


def axpy_contender(elements: int, dtype: Any) -> Any:
    """`a += s*b` on all cores over `elements`: the bandwidth yardstick."""
    a = np.ones(elements, dtype=dtype)
    b = np.ones(elements, dtype=dtype)
    return lambda: _swiftlr.axpy(a, b, 1e-9)


def run(
    torch: Any,
    rounds: int,
    sizes: list[tuple[int, int]] = SIZES,
    make: Callable[[int, int, Any, Any], dict[str, Any]] = make_contenders,
    streams: int = SGD_STREAMS,
) -> list[dict[str, Any]]:
    """One row per (size, dtype) (`_row`): each contender's time and ratio
    against swiftlr, which torch path won, and the bandwidth of swiftlr
    (moving `streams` arrays) and of the axpy over the same elements. `make` builds the contenders of one row (another
    optimizer's: `adam_bench`); a contender named "numpy" is kept in the row."""
    rows = []
    for dtype in (np.float32, np.float64):
        for count, size in sizes:
            elements = count * size
            contenders = make(count, size, dtype, torch)
            contenders["axpy"] = axpy_contender(elements, dtype)
            if elements <= 10**3:
                # A small step in numpy in-place ufunc calls on the same array;
                # and the fixed cost of a step, the same over goals.FIXED_COST_ELEMENTS,
                # where the per-element work (float64 Adam's two IEEE divisions
                # and square root, which torch's bits need) is negligible.
                a, b = np.ones(elements, dtype), np.ones(elements, dtype)
                contenders["ufunc"] = lambda a=a, b=b: np.add(a, b, out=a)
                contenders["fixed"] = make(1, goals.FIXED_COST_ELEMENTS, dtype, None)["swiftlr"]
                c, d = np.ones(goals.FIXED_COST_ELEMENTS, dtype), np.ones(goals.FIXED_COST_ELEMENTS, dtype)
                contenders["fixed ufunc"] = lambda c=c, d=d: np.add(c, d, out=c)
            samples = interleaved_samples(contenders, rounds, repeat=_repeat(elements))
            contenders.clear()
            gc.collect()
            rows.append(_row(count, size, dtype, samples, streams))
            print(f"  measured {rows[-1]['label']}", file=sys.stderr, flush=True)  # progress: a table takes minutes
    return rows


def _row(count: int, size: int, dtype: Any, samples: dict[str, list[float]], streams: int) -> dict[str, Any]:
    """One row's figures from its contenders' rounds.

    `times` are best rounds. The ratios against swiftlr (`ratios`, and
    `vs_torch` against the fastest torch path), the bandwidth `share` of the
    axpy's and the A/A figure are ratios of best rounds, except at
    memory-bound sizes: there each is `paired_ratio`, the median of the
    rounds' own ratios, since the host's bandwidth drifts between rounds."""
    elements = count * size
    itemsize = np.dtype(dtype).itemsize
    times = {name: min(rounds) for name, rounds in samples.items()}
    paired = elements >= goals.MEMORY_BOUND

    def vs_swiftlr(name: str) -> float:
        return paired_ratio(samples, name, "swiftlr") if paired else times[name] / times["swiftlr"]

    yardsticks = ("swiftlr", "swiftlr again", "axpy", "ufunc", "fixed", "fixed ufunc")
    ratios = {name: vs_swiftlr(name) for name in times if name not in yardsticks}
    torch_paths = [name for name in ratios if name.startswith("torch")]
    best_torch = min(torch_paths, key=ratios.__getitem__) if torch_paths else None
    fixed, fixed_ufunc = times.get("fixed"), times.get("fixed ufunc")
    return {
        "label": f"{count} x {size:.0e} {np.dtype(dtype).name}",
        "elements": elements,
        "paired": paired,
        "times": {name: times[name] for name in ("swiftlr", *ratios)},
        "ratios": ratios,
        "best_torch": best_torch,
        "vs_torch": ratios[best_torch] if best_torch else None,
        "gbps": streams * itemsize * elements / times["swiftlr"] / 1e9,
        "axpy_gbps": AXPY_STREAMS * itemsize * elements / times["axpy"] / 1e9,
        "share": streams / AXPY_STREAMS * vs_swiftlr("axpy"),
        "ufunc_calls": times["swiftlr"] / times["ufunc"] if "ufunc" in times else None,
        "fixed_calls": fixed / fixed_ufunc if fixed and fixed_ufunc else None,
        "a_a": vs_swiftlr("swiftlr again") if "swiftlr again" in times else None,
    }
