"""``swiftlr.optim._plateau``: ReduceLROnPlateau's API against PyTorch's."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
from conftest import make_optimizer

import swiftlr
from swiftlr import ScheduleDriftWarning
from swiftlr.optim.lr_scheduler import ReduceLROnPlateau

CASES: list[dict[str, Any]] = [
    {"factor": 1.0},
    {"mode": "up"},
    {"threshold_mode": "relative"},
    {"min_lr": [0.1, 0.2, 0.3]},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_errors_match_pytorch(torch: Any, kwargs: dict[str, Any]) -> None:
    p = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD([{"params": [p]}], lr=0.1), **kwargs)
    with pytest.raises(ValueError, match=None) as ours:
        ReduceLROnPlateau(make_optimizer([0.1, 0.05]), **kwargs)
    if "min_lr" in kwargs:  # PyTorch's optimizer has one group here, ours two
        assert str(ours.value) == "expected 2 min_lrs, got 3"
    else:
        assert str(ours.value) == str(theirs.value)


def test_not_an_optimizer() -> None:
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        ReduceLROnPlateau(3)


def test_reduces_after_patience_no_initial_step() -> None:
    opt = make_optimizer([0.1, 0.05])
    s = ReduceLROnPlateau(opt, factor=0.5, patience=1, min_lr=[0.0, 0.04])
    assert s.last_epoch == 0 and "initial_lr" not in opt.param_groups[0]
    for metric in [1.0, 1.0, 1.0]:
        s.step(metric)
    assert s.get_last_lr() == [0.05, 0.04]
    assert s.num_bad_epochs == 0 and s.best == 1.0 and s.last_epoch == 3
    assert not hasattr(s, "base_lrs")
    with pytest.raises(NotImplementedError):
        s.get_lr()


def test_non_finite_metrics_do_not_raise() -> None:
    s = ReduceLROnPlateau(make_optimizer([0.1]), patience=0)
    for metric in [math.nan, math.inf, -math.inf, math.nan, np.float64("nan")]:
        s.step(metric)
    assert s.best == -math.inf
    assert s.get_last_lr()[0] < 0.1


def test_negative_metrics_follow_pytorch_by_default_and_the_fix_on_request(torch: Any) -> None:
    metrics = [-1.0, -0.99995, -0.9999, -0.9998, -0.9997, -0.9996]
    p = torch.nn.Parameter(torch.zeros(2))
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD([p], lr=1.0), patience=1, threshold=1e-3)
    ours = ReduceLROnPlateau(make_optimizer([1.0]), patience=1, threshold=1e-3)
    fixed = ReduceLROnPlateau(make_optimizer([1.0]), patience=1, threshold=1e-3, sign_aware_threshold=True)
    for m in metrics:
        theirs.step(m)
        ours.step(m)
        fixed.step(m)
    assert ours.get_last_lr() == theirs.get_last_lr() == [1.0]  # pytorch/pytorch#38622
    assert ours.best == theirs.best == -0.9996
    assert fixed.get_last_lr() == [1.0 * 0.1 * 0.1] and fixed.best == -1.0  # reduced twice
    assert "sign_aware_threshold" not in ours.state_dict()
    assert fixed.state_dict()["sign_aware_threshold"] is True


def test_state_dict_pickle_round_trip_and_keys(torch: Any) -> None:
    s = ReduceLROnPlateau(make_optimizer([0.1, 0.05]), mode="max", patience=2, min_lr=1e-3, cooldown=1)
    for m in [1.0, 2.0, 2.0, 2.0, 2.0, 1.5]:
        s.step(m)
    state = pickle.loads(pickle.dumps(s.state_dict()))
    p = torch.nn.Parameter(torch.zeros(2))
    assert set(state) == set(torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD([p], lr=0.1)).state_dict())
    other = ReduceLROnPlateau(make_optimizer([0.1, 0.05]))
    with pytest.warns(ScheduleDriftWarning):  # built with other hyperparameters: the resume check says so
        other.load_state_dict(state)
    assert other.state_dict() == state
    assert other.mode_worse == -math.inf  # recomputed from mode, as PyTorch does


def test_bad_loaded_state_changes_nothing() -> None:
    s = ReduceLROnPlateau(make_optimizer([0.1]))
    with pytest.raises(ValueError, match="mode sideways is unknown!"):
        s.load_state_dict({"mode": "sideways", "patience": 3})
    assert s.patience == 10


def test_deprecated_epoch_warns_and_sets_last_epoch() -> None:
    s = ReduceLROnPlateau(make_optimizer([0.1]))
    with pytest.warns(UserWarning, match="epoch parameter"):
        s.step(1.0, 7)
    assert s.last_epoch == 7


def test_drives_a_torch_optimizer_like_pytorch(torch: Any) -> None:
    metrics = [3.0, 2.0, 2.0, 2.1, 2.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 0.5]
    p = torch.nn.Parameter(torch.zeros(2))
    q = torch.nn.Parameter(torch.zeros(2))
    theirs_opt = torch.optim.Adam([p], lr=0.1)
    ours_opt = torch.optim.Adam([q], lr=0.1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, patience=1, factor=0.5, cooldown=1)
    ours = ReduceLROnPlateau(ours_opt, patience=1, factor=0.5, cooldown=1)
    for m in metrics:
        theirs.step(torch.tensor(m))
        ours.step(torch.tensor(m))
        assert ours_opt.param_groups[0]["lr"] == theirs_opt.param_groups[0]["lr"]
        assert ours.num_bad_epochs == theirs.num_bad_epochs and ours.cooldown_counter == theirs.cooldown_counter


def test_swiftlr_parameter_smoke() -> None:
    w = swiftlr.Parameter(np.ones(2))
    opt = swiftlr.optim.SGD([w], lr=0.5)
    s = ReduceLROnPlateau(opt, patience=0)
    s.step(1.0)
    s.step(2.0)
    assert opt.param_groups[0]["lr"] == 0.05


# MARK: param groups added after construction (pytorch/pytorch#104361)


def _play_add_group(make_opt: Any, cls: Any, min_lr: Any, extend: bool, metrics: list[float]) -> list[Any]:
    """Steps `metrics`, adding a param group (lr 0.05) before the 5th; returns each
    step's lrs, or the exception a step raised, with the counters after it."""
    opt = make_opt()
    s = cls(opt, patience=1, cooldown=1, min_lr=min_lr)
    trace: list[Any] = []
    for k, metric in enumerate(metrics):
        if k == 4:
            opt.add_param_group({"params": [make_opt.param()], "lr": 0.05})
            if extend:
                s.min_lrs.append(1e-3)
        try:
            s.step(metric)
        except RuntimeError as error:
            trace.append(("raised", str(error)))
            break
        trace.append([float(g["lr"]) for g in opt.param_groups] + [float(x) for x in s.get_last_lr()])
    trace.append((list(s.min_lrs), s.default_min_lr, type(s.default_min_lr).__name__))
    return trace


@pytest.mark.parametrize("min_lr,extend", [(0, False), (0.002, False), ([1e-4, 0.02], True), ([1e-4, 0.02], False)])
def test_add_param_group_matches_pytorch(torch: Any, min_lr: Any, extend: bool) -> None:
    metrics = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 0.2, 0.3, 0.4, 0.5]

    def make_opt() -> Any:
        return torch.optim.SGD([{"params": [make_opt.param()], "lr": 0.1}, {"params": [make_opt.param()]}], lr=0.3)

    make_opt.param = lambda: torch.nn.Parameter(torch.zeros(2))  # type: ignore[attr-defined]
    theirs = _play_add_group(make_opt, torch.optim.lr_scheduler.ReduceLROnPlateau, min_lr, extend, metrics)
    ours = _play_add_group(make_opt, ReduceLROnPlateau, min_lr, extend, metrics)
    assert ours == theirs
    assert any(isinstance(t, tuple) and t[0] == "raised" for t in ours) == (isinstance(min_lr, list) and not extend)


def test_add_param_group_without_torch() -> None:
    def make_opt() -> Any:
        return make_optimizer([0.1, 0.3])

    make_opt.param = lambda: swiftlr.Parameter(np.zeros(3))  # type: ignore[attr-defined]
    metrics = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    scalar = _play_add_group(make_opt, ReduceLROnPlateau, 1e-4, False, metrics)
    # The reduction after the new group scales all three groups and extends min_lrs.
    assert scalar[-2][:3] == [lr * 0.1 for lr in scalar[-3][:3]]
    assert scalar[-1] == ([1e-4, 1e-4, 1e-4], 1e-4, "float")
    short = _play_add_group(make_opt, ReduceLROnPlateau, [0.0, 0.0], False, metrics)
    assert short[-2][0] == "raised" and "The number of param groups in the `optimizer` (3)" in short[-2][1]
    assert short[-1] == ([0.0, 0.0], None, "NoneType")


def test_add_param_group_error_changes_nothing() -> None:
    opt = make_optimizer([0.1, 0.3])
    s = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    s.step(1.0)
    opt.add_param_group({"params": [swiftlr.Parameter(np.zeros(3))], "lr": 0.05})
    before = (s.state_dict(), [g["lr"] for g in opt.param_groups])
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau` was initialized"):
        s.step(2.0)
    assert (s.state_dict(), [g["lr"] for g in opt.param_groups]) == before


def test_min_lrs_keep_the_given_values() -> None:
    s = ReduceLROnPlateau(make_optimizer([0.1, 0.05]))
    assert s.default_min_lr == 0 and type(s.default_min_lr) is int and s.min_lrs == [0, 0]
    assert s.min_lrs is s.min_lrs  # one list, which a user may extend
    s.min_lrs = [0.02, 0.03]  # the floors the next reduction uses
    assert s.state_dict()["min_lrs"] == [0.02, 0.03]
    for _ in range(13):
        s.step(1.0)
    assert s.get_last_lr() == [0.02, 0.03]
