"""The differential oracle (issue 19): torch and swiftlr driven by the same
random program, every observable compared bit for bit after every rule.

``OracleMachine`` is a hypothesis ``RuleBasedStateMachine``. Each program
builds a twin pair: a torch optimizer and scheduler, and a swiftlr scheduler
of the same class with the same arguments over either swiftlr's SGD (same
data as torch's SGD, copied) or a second torch optimizer (SGD with momentum,
SGD with a tensor lr of any float dtype, or Adam, whose ``betas`` cycle). Then
it interleaves ``optimizer.step()``, ``step()``, ``step(metrics)``,
``step(epoch)``, lrs written by hand, ``add_param_group``, ``state_dict()`` /
``load_state_dict()`` within and across the libraries, ``deepcopy`` and
``pickle`` of the scheduler with its optimizer. After every rule:

* every group's ``lr``, ``initial_lr``, ``momentum`` and ``betas`` (bits,
  float or tensor and its dtype), ``get_last_lr()``, ``last_epoch``,
  ``_step_count`` and ``state_dict()`` contents;
* the parameters and momentum buffers (bits; see ``SGD_BITS``);
* the warnings each call gave and the type and message of what it raised.

swiftlr's warmup schedulers, which torch lacks, run against their references:
``InverseSqrtLR`` and ``WarmupStableDecayLR`` (no ``min_lr_ratio``) against
transformers' lambdas through torch's ``LambdaLR``; there only the lrs,
``last_epoch`` and ``_step_count`` are compared.

Used by ``test_oracle.py`` (bounded, in CI against torch 2.13) and by
``scripts/oracle.py`` (thousands of programs against torch 2.15).
"""

from __future__ import annotations

import copy
import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import swiftlr
from swiftlr import optim as S

from .oracle_programs import REFERENCES, build, scheduler_specs

T = torch.optim.lr_scheduler

#: Whether swiftlr's SGD parameters are compared bit for bit: swiftlr rounds
#: as torch's default CPU path does on the capability torch picks (fused
#: multiply-adds on AVX2/AVX-512, none under ``ATEN_CPU_CAPABILITY=default``);
#: ``SWIFTLR_ORACLE_SGD_BITS=0`` compares schedules only.
SGD_BITS = os.environ.get("SWIFTLR_ORACLE_SGD_BITS") != "0"

LR_DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)


# MARK: observables


def bits(value: Any) -> Any:
    """``value`` as a comparable structure in which floats are their bits
    and tensors their dtype and bits."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).replace("torch.", ""), bits(value.detach().double().tolist()))
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, np.floating):
        return ("float", float(value).hex())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [bits(v) for v in value])
    if isinstance(value, dict):
        return ("dict", sorted((str(k), bits(v)) for k, v in value.items()))
    if callable(value):
        return ("callable", type(value).__name__)
    return ("other", type(value).__name__, repr(value))


def outcome(call: Callable[[], Any]) -> tuple[Any, Any, list[tuple[str, str]]]:
    """What a call gave: its result, its exception (type and message) and its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = call(), None
        except Exception as e:  # noqa: BLE001 - compared with the other library's
            result, error = None, (type(e).__name__, str(e))
    return result, error, [(type(w.message).__name__, str(w.message)) for w in caught]


GROUP_KEYS = ("lr", "initial_lr", "momentum", "betas", "swa_lr", "max_lr", "min_lr", "base_lr", "max_momentum")


class Twin:
    """One side of the pair: its parameters, optimizer and scheduler."""

    def __init__(self, name: str, params: list[Any], opt: Any) -> None:
        self.name, self.params, self.opt, self.sched = name, params, opt, None

    def groups(self) -> Any:
        return [bits({k: g[k] for k in GROUP_KEYS if k in g}) for g in self.opt.param_groups]

    def arrays(self) -> Any:
        def as_numpy(x: Any) -> np.ndarray:
            return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)

        data = [as_numpy(p if isinstance(p, torch.Tensor) else p.data) for p in self.params]
        buffers = []
        for p in self.params:
            buffer = self.opt.state.get(p, {}).get("momentum_buffer") if hasattr(self.opt, "state") else None
            buffers.append(None if buffer is None else as_numpy(buffer))
        return bits(data), bits(buffers)


def snapshot(side: Twin) -> Any:
    """Everything a failed call must leave as it was."""
    if side.sched is None:
        return None
    return side.groups(), bits(side.sched.get_last_lr()), sched_state(side.sched), side.arrays()


def sched_state(sched: Any) -> Any:
    return bits(sched.state_dict())


# MARK: the machine


class OracleMachine(RuleBasedStateMachine):
    """torch (``self.t``) and swiftlr (``self.s``) running one random program."""

    def __init__(self) -> None:
        super().__init__()
        self.alive = False
        self.reference = False
        self.log: list[str] = []

    # The same call on both sides: results, errors and warnings must agree.
    def both(self, what: str, call: Callable[[Twin], Any]) -> tuple[Any, Any]:
        self.log.append(what)
        before = (snapshot(self.t), snapshot(self.s))
        t = outcome(lambda: call(self.t))
        s = outcome(lambda: call(self.s))
        assert t[1] == s[1], f"{what}: torch raised {t[1]}, swiftlr {s[1]}, in:\n  {self.program()}"
        assert t[2] == s[2], f"{what}: torch warned {t[2]}, swiftlr {s[2]}, in:\n  {self.program()}"
        if s[1] is not None and self.alive:
            assert snapshot(self.s) == before[1], f"{what} raised and changed swiftlr's state, in:\n  {self.program()}"
            if snapshot(self.t) != before[0]:
                # README: where PyTorch's failed call changes state (OneCycleLR
                # past total_steps, ...), swiftlr's changes nothing; the pair
                # has parted, by a documented difference.
                self.alive = False
        return t[0], s[0]

    def program(self) -> str:
        return "\n  ".join(self.log)

    @initialize(
        data=st.data(),
        groups=st.integers(min_value=1, max_value=3),
        kind=st.sampled_from(["swiftlr-sgd", "torch-sgd", "torch-sgd-tensor-lr", "torch-adam"]),
        dtype=st.sampled_from(["float64", "float32"]),
        size=st.integers(min_value=1, max_value=70),
    )
    def build(self, data: st.DataObject, groups: int, kind: str, dtype: str, size: int) -> None:
        self.kind, self.dtype, self.size = kind, dtype, size
        self.rng = np.random.default_rng(data.draw(st.integers(min_value=0, max_value=2**32 - 1), label="seed"))
        lrs = data.draw(st.lists(st.floats(min_value=1e-3, max_value=1.0), min_size=groups, max_size=groups), "lrs")
        momentum = data.draw(st.sampled_from([0.0, 0.5, 0.9]), "momentum")
        lr_dtype = data.draw(st.sampled_from(LR_DTYPES), "lr dtype") if kind == "torch-sgd-tensor-lr" else None
        options = {
            "momentum": momentum,
            "dampening": data.draw(st.sampled_from([0.0, 0.1]), "dampening") if momentum else 0.0,
            "weight_decay": data.draw(st.sampled_from([0.0, 1e-2]), "weight decay"),
            "maximize": data.draw(st.booleans(), "maximize"),
        }
        name, arguments = data.draw(scheduler_specs(groups), "scheduler")
        if name in ("CyclicLR", "OneCycleLR") and arguments.get("cycle_momentum") and momentum == 0.0:
            options["momentum"], options["dampening"] = 0.9, 0.0  # cycling needs a momentum to cycle
        self.name, self.reference = name, name in REFERENCES
        if self.reference and lr_dtype is not None:
            # A LambdaLR rounds its factor to a tensor lr's dtype before the
            # product; swiftlr's warmup schedulers round base * factor once
            # (README's differences): compared over float64 tensor lrs only.
            lr_dtype = torch.float64
        self.t = self.make_twin("torch", lrs, options, lr_dtype)
        self.s = self.make_twin("swiftlr", lrs, options, lr_dtype)
        self.log = [f"{kind} {dtype}x{size} lrs={lrs} {options} lr dtype {lr_dtype}: {name}({arguments})"]
        t, s = self.both("construct", lambda side: setattr(side, "sched", build(side.name, name, side.opt, arguments)))
        self.alive = self.t.sched is not None

    def make_twin(self, side: str, lrs: list[float], options: dict[str, Any], lr_dtype: Any) -> Twin:
        rng = np.random.default_rng(12345)  # the same data on both sides
        arrays = [rng.standard_normal(self.size).astype(self.dtype) for _ in lrs]
        if side == "swiftlr" and self.kind == "swiftlr-sgd":
            params: list[Any] = [swiftlr.Parameter(a) for a in arrays]
            opt: Any = S.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0], **options)
        else:
            params = [torch.nn.Parameter(torch.from_numpy(a)) for a in arrays]
            if self.kind == "torch-adam":
                opt = torch.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])
            else:
                lr_of: Callable[[float], Any] = (
                    (lambda lr: torch.tensor(lr, dtype=lr_dtype)) if lr_dtype is not None else (lambda lr: lr)
                )
                groups = [{"params": [p], "lr": lr_of(lr)} for p, lr in zip(params, lrs)]
                opt = torch.optim.SGD(groups, lr=lr_of(lrs[0]), **options)
        return Twin(side, params, opt)

    # MARK: rules

    @precondition(lambda self: not self.alive)
    @rule()
    def finished(self) -> None:
        """A program whose pair both refused to build, or that reached a
        documented difference, has nothing left to compare."""

    @precondition(lambda self: self.alive)
    @rule()
    def optimizer_step(self) -> None:
        grads = [self.rng.standard_normal(self.size).astype(self.dtype) for _ in self.t.params]

        def step(side: Twin) -> None:
            for p, g in zip(side.params, grads):
                p.grad = torch.from_numpy(g.copy()) if isinstance(p, torch.Tensor) else g.copy()
            side.opt.step()

        self.both("optimizer.step()", step)

    @precondition(lambda self: self.alive)
    @rule(metric=st.floats(min_value=-2, max_value=2) | st.sampled_from([0.5, 1.0]))
    def scheduler_step(self, metric: float) -> None:
        if self.name == "ReduceLROnPlateau":
            self.both(f"step({metric!r})", lambda side: side.sched.step(metric))
        else:
            self.both("step()", lambda side: side.sched.step())

    @precondition(
        lambda self: self.alive and self.name not in ("ReduceLROnPlateau", "SequentialLR", "ChainedScheduler")
    )
    @rule(
        epoch=st.integers(min_value=0, max_value=30),
        form=st.sampled_from(["int", "numpy", "fraction"]),
    )
    def scheduler_step_epoch(self, epoch: int, form: str) -> None:
        # Deprecated; the closed forms (where a scheduler has one) run.
        value: Any = epoch
        if form == "numpy" and self.name == "CosineAnnealingWarmRestarts":
            # Elsewhere PyTorch's closed forms then compute in numpy (README's differences).
            value = np.int64(epoch)
        elif form == "fraction" and self.name == "CosineAnnealingWarmRestarts":
            value = epoch + 0.25
        self.both(f"step({value!r})", lambda side: side.sched.step(value))

    @precondition(lambda self: self.alive)
    @rule(data=st.data(), lr=st.floats(min_value=1e-3, max_value=1.0))
    def write_lr(self, data: st.DataObject, lr: float) -> None:
        group = data.draw(st.integers(min_value=0, max_value=len(self.t.opt.param_groups) - 1))

        def write(side: Twin) -> None:
            g = side.opt.param_groups[group]
            if isinstance(g["lr"], torch.Tensor):
                g["lr"].fill_(lr)
            else:
                g["lr"] = lr

        self.both(f"param_groups[{group}]['lr'] = {lr!r}", write)

    @precondition(lambda self: self.alive and not self.reference)
    @rule()
    def state_dict_round_trip(self) -> None:
        self.both("load_state_dict(state_dict())", lambda side: side.sched.load_state_dict(side.sched.state_dict()))

    @precondition(lambda self: self.alive and not self.reference)
    @rule()
    def state_dict_across(self) -> None:
        t_state = pickle.loads(pickle.dumps(self.t.sched.state_dict()))
        s_state = pickle.loads(pickle.dumps(self.s.sched.state_dict()))
        self.log.append("load_state_dict of the other library's state_dict()")
        # Each scheduler loads the other's state: the states are equal, so nothing may change.
        before = (sched_state(self.t.sched), sched_state(self.s.sched))
        self.t.sched.load_state_dict(s_state)
        self.s.sched.load_state_dict(t_state)
        assert (sched_state(self.t.sched), sched_state(self.s.sched)) == before

    @precondition(lambda self: self.alive and self.kind == "swiftlr-sgd")
    @rule()
    def optimizer_state_across(self) -> None:
        """Each SGD loads the other's ``state_dict()`` (numpy buffers become tensors for torch)."""
        self.log.append("optimizer.load_state_dict of the other library's state_dict()")
        t_state = copy.deepcopy(self.t.opt.state_dict())
        s_state = copy.deepcopy(self.s.opt.state_dict())
        for entry in s_state["state"].values():
            for key, value in entry.items():
                if isinstance(value, np.ndarray):
                    entry[key] = torch.from_numpy(value)
        self.t.opt.load_state_dict(s_state)
        self.s.opt.load_state_dict(t_state)

    @precondition(lambda self: self.alive)
    @rule(how=st.sampled_from(["deepcopy", "pickle"]))
    def copy_pair(self, how: str) -> None:
        """Continues with a copy of the scheduler and its optimizer (and so the parameters)."""

        def duplicate(side: Twin) -> Any:
            pair = (side.sched, side.opt, side.params)
            return copy.deepcopy(pair) if how == "deepcopy" else pickle.loads(pickle.dumps(pair))

        t, s = self.both(how, duplicate)
        if t is None:
            return  # both refused (e.g. a lambda that does not pickle), the originals go on
        for side, (sched, opt, params) in ((self.t, t), (self.s, s)):
            side.sched, side.opt, side.params = sched, opt, params

    @precondition(lambda self: self.alive and len(self.t.opt.param_groups) < 4)
    @rule(lr=st.floats(min_value=1e-3, max_value=1.0))
    def add_param_group(self, lr: float) -> None:
        array = np.random.default_rng(len(self.t.params)).standard_normal(self.size).astype(self.dtype)

        def add(side: Twin) -> None:
            if isinstance(side.opt, S.SGD):
                param: Any = swiftlr.Parameter(array.copy())
            else:
                param = torch.nn.Parameter(torch.from_numpy(array.copy()))
            first = side.opt.param_groups[0]["lr"]
            side.opt.add_param_group(
                {"params": [param], "lr": first.clone().fill_(lr) if hasattr(first, "clone") else lr}
            )
            side.params.append(param)

        self.both(f"add_param_group(lr={lr!r})", add)
        if self.name != "ReduceLROnPlateau":
            # README: a scheduler built for fewer groups refuses to step (PyTorch
            # steps the new group in some chainable rules, fails in others).
            _, error, _ = outcome(self.s.sched.step)
            assert error is not None and "param groups, the scheduler was built for" in error[1], error
            self.alive = False

    # MARK: what is compared

    @invariant()
    def observables_agree(self) -> None:
        if not self.alive:
            return
        program = self.program()
        assert self.t.groups() == self.s.groups(), f"param groups differ after:\n  {program}"
        _, t_error, _ = outcome(self.t.sched.get_last_lr)
        if t_error is None:
            assert bits(self.t.sched.get_last_lr()) == bits(self.s.sched.get_last_lr()), (
                f"get_last_lr after:\n  {program}"
            )
        for name in ("last_epoch", "_step_count"):
            if not hasattr(self.t.sched, name):
                continue  # PyTorch's ReduceLROnPlateau has no _step_count
            t_value = getattr(self.t.sched, name)
            assert bits(t_value) == bits(getattr(self.s.sched, name, None)), f"{name} after:\n  {program}"
        if not self.reference:
            t_state, s_state = outcome(lambda: sched_state(self.t.sched)), outcome(lambda: sched_state(self.s.sched))
            assert t_state == s_state, f"state_dict() after:\n  {program}"
        if self.kind != "swiftlr-sgd" or SGD_BITS:
            assert self.t.arrays() == self.s.arrays(), f"parameters or momentum buffers after:\n  {program}"
