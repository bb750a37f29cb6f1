"""The bridge to the Swift core (``optim/_swift_scheduler.py``): every
scheduler's arguments come from one declaration in Swift, and the Python
classes only mirror PyTorch's signatures."""

from __future__ import annotations

import copy
import inspect
import pickle
import warnings
from typing import Any

import numpy as np
import pytest

from swiftlr import ScheduleDriftWarning, _swiftlr
from swiftlr.optim import lr_scheduler as L
from swiftlr.optim import swa_utils
from swiftlr.optim._swift_scheduler import SwiftScheduler, _plain

#: Declared arguments that are not constructor parameters of the Python class:
#: values the class derives from Python objects (a Counter's counts, whether a
#: ``scale_fn`` callable was given).
_DERIVED = {("MultiStepLR", "milestone_counts"), ("CyclicLR", "custom_scale_fn")}
#: Required in Python (PyTorch's signature), optional for Swift callers, for
#: whom ``base_lrs`` or each step's inputs stand in.
_SWIFT_OPTIONAL = {("CyclicLR", "base_lr"), ("OneCycleLR", "max_lr")}

_CLASSES = sorted(
    {
        cls
        for cls in (*vars(L).values(), *vars(swa_utils).values())
        if isinstance(cls, type) and issubclass(cls, SwiftScheduler) and cls is not SwiftScheduler
    },
    key=lambda cls: cls.__name__,
)


def _parameters(cls: type) -> dict[str, inspect.Parameter]:
    skip = {"self", "optimizer", "last_epoch", "scale_fn"}
    return {n: p for n, p in inspect.signature(cls.__init__).parameters.items() if n not in skip}


def test_every_swiftlr_scheduler_is_covered() -> None:
    assert len(_CLASSES) >= 17
    assert {cls._kind for cls in _CLASSES} >= {"StepLR", "OneCycleLR", "ReduceLROnPlateau", "SWALR", "CyclicLR"}


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda cls: cls.__name__)
def test_signature_mirrors_the_swift_declaration(cls: type) -> None:
    """Names and defaults: the Python signature is PyTorch's, the declaration
    the core's; they must say the same thing."""
    declared = {name: default for name, _, default, _ in _swiftlr.scheduler_arguments(cls._kind)}
    params = _parameters(cls)
    for name, param in params.items():
        if name in ("lr_lambda",):  # a Python callable: Python's own
            continue
        assert name in declared, f"{cls.__name__}({name}=...) is not declared in Swift"
        default = declared[name]
        if (cls._kind, name) in _SWIFT_OPTIONAL:
            assert param.default is inspect.Parameter.empty and default is None
        elif param.default is inspect.Parameter.empty:
            assert default is _swiftlr.REQUIRED, f"{cls.__name__}.{name}: Swift has a default, Python none"
        else:
            assert default == param.default, f"{cls.__name__}.{name}: {param.default!r} != Swift's {default!r}"
    for name in declared:
        assert name in params or (cls._kind, name) in _DERIVED, f"{cls.__name__}: {name} is declared but not taken"


def test_declarations_are_well_formed() -> None:
    conversions = {"int", "float", "int_or_float", "bool", "str", "ints", "floats", "per_group"}
    for cls in _CLASSES:
        rows = _swiftlr.scheduler_arguments(cls._kind)
        assert len({name for name, *_ in rows}) == len(rows)
        assert all(conversion in conversions and isinstance(first, bool) for _, conversion, _, first in rows)
    with pytest.raises(ValueError, match="unknown scheduler"):
        _swiftlr.scheduler_arguments("NoSuchLR")


#: PyTorch's state attributes of a few schedulers, by hand: what the derived
#: ``_state_fields`` must come to (in PyTorch's ``__dict__`` order).
_TORCH_STATE = {
    "StepLR": ("step_size", "gamma"),
    "OneCycleLR": ("total_steps", "_anneal_func_type", "cycle_momentum"),
    "ReduceLROnPlateau": (
        "factor",
        "patience",
        "cooldown",
        "eps",
        "mode",
        "threshold",
        "threshold_mode",
        "mode_worse",
        "best",
        "cooldown_counter",
        "num_bad_epochs",
    ),
    "LambdaLR": (),
}


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda cls: cls.__name__)
def test_state_fields_derive_from_the_swift_declaration(cls: type) -> None:
    """Declared once in Swift: each class's state attributes are the core's
    PyTorch fields, less what the class holds in ``__dict__``, each a property
    reading the core."""
    declared = _swiftlr.scheduler_fields(cls._kind)
    assert cls._state_fields == tuple(n for n in declared if n not in cls._held_fields)
    assert set(cls._held_fields) <= set(declared)
    if cls.__name__ in _TORCH_STATE:
        assert cls._state_fields == _TORCH_STATE[cls.__name__]
    for name in cls._state_fields:
        assert isinstance(inspect.getattr_static(cls, name), property), f"{cls.__name__}.{name}"


def test_swiftlr_only_fields_are_not_attributes() -> None:
    """OneCycleLR's group values and phase ends are the core's own, not PyTorch's attributes."""
    fields = _swiftlr.scheduler_fields("OneCycleLR")
    assert "group_values" not in fields and "phase_end_steps" not in fields
    assert "sign_aware_threshold" not in _swiftlr.scheduler_fields("ReduceLROnPlateau")
    with pytest.raises(ValueError, match="unknown scheduler"):
        _swiftlr.scheduler_fields("NoSuchLR")
    with pytest.raises(TypeError, match="kind must be a str"):
        _swiftlr.scheduler_fields(3)  # type: ignore[arg-type]


def test_group_inputs_are_the_cores() -> None:
    """The param-group keys a step reads are declared in Swift (``groupInputKeys``):
    OneCycleLR's layout of its group values, SWALR's ``swa_lr``, none for the others."""
    lrs = ("initial_lr", "max_lr", "min_lr")
    assert _swiftlr.scheduler_group_inputs("OneCycleLR", False) == lrs
    assert _swiftlr.scheduler_group_inputs("OneCycleLR", True) == (*lrs, "max_momentum", "base_momentum")
    assert _swiftlr.scheduler_group_inputs("SWALR", False) == ("swa_lr",)
    assert _swiftlr.scheduler_group_inputs("CyclicLR", True) == ()
    with pytest.raises(ValueError, match="unknown scheduler"):
        _swiftlr.scheduler_group_inputs("NoSuchLR", False)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        _swiftlr.scheduler_group_inputs("SWALR")  # type: ignore[call-arg]


def test_a_users_subclass_steps_its_bases_rule() -> None:
    """``class MyStepLR(StepLR)`` builds StepLR's core, as a subclass of
    PyTorch's StepLR steps StepLR's rule (it had looked for a Swift 'MyStepLR')."""
    from swiftlr import Parameter
    from swiftlr.optim import SGD

    class MyStepLR(L.StepLR):
        def describe(self) -> str:
            return f"every {self.step_size}"

    optimizer = SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = MyStepLR(optimizer, step_size=2, gamma=0.5)
    assert MyStepLR._kind == "StepLR" and MyStepLR._state_fields == L.StepLR._state_fields
    lrs = []
    for _ in range(4):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs == [0.1, 0.05, 0.05, 0.025]
    assert scheduler.describe() == "every 2" and scheduler.state_dict()["gamma"] == 0.5


class _NotAnOptimizer:
    pass


def test_checked_first_arguments_win_over_a_bad_optimizer() -> None:
    """PyTorch checks ConstantLR's factor before the optimizer, StepLR's nothing."""
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        L.ConstantLR(_NotAnOptimizer(), factor=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        L.ReduceLROnPlateau(_NotAnOptimizer(), factor=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not an Optimizer"):
        L.StepLR(_NotAnOptimizer(), step_size=0)  # type: ignore[arg-type]


def test_check_arguments_checks_only_what_it_is_given() -> None:
    _swiftlr.check_arguments("StepLR", {})  # step_size is required, but not given: no check
    _swiftlr.check_arguments("StepLR", {"step_size": 3})
    _swiftlr.check_arguments("StepLR", {"step_size": 2.5})
    with pytest.raises(ValueError, match="step_size must be positive, got 0"):
        _swiftlr.check_arguments("StepLR", {"step_size": 0})
    with pytest.raises(TypeError, match="gamma must be a float, got str"):
        _swiftlr.check_arguments("StepLR", {"gamma": "x"})


def test_a_rejected_argument_writes_no_group() -> None:
    """The core checks every argument before the constructor writes a group."""
    groups = [{"lr": 0.1, "momentum": 0.9, "params": []}]

    class Opt:
        param_groups = groups
        defaults = {"lr": 0.1, "momentum": 0.9}

    before = [dict(g) for g in groups]
    with pytest.raises(ValueError, match="anneal_strategy"):
        L.OneCycleLR(Opt(), max_lr=1.0, total_steps=10, anneal_strategy="square")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        SwiftScheduler.__init__(L.StepLR.__new__(L.StepLR), Opt(), -1, step_size=1, bogus=2)  # type: ignore[arg-type]
    assert groups == before


def test_field_updates_use_the_declared_checks() -> None:
    s = L.StepLR(_opt(), step_size=2)
    with pytest.raises(ValueError, match="step_size must be positive, got -0.5"):
        s.step_size = -0.5
    assert s.step_size == 2
    p = L.ReduceLROnPlateau(_opt())
    with pytest.raises(ValueError, match="mode sideways is unknown!"):
        p.load_state_dict({**p.state_dict(), "mode": "sideways"})
    with pytest.warns(ScheduleDriftWarning) as caught:
        p.load_state_dict({**p.state_dict(), "mode": "max", "mode_worse": 123.0})
    assert any("mode is 'max' in the loaded state but 'min'" in str(w.message) for w in caught)
    assert p.mode_worse == float("-inf")  # recomputed from mode, as PyTorch's load does


def _opt() -> Any:
    class Opt:
        param_groups = [{"lr": 0.1, "params": []}]
        defaults = {"lr": 0.1}

    return Opt()


def test_plain_makes_what_the_core_takes() -> None:
    np = pytest.importorskip("numpy")
    assert _plain({"a": (1, np.float64(2.5)), "b": range(3), "c": np.int64(4)}) == {
        "a": [1, 2.5],
        "b": [0, 1, 2],
        "c": 4,
    }
    assert _plain("abc") == "abc" and _plain(None) is None


# MARK: numpy epochs (issue 19)


def test_numpy_integer_epochs_are_integers() -> None:
    """``step(np.int64(e))`` as ``step(e)``: exact at any size a 64-bit int
    holds (a numpy integer was rounded through ``__float__`` before), refused
    beyond, changing nothing."""
    np = pytest.importorskip("numpy")
    s = L.StepLR(_opt(), step_size=2, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated epoch's warning
        s.step(np.int64(7))
        assert s.last_epoch == 7 and s.get_last_lr() == [0.1 * 0.5**3]
        s.step(np.int64(2**53 + 1))
        assert s.last_epoch == 2**53 + 1 and type(s.last_epoch) is int
        s.step()
        assert s.last_epoch == 2**53 + 2 and s.state_dict()["last_epoch"] == 2**53 + 2
        with pytest.raises(OverflowError, match="64-bit"):
            s.step(np.uint64(2**64 - 1))
        assert s.last_epoch == 2**53 + 2 and s._step_count == 4


# MARK: copies (issue 19): every combination, each copy independent of its original


def _sgd_pair(torch: Any = None) -> tuple[Any, Any]:
    """An optimizer with momentum and its parameter: swiftlr's, or torch's."""
    if torch is None:
        from swiftlr import Parameter, optim

        np = pytest.importorskip("numpy")
        w: Any = Parameter(np.ones(3))
        return optim.SGD([w], lr=0.1, momentum=0.9), w
    w = torch.nn.Parameter(torch.ones(3))
    return torch.optim.SGD([w], lr=0.1, momentum=0.9), w


def _set_grad(w: Any) -> None:
    """A gradient of ones, as a tensor for a torch parameter, else as an array."""
    w.grad = w.detach() * 0 + 1 if hasattr(w, "detach") else w.data * 0 + 1


def _copy(value: Any, how: str) -> Any:
    return copy.deepcopy(value) if how == "deepcopy" else pickle.loads(pickle.dumps(value))


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize("stepped", [False, True])
@pytest.mark.parametrize("what", ["scheduler", "optimizer", "both"])
@pytest.mark.parametrize("library", ["swiftlr", "torch"])
def test_copies_are_independent(how: str, stepped: bool, what: str, library: str) -> None:
    torch = pytest.importorskip("torch") if library == "torch" else None
    opt, w = _sgd_pair(torch)
    sched = L.StepLR(opt, step_size=1, gamma=0.5)
    if stepped:
        _set_grad(w)
        opt.step()
        sched.step()
    lr = opt.param_groups[0]["lr"]
    copied = _copy({"scheduler": sched, "optimizer": opt, "both": (sched, opt)}[what], how)
    if what == "scheduler":
        c_sched, c_opt = copied, copied.optimizer
    elif what == "optimizer":
        c_sched, c_opt = None, copied
    else:
        c_sched, c_opt = copied
    if c_sched is not None:
        assert c_sched.optimizer is c_opt and c_opt is not opt
        assert c_sched.state_dict() == sched.state_dict()
    params_before = np_bytes(w)
    del sched, opt  # the copy outlives its original
    (c_w,) = c_opt.param_groups[0]["params"]
    _set_grad(c_w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a copy's step is not wrapped, as in PyTorch
        c_opt.step()
        if c_sched is not None:
            c_sched.step()
            assert c_opt.param_groups[0]["lr"] == lr * 0.5
    assert np_bytes(w) == params_before  # the original's parameter did not move
    assert np_bytes(c_w) != params_before


def np_bytes(w: Any) -> bytes:
    data = w.data
    return bytes(data.detach().numpy().tobytes() if hasattr(data, "detach") else data.tobytes())


def test_copies_behave_as_torchs(torch: Any) -> None:
    """A deep-copied scheduler over a torch optimizer warns and steps as torch's copy does."""

    def run(module: Any) -> list[Any]:
        opt, w = _sgd_pair(torch)
        sched = module.StepLR(opt, step_size=1, gamma=0.5)
        clone = copy.deepcopy(sched)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clone.optimizer.step()
            clone.step()
            clone.step()
        return [clone.get_last_lr(), clone._step_count, [str(c.message) for c in caught], opt.param_groups[0]["lr"]]

    assert run(L) == run(torch.optim.lr_scheduler)
