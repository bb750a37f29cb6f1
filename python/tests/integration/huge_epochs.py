"""Epochs near and beyond 2**53, played on PyTorch or swiftlr (issue 19).

PyTorch keeps an int epoch as the Python int it is and computes with it in
Python: ``epoch % T_0`` and ``epoch // step_size`` exactly, ``epoch / T_0``
correctly rounded, ``epoch * x`` after ``float(epoch)``. Each case here
builds one scheduler with a float lr, takes it to such an epoch with
``step(epoch)`` (ints and numpy integers) or by loading a ``last_epoch``,
then steps on, and records everything observable after each call: the lrs'
bits, ``last_epoch`` (value and type), the state dict's entries (value and
type) and exceptions (the first ends the record). ``python/tests/reference/generate_huge_epochs.py``
writes PyTorch 2.15's record to ``reference/huge_epochs.json``;
``test_huge_epochs.py`` compares swiftlr with it and, where torch is
installed, with torch live.
"""

from __future__ import annotations

import warnings
from typing import Any

E53 = 2**53
#: Epochs a double cannot all hold: around 2**53, 2**60, 2**62 and the int64 limit.
EPOCHS = [E53 - 1, E53, E53 + 1, E53 + 3, 3 * E53 + 1, 2**60 + 1, 2**62 + 12345, 2**63 - 3]


def _lambda_factor(epoch: int) -> float:
    """LambdaLR's factor: depends on the exact epoch (``epoch % 7``)."""
    return 0.5 ** (epoch % 7)


#: (scheduler, constructor arguments): every scheduler whose rule reads the epoch.
SCHEDULERS: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", {"step_size": 3, "gamma": 0.9}),
    ("StepLR", {"step_size": 3.0, "gamma": 0.9}),
    ("StepLR", {"step_size": E53 + 1, "gamma": 0.5}),
    ("StepLR", {"step_size": True, "gamma": 0.5}),
    ("StepLR", {"step_size": 3, "gamma": 1.5}),
    ("MultiStepLR", {"milestones": [E53 + 1, E53 + 2, 2**60 + 2], "gamma": 0.5}),
    ("ConstantLR", {"factor": 0.5, "total_iters": E53 + 1}),
    ("LinearLR", {"start_factor": 0.25, "total_iters": E53 + 5}),
    ("ExponentialLR", {"gamma": 0.9999999999}),
    ("ExponentialLR", {"gamma": 1.5}),  # gamma ** epoch overflows: OverflowError
    ("PolynomialLR", {"total_iters": 2**62 + 7, "power": 2.0}),
    ("PolynomialLR", {"total_iters": 3 * E53 + 3, "power": 1.0}),
    ("CosineAnnealingLR", {"T_max": E53 + 3, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 2.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2**61 + 1, "T_mult": 1}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 3}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2**60, "cycle_momentum": False}),
    # 2.0 ** (cycle - 1) overflows: OverflowError
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 1, "mode": "triangular2", "cycle_momentum": False}),
    (
        "CyclicLR",
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 7,
            "mode": "exp_range",
            "gamma": 0.99,
            "cycle_momentum": False,
        },
    ),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 2**63 - 1, "cycle_momentum": False}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 2**62, "three_phase": True, "cycle_momentum": False}),
    ("LambdaLR", {"lr_lambda": "_lambda_factor"}),  # the function, by name (cases are JSON)
    ("ReduceLROnPlateau", {"patience": 2}),
]

#: Programs: ("epoch", e) is ``step(e)``, ("numpy", e) ``step(np.int64(e))``,
#: ("load", e) loads a state dict with ``last_epoch = e``, ("step",) is ``step()``.
PROGRAMS: list[list[tuple[Any, ...]]] = [[("epoch", e), ("step",), ("step",)] for e in EPOCHS] + [
    [("numpy", E53 + 1), ("step",)],
    [("load", E53 + 1), ("step",), ("step",)],
    [("load", 2**62 + 3), ("step",)],
]


def cases() -> list[dict[str, Any]]:
    """Every scheduler with every program, as JSON-able dicts."""
    out = []
    for name, kwargs in SCHEDULERS:
        for program in PROGRAMS:
            if name == "OneCycleLR" and program[0][0] != "step" and program[0][1] > kwargs["total_steps"] - 2:
                continue  # PyTorch's OneCycleLR moves last_epoch past total_steps before raising (README)
            out.append({"scheduler": name, "kwargs": kwargs, "program": program})
    return out


def describe(value: Any) -> Any:
    """A value as a comparable record: floats by their bits, with the type's name."""
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if callable(value) or value is None:
        return None
    return [type(value).__name__, str(value)]


def _observe(sched: Any, opt: Any) -> dict[str, Any]:
    state = {k: v for k, v in sched.state_dict().items() if not callable(v)}
    state.pop("_last_lr", None)  # the lrs are recorded by bits below
    return {
        "lrs": describe([float(g["lr"]) for g in opt.param_groups]),
        "last_epoch": describe(sched.last_epoch),
        "state": describe({k: v for k, v in state.items() if k not in ("optimizer", "_get_lr_called_within_step")}),
    }


def play(case: dict[str, Any], lr_scheduler: Any, make_optimizer: Any, int64: Any) -> list[Any]:
    """Runs one case: after each call, its observables or the exception raised.

    ``int64`` makes the epoch of a ("numpy", e) call: ``np.int64`` for
    swiftlr, ``int`` for PyTorch, since swiftlr takes a numpy integer epoch as
    the Python int (README, differences: PyTorch then computes in numpy scalars
    and keeps the numpy type, and its ``math.floor`` in
    ``CosineAnnealingWarmRestarts`` rounds ``np.int64(2**53 + 1)`` to 2**53).
    """
    import copy

    opt = make_optimizer()
    kwargs = dict(case["kwargs"])
    name = case["scheduler"]
    if name == "LambdaLR":
        kwargs["lr_lambda"] = _lambda_factor
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    metric = name == "ReduceLROnPlateau"
    record: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op in case["program"]:
            try:
                if op[0] == "step":
                    sched.step(1.0) if metric else sched.step()
                elif op[0] == "load":
                    state = copy.copy(sched.state_dict())
                    state["last_epoch"] = op[1]
                    sched.load_state_dict(state)
                else:
                    epoch = op[1] if op[0] == "epoch" else int64(op[1])
                    sched.step(1.0, epoch) if metric else sched.step(epoch)
                record.append(_observe(sched, opt))
            except Exception as error:  # noqa: BLE001 - the exception is the observable
                record.append({"raised": type(error).__name__, "message": str(error)})
                break  # PyTorch's failed step has moved last_epoch, swiftlr's changed nothing (README)
    return record
