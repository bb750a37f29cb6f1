"""swiftlr.optim.Optimizer: param groups and checkpoints, as torch.optim.Optimizer."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim


def params(n: int = 2) -> list[swiftlr.Parameter]:
    return [swiftlr.Parameter(np.zeros(3)) for _ in range(n)]


def test_groups_get_defaults() -> None:
    a, b = params()
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[0]["momentum"] == 0.9
    assert opt.defaults["lr"] == 0.1


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
        (lambda: optim.SGD(swiftlr.Parameter(np.zeros(1)), lr=0.1), TypeError, "should be an iterable"),
        (
            lambda: optim.SGD([np.zeros(2)], lr=0.1),
            TypeError,
            "optimizer can only optimize swiftlr.Parameter objects, but one of the params is ndarray",
        ),
        (lambda: optim.SGD([{"params": {swiftlr.Parameter(np.zeros(1))}}], lr=0.1), TypeError, "ordered collections"),
    ],
)
def test_construction_errors(make: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_add_param_group_checks() -> None:
    a, b = params()
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lr must be a number"):
        opt.add_param_group({"params": [b], "lr": "fast"})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [b], "lr": 0.2})
    assert len(opt.param_groups) == 2


def test_zero_grad() -> None:
    a, b = params()
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = np.ones(3)
    b.grad = np.ones(3)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and not a.grad.any()
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_state_dict_layout_and_round_trip() -> None:
    a, b = params()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad = np.ones(3)
    opt.step()
    state = opt.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert list(state["state"]) == [0]
    assert state["param_groups"][1]["params"] == [1]
    assert state["param_groups"][0]["momentum"] == 0.9
    restored = pickle.loads(pickle.dumps(state))
    copy.deepcopy(state)
    a2, b2 = params()
    opt2 = optim.SGD([{"params": [a2]}, {"params": [b2]}], lr=0.1)
    opt2.load_state_dict(restored)
    assert opt2.param_groups[1]["lr"] == 0.5
    np.testing.assert_array_equal(opt2.state[a2]["momentum_buffer"], opt.state[a]["momentum_buffer"])
    # The loaded buffer is a copy: stepping the new optimizer leaves the checkpoint alone.
    assert opt2.state[a2]["momentum_buffer"] is not restored["state"][0]["momentum_buffer"]


def test_load_state_dict_rejects_mismatches_and_changes_nothing() -> None:
    a, b = params()
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    before = copy.deepcopy(opt.param_groups[0]["lr"])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0], "lr": 1.0}]})
    bad = opt.state_dict()
    bad["state"] = {0: {"momentum_buffer": np.zeros(7)}}
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="state_dict must be a dict"):
        opt.load_state_dict([1, 2])  # type: ignore[arg-type]
    assert opt.param_groups[0]["lr"] == before and not opt.state


def test_loads_a_pytorch_optimizer_state(torch: Any) -> None:
    w = torch.nn.Parameter(torch.zeros(3))
    topt = torch.optim.SGD([w], lr=0.3, momentum=0.9)
    w.grad = torch.ones(3)
    topt.step()
    p = swiftlr.Parameter(np.zeros(3, dtype=np.float32))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict(topt.state_dict())
    assert opt.param_groups[0]["lr"] == 0.3
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], np.ones(3, dtype=np.float32))


# MARK: copies and pickles (issue 19): PyTorch's rule, only defaults, state and groups travel


def stepped_with_scheduler() -> tuple[optim.SGD, Any, swiftlr.Parameter]:
    w = swiftlr.Parameter(np.ones(3))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)  # wraps opt.step
    w.grad = np.ones(3)
    opt.step()
    sched.step()
    return opt, sched, w


def test_an_optimizer_pickles_after_a_scheduler_was_attached() -> None:
    opt, _, w = stepped_with_scheduler()
    clone = pickle.loads(pickle.dumps(opt))
    assert set(vars(clone)) == {"defaults", "state", "param_groups"}  # no wrapped step, no _opt_called
    (p,) = clone.param_groups[0]["params"]
    np.testing.assert_array_equal(p.data, w.data)
    np.testing.assert_array_equal(clone.state[p]["momentum_buffer"], opt.state[w]["momentum_buffer"])
    assert clone.param_groups[0]["lr"] == 0.05


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_steps_itself_and_outlives_its_original(how: str) -> None:
    opt, _, w = stepped_with_scheduler()
    clone = copy.deepcopy(opt) if how == "deepcopy" else pickle.loads(pickle.dumps(opt))
    before = w.data.copy()
    del opt
    (p,) = clone.param_groups[0]["params"]
    p.grad = np.ones(3)
    clone.step()
    np.testing.assert_array_equal(w.data, before)  # the original's parameter is untouched
    assert not np.array_equal(p.data, before)


# MARK: named parameters (PyTorch 2.15's named_parameters() input)


def test_named_parameters_are_kept_in_param_names() -> None:
    a, b = params()
    opt = optim.SGD([("layer.weight", a), ("layer.bias", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": params(1)})
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("a", a), b], lr=0.1)
    assert len(opt.param_groups) == 1


def test_loading_a_state_without_names_keeps_the_names() -> None:
    a, b = params()
    named = optim.SGD([("a", a), ("b", b)], lr=0.1)
    plain = optim.SGD(params(), lr=0.3)
    named.load_state_dict(plain.state_dict())
    assert named.param_groups[0]["param_names"] == ["a", "b"] and named.param_groups[0]["lr"] == 0.3
    renamed = optim.SGD([("c", a), ("d", b)], lr=0.1).state_dict()
    named.load_state_dict(renamed)
    assert named.param_groups[0]["param_names"] == ["c", "d"]


def test_named_parameters_as_torch_takes_them(torch: Any) -> None:
    model = torch.nn.Linear(2, 1)
    topt = torch.optim.SGD(model.named_parameters(), lr=0.1)
    arrays = {name: swiftlr.Parameter(t.detach().numpy().copy()) for name, t in model.named_parameters()}
    opt = optim.SGD(arrays.items(), lr=0.1)
    t_groups, s_groups = topt.state_dict()["param_groups"], opt.state_dict()["param_groups"]
    assert s_groups == t_groups


def test_a_set_of_parameters_warns_as_torch() -> None:
    (a,) = params(1)
    with pytest.warns(FutureWarning, match="This will be an error in a future release"):
        opt = optim.SGD({a}, lr=0.1)
    assert opt.param_groups[0]["params"] == [a]
