"""The decay schedulers of ``_decay`` (MultiStepLR, ConstantLR, LinearLR,
ExponentialLR, PolynomialLR, CosineAnnealingLR): argument errors with
PyTorch's wording, the closed form through ``step(epoch)``, state dicts, and
a swiftlr scheduler driving torch's SGD. Learning-rate parity over long runs
is in integration/test_reference_schedulers.py and integration/test_live_parity.py."""

from __future__ import annotations

import pickle
import re
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pytest
from conftest import make_optimizer

from swiftlr import ScheduleDriftWarning
from swiftlr.optim import lr_scheduler as ours

NAMES = ["MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR"]
KWARGS: dict[str, dict[str, Any]] = {
    "MultiStepLR": {"milestones": [3, 3, 7], "gamma": 0.5},
    "ConstantLR": {"factor": 0.25, "total_iters": 4},
    "LinearLR": {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 6},
    "ExponentialLR": {"gamma": 0.9},
    "PolynomialLR": {"total_iters": 8, "power": 2.0},
    "CosineAnnealingLR": {"T_max": 5, "eta_min": 0.001},
}


def torch_optimizer(torch: Any, lrs: list[float]) -> Any:
    torch.set_default_dtype(torch.float64)
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def _errors(make: Any) -> tuple[type, str] | None:
    try:
        make()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("ConstantLR", {"factor": 1.5}),
        ("ConstantLR", {"factor": -0.1}),
        ("LinearLR", {"start_factor": 0.0}),
        ("LinearLR", {"start_factor": 1.2}),
        ("LinearLR", {"end_factor": -0.5}),
        ("LinearLR", {"end_factor": 2.0}),
        ("ExponentialLR", {}),
        ("CosineAnnealingLR", {}),
        ("MultiStepLR", {}),
    ],
)
def test_argument_errors_match_pytorch(name: str, kwargs: dict[str, Any], torch: Any) -> None:
    theirs = _errors(lambda: getattr(torch.optim.lr_scheduler, name)(torch_optimizer(torch, [0.1]), **kwargs))
    mine = _errors(lambda: getattr(ours, name)(make_optimizer([0.1]), **kwargs))
    assert theirs is not None and mine is not None
    assert mine[0] is theirs[0]
    # Missing-argument messages name the class's __init__ the same way.
    assert mine[1] == theirs[1]


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("ConstantLR", {"factor": 0.0}, "factor must be greater than 0"),
        ("LinearLR", {"total_iters": 0}, "total_iters must not be 0"),
        ("PolynomialLR", {"total_iters": 0}, "total_iters must not be 0"),
        ("PolynomialLR", {"power": -1.0}, "power must be non-negative"),
        ("CosineAnnealingLR", {"T_max": 0}, "T_max must not be 0"),
    ],
)
def test_values_pytorch_divides_by_zero_on_are_rejected(name: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(ours, name)(make_optimizer([0.1]), **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_closed_form_through_step_epoch_matches_pytorch(name: str, torch: Any) -> None:
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_optimizer(torch, [0.1, 0.03]), **KWARGS[name])
    opt = make_optimizer([0.1, 0.03])
    mine = getattr(ours, name)(opt, **KWARGS[name])
    for epoch in [0, 2, 3, 5, 7, 9, 4, 12]:
        theirs.optimizer.step()
        opt.step()
        with pytest.warns(UserWarning, match="The epoch parameter"):
            theirs.step(epoch)
        with pytest.warns(UserWarning, match="The epoch parameter"):
            mine.step(epoch)
        assert mine.get_last_lr() == theirs.get_last_lr()
        assert mine.last_epoch == theirs.last_epoch == epoch
    with pytest.warns(UserWarning, match="get_last_lr"):
        mine_lr = mine.get_lr()
    with pytest.warns(UserWarning, match="get_last_lr"):
        assert mine_lr == theirs.get_lr()


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_pickles_and_loads_in_both_libraries(name: str, torch: Any) -> None:
    opt = make_optimizer([0.1, 0.03])
    mine = getattr(ours, name)(opt, **KWARGS[name])
    for _ in range(5):
        opt.step()
        mine.step()
    state = pickle.loads(pickle.dumps(mine.state_dict()))
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_optimizer(torch, [0.1, 0.03]), **KWARGS[name])
    assert set(state) == set(theirs.state_dict())
    theirs.load_state_dict(state)
    fresh_opt = make_optimizer([0.1, 0.03])
    fresh = getattr(ours, name)(fresh_opt, **KWARGS[name])
    fresh_opt.load_state_dict(opt.state_dict())  # the optimizer's state first, as a resume loads it
    fresh.load_state_dict(theirs.state_dict())
    assert fresh.state_dict() == mine.state_dict()


def test_multistep_milestones_are_a_counter(sgd: Any) -> None:
    s = ours.MultiStepLR(sgd, milestones=[8, 3, 3])
    assert s.milestones == Counter({3: 2, 8: 1})
    assert isinstance(s.state_dict()["milestones"], Counter)
    with pytest.warns(ScheduleDriftWarning) as caught:
        s.load_state_dict({**s.state_dict(), "milestones": {"5": 2}})  # a dict as JSON keeps it
    assert any("milestones is" in str(w.message) for w in caught)
    assert s.milestones == Counter({5: 2})
    s.milestones = [1, 2]
    assert s.milestones == Counter([1, 2])


@pytest.mark.parametrize(
    "counter",
    [Counter({3: -2}), Counter({2: 2, 4: -1, 6: 0}), Counter({1: 3, 5: 1}), Counter({5: 40})],
    ids=["negative", "mixed-signs", "positive", "large"],
)
def test_multistep_checkpoint_counter_steps_as_pytorch(counter: Counter[int], torch: Any) -> None:
    """A checkpoint's Counter of any counts: each step as PyTorch's (which
    uses the count at a milestone), each step(epoch) as its closed form
    (which counts only the positive ones)."""
    theirs = torch.optim.lr_scheduler.MultiStepLR(torch_optimizer(torch, [0.1, 0.03]), [1])
    mine = ours.MultiStepLR(make_optimizer([0.1, 0.03]), [1])
    theirs.load_state_dict({**theirs.state_dict(), "milestones": Counter(counter)})
    with pytest.warns(ScheduleDriftWarning):  # other milestones than it was built with
        mine.load_state_dict({**mine.state_dict(), "milestones": Counter(counter)})
    assert mine.milestones == counter
    for _ in range(8):
        theirs.optimizer.step()
        mine.optimizer.step()
        theirs.step()
        mine.step()
        assert mine.get_last_lr() == theirs.get_last_lr()
    for epoch in [2, 3, 5, 4, 7]:
        with pytest.warns(UserWarning, match="The epoch parameter"):
            theirs.step(epoch)
        with pytest.warns(UserWarning, match="The epoch parameter"):
            mine.step(epoch)
        assert mine.get_last_lr() == theirs.get_last_lr()


def test_multistep_counts_pytorch_fails_on_later_are_refused(sgd: Any) -> None:
    s = ours.MultiStepLR(sgd, [2])
    before = s.state_dict()
    with pytest.raises(OverflowError, match="overflows at milestone 3"):
        s.load_state_dict({**before, "milestones": Counter({3: -400})})  # 0.1 ** -400
    with pytest.raises(ValueError, match="divides by zero"):
        s.load_state_dict({**before, "milestones": Counter({3: -1}), "gamma": 0.0})
    with pytest.raises(OverflowError, match="milestone_counts"):
        s.load_state_dict({**before, "milestones": Counter({3: 2**63})})
    assert s.state_dict() == before


def test_drives_torch_sgd(torch: Any) -> None:
    opt = torch_optimizer(torch, [1.0])
    s = ours.CosineAnnealingLR(opt, T_max=4)
    lrs = []
    for _ in range(4):
        opt.step()
        s.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[-1] == 0.0 and lrs[1] == pytest.approx(0.5)
    np.testing.assert_array_equal(s.get_last_lr(), lrs[-1:])


def test_exponential_initial_step_keeps_lr_when_resuming() -> None:
    opt = make_optimizer([0.2])
    opt.param_groups[0]["initial_lr"] = 1.0
    s = ours.ExponentialLR(opt, gamma=0.5, last_epoch=3)
    assert s.get_last_lr() == [0.2] and s.last_epoch == 4 and s._is_initial is False


# MARK: issue 19: a bool count keeps its type; get_lr() divides by zero as PyTorch's


BOOL_COUNTS = [
    ("StepLR", {"step_size": True}),
    ("ConstantLR", {"total_iters": False}),
    ("LinearLR", {"total_iters": True}),
    ("PolynomialLR", {"total_iters": True}),
    ("CosineAnnealingLR", {"T_max": True}),
]


def _trace(module: Any, optimizer: Any, name: str, kwargs: dict[str, Any]) -> list[Any]:
    s = getattr(module, name)(optimizer, **kwargs)
    trace = []
    for _ in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the step order: no optimizer steps here
            s.step()
        state = s.state_dict()
        trace.append(([float(g["lr"]).hex() for g in optimizer.param_groups], {k: state[k] for k in kwargs}))
    return trace


@pytest.mark.parametrize(("name", "kwargs"), BOOL_COUNTS)
def test_bool_count_is_saved_as_a_bool(name: str, kwargs: dict[str, Any]) -> None:
    # PyTorch stores the argument untouched (True, not 1) and computes with it as the int 1 or 0.
    trace = _trace(ours, make_optimizer(), name, kwargs)
    for _, state in trace:
        assert all(type(state[k]) is bool and state[k] == v for k, v in kwargs.items())


@pytest.mark.parametrize(("name", "kwargs"), BOOL_COUNTS)
def test_bool_count_steps_and_saves_as_pytorch(name: str, kwargs: dict[str, Any], torch: Any) -> None:
    expected = _trace(torch.optim.lr_scheduler, torch_optimizer(torch, [0.1]), name, kwargs)
    assert _trace(ours, make_optimizer(), name, kwargs) == expected


def _get_lr_outcomes(module: Any, optimizer: Any, t_max: float, calls: list[int | None]) -> list[str]:
    """get_lr() after the constructor and after each ``step(epoch)`` (None: ``step()``), until a call raises."""

    def outcome(call: Any) -> str:
        try:
            return repr(call())
        except ZeroDivisionError as error:
            return f"ZeroDivisionError: {error}"

    s = module.CosineAnnealingLR(optimizer, T_max=t_max)
    outcomes = [outcome(s.get_lr)]
    for epoch in calls:
        outcomes.append(outcome(s.step if epoch is None else lambda: s.step(epoch)))  # noqa: B023
        if outcomes[-1].startswith("ZeroDivisionError"):
            break
        outcomes.append(outcome(s.get_lr))
    return outcomes


def test_get_lr_divides_by_zero_as_pytorch_before_stepping() -> None:
    # After step(2), a closed form that divides by nothing, get_lr()'s ratio divides by
    # 1 + cos(pi * (2 - 1) / (1/3)) == 0.0: PyTorch raises ZeroDivisionError (swiftlr gave inf).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated epoch, get_lr() outside a step
        outcomes = _get_lr_outcomes(ours, make_optimizer(), 1 / 3, [2])
    assert outcomes[1:] == ["None", "ZeroDivisionError: float division by zero"]


@pytest.mark.parametrize("t_max", [1 / 3, 2 / 3, 1 / 5, 0.25, 1 / 7, 3.5])
@pytest.mark.parametrize("calls", [[None] * 4, [2, None, None], [1, 3, None], [7, None]])
def test_get_lr_outcomes_match_pytorch(t_max: float, calls: list[int | None], torch: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # get_lr() outside a step, the step order, the deprecated epoch
        expected = _get_lr_outcomes(torch.optim.lr_scheduler, torch_optimizer(torch, [0.1]), t_max, calls)
        assert _get_lr_outcomes(ours, make_optimizer(), t_max, calls) == expected
