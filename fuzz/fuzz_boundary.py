"""Coverage-guided fuzzer over swiftlr's native boundary (issue 10).

atheris (libFuzzer for Python) turns each input into a short program against
swiftlr: a scheduler built from fuzzed arguments over an optimizer with fuzzed
param groups, then a fuzzed sequence of steps, explicit epochs, field writes,
``state_dict`` round trips, loads of fuzzed state dicts and group changes; SGD
steps with fuzzed arrays and hyperparameters; and the compiled module's entry
points (``schedule_values``, ``sgd_step``, ``sgd_number``, ``axpy``) called
directly. Run under the AddressSanitizer build (``.ci/fuzz``), so any crash,
invalid access or ``SystemError`` is a finding; the exceptions PyTorch raises
for bad input (``EXPECTED``) are not.

Usage: ``python fuzz/fuzz_boundary.py [libFuzzer flags] [corpus dirs]``.
Hostile group values also change the param-group list in the middle of a
call (issue 10 item 1); ``SWIFTLR_FUZZ_REENTRANT=0`` leaves them out. The
input in corpus/issue10-item1-groups-cleared-mid-step read freed memory
before the param-group module.
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import atheris
import numpy as np

with atheris.instrument_imports():  # coverage of swiftlr's Python layer
    import swiftlr
    from swiftlr import _swiftlr, optim
    from swiftlr.optim import lr_scheduler as L
    from swiftlr.optim.swa_utils import SWALR


#: What bad input may raise: PyTorch's exception types, and the fuzzer's own.
class Refused(Exception):
    """Raised by a hostile group value: the call must fail cleanly."""


EXPECTED = (
    ValueError,
    TypeError,
    OverflowError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    RuntimeError,
    MemoryError,
    RecursionError,
    Refused,
)
REENTRANT = os.environ.get("SWIFTLR_FUZZ_REENTRANT", "1") == "1"
#: Sizes stay small: the fuzzer looks for wrong handling, not for slow paths.
MAX_GROUPS, MAX_LEN, MAX_OPS = 5, 12, 24


class Input:
    """Draws typed values from the fuzzer's bytes; runs dry as zeros."""

    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)

    def int(self, low: int, high: int) -> int:
        return self.fdp.ConsumeIntInRange(low, high)

    def pick(self, options: list[Any]) -> Any:
        return options[self.int(0, len(options) - 1)]

    def bool(self) -> bool:
        return self.fdp.ConsumeBool()

    def integer(self) -> int:
        return self.pick(
            [
                0,
                1,
                -1,
                2,
                3,
                7,
                10,
                100,
                2**31,
                2**53 + 1,
                2**62,
                2**63 - 1,
                -(2**63),
                2**63,
                -(2**64),
                2**200,
                self.fdp.ConsumeIntInRange(-50, 50),
                self.fdp.ConsumeInt(8),
            ]
        )

    def real(self) -> float:
        return self.pick(
            [
                0.0,
                -0.0,
                0.1,
                0.5,
                0.9,
                1.0,
                1.5,
                -1.0,
                1e-300,
                5e-324,
                1e308,
                math.inf,
                -math.inf,
                math.nan,
                self.fdp.ConsumeRegularFloat(),
                self.fdp.ConsumeProbability(),
            ]
        )

    def number(self) -> Any:
        kind = self.int(0, 9)
        if kind == 0:
            return self.integer()
        if kind == 1:
            return np.float32(self.real())
        if kind == 2:
            return Fraction(self.int(-5, 5), self.int(1, 7))
        if kind == 3:
            return np.int64(self.int(-3, 100))
        if kind == 4:
            return True
        return self.real()

    def value(self, depth: int = 0) -> Any:
        """Anything a user or a checkpoint might pass."""
        kind = self.int(0, 11)
        if kind <= 4:
            return self.number()
        if kind == 5:
            return None
        if kind == 6:
            return self.pick(["", "x", "min", "max", "cos", "linear", "rel", "abs", "triangular", "3", "cosine"])
        if kind == 7 and depth < 2:
            return [self.value(depth + 1) for _ in range(self.int(0, MAX_LEN))]
        if kind == 8 and depth < 2:
            return Counter({self.integer(): self.integer() for _ in range(self.int(0, 4))})
        if kind == 9:
            return [self.int(-3, 30) for _ in range(self.int(0, MAX_LEN))]
        if kind == 10:
            return Hostile(self)
        return self.real()

    def array(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        count = int(np.prod(shape))
        values = [self.real() for _ in range(min(count, 8))]
        out = np.resize(np.array(values or [0.0], dtype=dtype), count).reshape(shape)
        return out if self.bool() else np.asfortranarray(out)


class Hostile:
    """A number whose ``__float__`` / ``__index__`` raises, or (with
    REENTRANT) changes the optimizer the scheduler is stepping."""

    optimizer: Any = None

    def __init__(self, source: Input) -> None:
        self.mode = source.int(0, 3 if REENTRANT else 1)
        self.value = source.real()

    def _act(self) -> float:
        if self.mode == 0:
            raise Refused("hostile value")
        if self.mode == 2 and Hostile.optimizer is not None:
            del Hostile.optimizer.param_groups[:]
        if self.mode == 3 and Hostile.optimizer is not None:
            Hostile.optimizer.param_groups.append({"lr": 0.1})
        return self.value

    def __float__(self) -> float:
        return self._act()

    def __index__(self) -> int:
        self._act()
        return 3


class Groups:
    """An optimizer-like object with fuzzed group values."""

    def __init__(self, source: Input, n: int) -> None:
        self.param_groups = [{"lr": source.number(), "momentum": 0.9, "betas": (0.9, 0.999)} for _ in range(n)]
        self.defaults = {"momentum": 0.9}

    def step(self) -> None:
        pass


def optimizer(source: Input) -> Any:
    n = source.int(1, MAX_GROUPS)
    if source.bool():
        return Groups(source, n)
    params = [swiftlr.Parameter(np.zeros(source.int(0, 6))) for _ in range(n)]
    return optim.SGD([{"params": [p], "lr": abs(source.real()) % 10} for p in params], lr=0.1, momentum=0.9)


def scheduler(source: Input, opt: Any) -> Any:
    v = source.value
    kind = source.int(0, 19)
    builders: list[Callable[[], Any]] = [
        lambda: L.StepLR(opt, v(), v()),
        lambda: L.MultiStepLR(opt, v(), v()),
        lambda: L.ConstantLR(opt, v(), v()),
        lambda: L.LinearLR(opt, v(), v(), v()),
        lambda: L.ExponentialLR(opt, v()),
        lambda: L.PolynomialLR(opt, v(), v()),
        lambda: L.CosineAnnealingLR(opt, v(), v()),
        lambda: L.LambdaLR(opt, lambda e: v()),
        lambda: L.MultiplicativeLR(opt, lambda e: v()),
        lambda: L.ReduceLROnPlateau(opt, v(), v(), v(), v()),
        lambda: L.CyclicLR(opt, v(), v(), v(), v(), source.pick(["triangular", "triangular2", "exp_range"])),
        lambda: L.OneCycleLR(opt, v(), v(), pct_start=v(), anneal_strategy=v(), three_phase=source.bool()),
        lambda: L.CosineAnnealingWarmRestarts(opt, v(), v(), v()),
        lambda: SWALR(opt, v(), v(), v()),
        lambda: L.WarmupCosineLR(opt, v(), v(), v()),
        lambda: L.InverseSqrtLR(opt, v(), v()),
        lambda: L.WarmupStableDecayLR(opt, v(), v(), v()),
        lambda: L.PiecewiseLinearLR(opt, v(), v()),
        lambda: L.SequentialLR(opt, [L.ConstantLR(opt, 0.5, 3), L.ExponentialLR(opt, 0.9)], v()),
        lambda: L.ChainedScheduler([L.StepLR(opt, 2), L.ExponentialLR(opt, 0.9)]),
    ]
    # A second draw of sane arguments, so most programs get past the constructor.
    sane = [
        lambda: L.StepLR(opt, 3),
        lambda: L.MultiStepLR(opt, [2, 4, 4]),
        lambda: L.OneCycleLR(opt, 0.1, total_steps=30),
        lambda: L.CyclicLR(opt, 0.01, 0.1, step_size_up=3),
        lambda: L.ReduceLROnPlateau(opt, patience=1),
        lambda: L.CosineAnnealingWarmRestarts(opt, 3, 2),
    ]
    try:
        return builders[kind]()
    except EXPECTED:
        return source.pick(sane)()


def step(source: Input, sched: Any) -> None:
    if isinstance(sched, L.ReduceLROnPlateau):
        sched.step(source.value())
    elif source.int(0, 3) == 0:
        sched.step(source.value())
    else:
        sched.step()


def operate(source: Input, sched: Any, opt: Any) -> None:
    """One fuzzed operation on a scheduler and its optimizer."""
    op = source.int(0, 11)
    groups = opt.param_groups
    if op <= 3:
        step(source, sched)
    elif op == 4:
        sched.get_last_lr()
        sched.state_dict()
    elif op == 5:
        state = pickle.loads(pickle.dumps(sched.state_dict()))
        sched.load_state_dict(state)
    elif op == 6 and isinstance(sched, L.SwiftScheduler):
        state = dict(sched.state_dict())
        if state:
            key = source.pick(sorted(state))
            state[key] = source.value()
        sched.load_state_dict(state)
    elif op == 7 and isinstance(sched, L.SwiftScheduler):
        # Fields the core holds. (Ops 6 and 7 skip the composites: like
        # PyTorch's, they take any value as an attribute and fail in Python.)
        names = [n for n in sched._state_fields if isinstance(n, str)] + ["last_epoch", "base_lrs"]
        setattr(sched, source.pick(names), source.value())
    elif op == 8 and groups:
        group = groups[source.int(0, len(groups) - 1)]
        group[source.pick(["lr", "momentum", "betas", "max_lr", "initial_lr", "base_momentum"])] = source.value()
    elif op == 9 and groups:
        source.pick([lambda: groups.pop(), lambda: groups.append(dict(groups[0])), lambda: groups.reverse()])()
    elif op == 10:
        preview = getattr(sched, "preview", None)
        if preview is not None and not isinstance(sched, L.ReduceLROnPlateau):
            preview(source.int(0, 20))
    else:
        copy.deepcopy(sched).step()


def fuzz_schedulers(source: Input) -> None:
    opt = optimizer(source)
    Hostile.optimizer = opt
    try:
        sched = scheduler(source, opt)
    except EXPECTED:
        return
    for _ in range(source.int(0, MAX_OPS)):
        try:
            operate(source, sched, opt)
        except EXPECTED:
            pass


def fuzz_sgd(source: Input) -> None:
    dtype = source.pick([np.float32, np.float64])
    params = []
    for _ in range(source.int(1, 3)):
        shape = tuple(source.int(0, 4) for _ in range(source.int(0, 3)))
        p = swiftlr.Parameter(source.array(shape, dtype))
        p.grad = source.array(shape, dtype) if source.int(0, 4) else None
        params.append(p)
    try:
        opt = optim.SGD(
            params,
            lr=source.value(),
            momentum=source.value(),
            dampening=source.value(),
            weight_decay=source.value(),
            nesterov=source.bool(),
            maximize=source.bool(),
        )
    except EXPECTED:
        opt = optim.SGD(params, lr=0.1, momentum=0.9)
    for _ in range(source.int(0, 8)):
        op = source.int(0, 5)
        try:
            if op <= 2:
                opt.step()
            elif op == 3:
                opt.param_groups[0][
                    source.pick(["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"])
                ] = source.value()
            elif op == 4:
                p = source.pick(params)
                p._grad = source.pick(
                    [
                        source.array(p.data.shape, dtype),
                        np.zeros(7),
                        None,
                        source.array(p.data.shape, np.float32 if dtype is np.float64 else np.float64),
                    ]
                )
            else:
                opt.load_state_dict(pickle.loads(pickle.dumps(opt.state_dict())))
        except EXPECTED:
            pass


def fuzz_module(source: Input) -> None:
    """The compiled module's entry points, called directly with fuzzed arguments."""
    op = source.int(0, 3)
    if op == 0:
        config = {
            source.pick(
                [
                    "base_lrs",
                    "last_epoch",
                    "step_size",
                    "gamma",
                    "milestones",
                    "T_max",
                    "total_steps",
                    "max_lr",
                    "milestone_counts",
                    "eta_min",
                ]
            ): source.value()
            for _ in range(source.int(0, 5))
        }
        config.setdefault("base_lrs", [0.1])
        steps = np.array([source.integer() % 2**62 for _ in range(source.int(0, MAX_LEN))], dtype=np.int64)
        kind = source.pick(["StepLR", "MultiStepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR", "Nope", ""])
        _swiftlr.schedule_values(kind, config, steps, source.pick([None, [source.real()], []]))
    elif op == 1:
        _swiftlr.sgd_number(source.value(), "lr")
    elif op == 2:
        a = source.array((source.int(0, 9),), source.pick([np.float32, np.float64]))
        b = source.array(a.shape if source.int(0, 3) else (source.int(0, 9),), source.pick([np.float32, np.float64]))
        _swiftlr.axpy(a, b, source.value())
    else:
        p = swiftlr.Parameter(np.zeros(source.int(0, 5)))
        p.grad = np.ones_like(p.data)
        group = {
            "params": [p],
            "lr": source.value(),
            "momentum": source.value(),
            "dampening": 0.0,
            "weight_decay": 0.0,
            "nesterov": False,
            "maximize": False,
        }
        _swiftlr.sgd_step([group], {}, np.zeros_like, lambda d, g: g, True)


def test_one_input(data: bytes) -> None:
    source = Input(data)
    target = source.int(0, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if target <= 2:
                fuzz_schedulers(source)
            elif target <= 4:
                fuzz_sgd(source)
            else:
                fuzz_module(source)
        except EXPECTED:
            pass
        finally:
            Hostile.optimizer = None


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
