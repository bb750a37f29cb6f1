"""Library-neutral training scenarios, run the same way on PyTorch and swiftlr.

A scenario is a JSON-able dict. ``run_scheduler_case`` plays it on either
library (``torch.optim`` or ``swiftlr.optim``, through an ``Api`` adapter) and
returns what a user would see each step. ``reference/generate.py`` plays every
case on real PyTorch and commits the results; the tests play them on swiftlr
and compare bit for bit (and, where torch is installed, live).

Scheduler families register random case generators with ``@case_generator``
in their own module below; the ``CASES`` registry collects them.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import pickle
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Case = dict[str, Any]
CASES: dict[str, Callable[[random.Random], Case]] = {}


def case_generator(name: str) -> Callable[[Callable[[random.Random], Case]], Callable[[random.Random], Case]]:
    """Registers a random case generator for the scheduler class ``name``."""

    def register(fn: Callable[[random.Random], Case]) -> Callable[[random.Random], Case]:
        CASES[name] = fn
        return fn

    return register


def generate_cases(name: str, count: int, seed: int = 0) -> list[Case]:
    rng = random.Random(f"{name}-{seed}")
    return [CASES[name](rng) for _ in range(count)]


def random_group_lrs(rng: random.Random, max_groups: int = 3) -> list[float]:
    return [rng.choice([0.1, 0.05, 1.0, 0.3, 1e-3]) * rng.uniform(0.5, 2.0) for _ in range(rng.randint(1, max_groups))]


def random_count(rng: random.Random, n: int) -> int | float:
    """``n`` as a count PyTorch computes with whatever its type (``step_size``,
    ``T_max``, ``total_iters``, ``patience``, ``cooldown``): mostly the int, at
    times the same float (kept as a float in the state) or ``n + 0.5``."""
    form = rng.random()
    return n if form < 0.6 else float(n) if form < 0.8 else n + 0.5


# MARK: library adapters


@dataclass
class Api:
    """How to build parameters and optimizers in one library."""

    name: str
    optim: Any  # torch.optim or swiftlr.optim
    make_param: Callable[[np.ndarray], Any]
    set_grad: Callable[[Any, np.ndarray | None], None]
    get_data: Callable[[Any], np.ndarray]


def swiftlr_api() -> Api:
    import swiftlr
    from swiftlr import optim

    def set_grad(p: Any, g: np.ndarray | None) -> None:
        p.grad = g

    return Api("swiftlr", optim, swiftlr.Parameter, set_grad, lambda p: p.data)


def torch_api(optim_module: Any = None) -> Api:
    """torch's tensors and optimizers; ``optim_module`` may swap in swiftlr's
    schedulers (a swiftlr scheduler driving a torch optimizer)."""
    import torch

    def make(a: np.ndarray) -> Any:
        return torch.nn.Parameter(torch.from_numpy(a.copy()))

    def set_grad(p: Any, g: np.ndarray | None) -> None:
        p.grad = None if g is None else torch.from_numpy(g.copy())

    return Api("torch", optim_module or torch.optim, make, set_grad, lambda p: p.detach().numpy().copy())


# MARK: scheduler scenarios


def build(case: Case, api: Api, scheduler_module: Any) -> tuple[Any, Any]:
    """The case's optimizer and scheduler, as ``run_scheduler_case`` builds them."""
    optimizer = _make_optimizer(api, case, api.optim)
    return optimizer, _make_scheduler(api, case, optimizer, scheduler_module)


def _make_optimizer(api: Api, case: Case, optimizer_module: Any) -> Any:
    groups = []
    for i, lr in enumerate(case["lrs"]):
        param = api.make_param(np.full((2,), float(i + 1), dtype=np.float64))
        group = {"params": [param], "lr": _lr_value(lr, case)}
        groups.append(group)
    return optimizer_module.SGD(groups, lr=_lr_value(case["lrs"][0], case), momentum=case.get("momentum", 0.0))


def _lr_value(lr: float, case: Case) -> Any:
    """A group's lr: the float, or with ``case["lr_dtype"]`` ("float32",
    "float16", "bfloat16", "float64") a 0-d torch tensor of that dtype, as in
    PyTorch's compiled-optimizer recipes (only torch's optimizers take those)."""
    if "lr_dtype" not in case:
        return lr
    import torch

    return torch.tensor(lr, dtype=getattr(torch, case["lr_dtype"]))


def _make_scheduler(api: Api, case: Case, optimizer: Any, scheduler_module: Any) -> Any:
    """Builds ``case["scheduler"]`` from ``case["kwargs"]``, decoding the
    kwargs (see ``_decode``); the optimizer goes first, or as ``optimizer=``
    where the class takes something else first (``ChainedScheduler``)."""
    cls = getattr(_case_module(case, scheduler_module), case["scheduler"])
    kwargs = {k: _decode(v, api, optimizer, scheduler_module) for k, v in case["kwargs"].items()}
    first = next(iter(inspect.signature(cls).parameters))
    if first != "optimizer":
        return cls(**kwargs, optimizer=optimizer)
    return cls(optimizer, **kwargs)


def _case_module(case: Case, scheduler_module: Any) -> Any:
    """The module holding the case's class: ``scheduler_module`` (a library's
    ``lr_scheduler``), or its sibling named by ``case["module"]`` (e.g.
    ``"swa_utils"`` for ``SWALR``: ``torch.optim.swa_utils``, ``swiftlr.optim.swa_utils``)."""
    if "module" not in case:
        return scheduler_module
    package = scheduler_module.__name__.rpartition(".")[0]
    return importlib.import_module(f"{package}.{case['module']}")


def _decode(value: Any, api: Api, optimizer: Any, scheduler_module: Any) -> Any:
    """Scenario data to constructor arguments, the same for both libraries:

    * ``{"lambda": "0.95 ** epoch"}``: a function of ``epoch`` (``math`` in scope);
    * ``{"callable": "base ** epoch", "attrs": {"base": 0.9}}``: a callable
      object whose ``__dict__`` is ``attrs`` (saved in state dicts);
    * ``{"scheduler": ..., "kwargs": ...}``: a sub-scheduler on the same optimizer;
    * lists and other dicts, element by element.
    """
    if isinstance(value, list):
        return [_decode(v, api, optimizer, scheduler_module) for v in value]
    if isinstance(value, dict):
        if "lambda" in value:
            return eval(f"lambda epoch: {value['lambda']}", {"math": math})  # noqa: S307 (test data)
        if "callable" in value:
            return _ExprFactor.make(value["callable"], value.get("attrs", {}))
        if "scheduler" in value:
            return _make_scheduler(api, value, optimizer, scheduler_module)
        return {k: _decode(v, api, optimizer, scheduler_module) for k, v in value.items()}
    return value


class _ExprFactor:
    """A callable object computing its ``_expr`` from ``epoch`` and its
    attributes; ``make`` builds one per expression, so that the instance
    ``__dict__`` holds only the attributes, as a user's callable would."""

    _expr = "1.0"

    @classmethod
    def make(cls, expr: str, attrs: dict[str, Any]) -> Any:
        sub = type("ExprFactor", (cls,), {"_expr": expr, "_code": compile(expr, "<factor>", "eval")})
        obj = sub()
        obj.__dict__.update(attrs)
        return obj

    def __call__(self, epoch: int) -> float:
        return eval(self._code, {"math": math, "epoch": epoch, **self.__dict__})  # noqa: S307 (test data)


def _lrs(optimizer: Any) -> list[float]:
    return [float(g["lr"]) for g in optimizer.param_groups]


def _momenta(optimizer: Any) -> list[float]:
    return [float(g["betas"][0]) if "betas" in g else float(g["momentum"]) for g in optimizer.param_groups]


def run_scheduler_case(
    case: Case,
    api: Api,
    scheduler_module: Any,
    resume_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plays ``case``: each step runs ``optimizer.step()`` then ``scheduler.step()``
    (with the case's metric or epoch where it has them) and records
    ``get_last_lr()`` and each group's (lr, momentum).

    At ``case["checkpoint"]`` the optimizer and scheduler state dicts go
    through pickle into a fresh optimizer and scheduler, as when a run
    resumes; ``resume_state`` replaces the scheduler's state dict there (to
    load one saved by the other library). Returns the records and the
    scheduler's state dict at the checkpoint.
    """

    def record() -> None:
        lrs.append(_lrs(optimizer))
        if case.get("record_momentum"):
            momenta.append(_momenta(optimizer))
        last = [float(x) for x in scheduler.get_last_lr()]
        if last != lrs[-1]:
            raise AssertionError(f"get_last_lr() {last} differs from the groups' lrs {lrs[-1]}")

    optimizer_module = api.optim
    optimizer = _make_optimizer(api, case, optimizer_module)
    scheduler = _make_scheduler(api, case, optimizer, scheduler_module)
    lrs: list[list[float]] = []
    momenta: list[list[float]] = []
    record()
    saved_state = None
    metrics = case.get("metrics")
    epochs = case.get("epochs")
    for k in range(case["steps"]):
        if k == case.get("checkpoint"):
            saved_state = scheduler.state_dict()
            opt_state = pickle.loads(pickle.dumps(optimizer.state_dict()))
            sched_state = pickle.loads(pickle.dumps(saved_state))
            if resume_state is not None:
                sched_state = copy.deepcopy(resume_state)
            optimizer = _make_optimizer(api, case, optimizer_module)
            scheduler = _make_scheduler(api, case, optimizer, scheduler_module)
            optimizer.load_state_dict(opt_state)
            scheduler.load_state_dict(sched_state)
        optimizer.step()
        if metrics is not None:
            scheduler.step(metrics[k])
        elif epochs is not None:
            scheduler.step(epochs[k])
        else:
            scheduler.step()
        record()
    result: dict[str, Any] = {"lrs": lrs, "checkpoint_state": saved_state}
    if case.get("record_momentum"):
        result["momenta"] = momenta
    return result


# MARK: SGD scenarios


def random_sgd_case(rng: random.Random) -> Case:
    momentum = rng.choice([0.0, 0.0, 0.5, 0.9, 0.99])
    nesterov = momentum > 0 and rng.random() < 0.4
    return {
        "dtype": rng.choice(["float32", "float64"]),
        "shapes": [rng.choice([[3], [2, 3], [4, 1], [1], [5, 2, 2]]) for _ in range(rng.randint(1, 3))],
        "lr": rng.choice([0.1, 0.01, 0.5]) * rng.uniform(0.5, 1.5),
        "momentum": momentum,
        "dampening": 0.0 if nesterov else rng.choice([0.0, 0.0, 0.1, 0.5]),
        "weight_decay": rng.choice([0.0, 0.0, 1e-4, 0.01, 0.1]),
        "nesterov": nesterov,
        "maximize": rng.random() < 0.3,
        "steps": rng.randint(5, 20),
        "seed": rng.randrange(2**31),
        "none_grad_prob": rng.choice([0.0, 0.2]),
        "lr_change_at": rng.randint(1, 4),
        "checkpoint": rng.randint(2, 4),
    }


def run_sgd_case(case: Case, api: Api) -> list[list[list[float]]]:
    """Plays an SGD case; returns every parameter's values after every step.

    Gradients come from a seeded numpy generator (some are None), the lr is
    halved at ``lr_change_at``, and the optimizer's state dict is pickled
    into a fresh optimizer at ``checkpoint``.
    """
    dtype = np.dtype(case["dtype"])
    rng = np.random.default_rng(case["seed"])
    initial = [rng.standard_normal(shape).astype(dtype) for shape in case["shapes"]]
    params = [api.make_param(a) for a in initial]
    options = {k: case[k] for k in ("lr", "momentum", "dampening", "weight_decay", "nesterov")}

    def make() -> Any:
        return api.optim.SGD(params, maximize=case["maximize"], **options)

    optimizer = make()
    history = []
    for step in range(case["steps"]):
        if step == case["lr_change_at"]:
            for g in optimizer.param_groups:
                g["lr"] = g["lr"] * 0.5
        if step == case["checkpoint"]:
            state = pickle.loads(pickle.dumps(optimizer.state_dict()))
            optimizer = make()
            optimizer.load_state_dict(state)
        for p, a in zip(params, initial):
            none = rng.random() < case["none_grad_prob"]
            grad = rng.standard_normal(a.shape).astype(dtype)
            api.set_grad(p, None if none else grad)
        optimizer.step()
        history.append([api.get_data(p).astype(np.float64).ravel().tolist() for p in params])
    return history


from scenarios import (  # noqa: E402,F401  # noqa: E402,F401
    adam,
    composite,
    cyclic,
    decay,
    lambdas,
    plateau,
    step_decay,  # noqa: E402,F401  (registers the family generators)
)
