"""The shared scheduler machinery (`_scheduler_base`): PyTorch's protocol
around every scheduler, shown on StepLR and on a user subclass."""

from __future__ import annotations

import copy
import pickle
import warnings
from typing import Any

import numpy as np
import pytest
from conftest import make_optimizer

import swiftlr
from swiftlr import ScheduleDriftWarning, optim
from swiftlr.optim.lr_scheduler import EPOCH_DEPRECATION_WARNING, LRScheduler, StepLR


def test_initial_step_and_initial_lr(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=2, gamma=0.5)
    assert s.last_epoch == 0
    assert s._step_count == 1
    assert s.base_lrs == [0.1, 0.05]
    assert [g["initial_lr"] for g in sgd.param_groups] == [0.1, 0.05]
    assert s.get_last_lr() == [0.1, 0.05]


def test_resuming_needs_initial_lr() -> None:
    opt = make_optimizer([0.1])
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        StepLR(opt, step_size=2, last_epoch=3)
    opt.param_groups[0]["initial_lr"] = 1.0
    s = StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert s.last_epoch == 4 and s.base_lrs == [1.0]
    assert s.get_last_lr() == [0.05]  # chained: epoch 4 is a multiple of 2


def test_optimizer_type_is_checked() -> None:
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        StepLR([], step_size=1)  # type: ignore[arg-type]


def test_core_errors_become_python_exceptions(sgd: optim.SGD) -> None:
    with pytest.raises(ValueError, match="step_size must be positive, got 0"):
        StepLR(sgd, step_size=0)
    with pytest.raises(TypeError, match="step_size must be an int or a float, got str"):
        StepLR(sgd, step_size="2")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        StepLR(sgd, step_size=2**70)
    with pytest.raises(TypeError, match="gamma"):
        StepLR(sgd, step_size=1, gamma="big")  # type: ignore[arg-type]


def test_warns_when_scheduler_steps_before_optimizer(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=1)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        s.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()  # only the first step is checked


def test_no_warning_in_the_right_order(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sgd.step()
        s.step()
    assert sgd._opt_called  # type: ignore[attr-defined]


def test_warns_when_optimizer_step_was_replaced(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=1)
    sgd.step = lambda closure=None: None  # type: ignore[method-assign]
    with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
        s.step()


def test_deprecated_epoch_argument_uses_closed_form(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=3, gamma=0.5)
    sgd.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        s.step(7)
    assert s.last_epoch == 7
    assert s.get_last_lr() == [0.1 * 0.5**2, 0.05 * 0.5**2]
    assert EPOCH_DEPRECATION_WARNING.startswith("The epoch parameter")


def test_get_lr_outside_step_warns_and_does_not_step(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=1, gamma=0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        lrs = s.get_lr()
    assert lrs == [0.1, 0.05] and s.last_epoch == 0
    assert s._get_closed_form_lr() == [0.1, 0.05]


def test_fields_are_properties_on_the_core(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=2, gamma=0.5)
    s.gamma = 0.25  # as PyTorch users change hyperparameters mid-run
    sgd.step()
    s.step()
    s.step()
    assert s.get_last_lr() == [0.1 * 0.25, 0.05 * 0.25]
    assert s._core_fields == StepLR._state_fields + ("base_lrs", "last_epoch")
    with pytest.raises(ValueError):
        s.step_size = -1
    assert s.step_size == 2


def test_state_dict_round_trip_through_pickle(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=3, gamma=0.5)
    sgd.step()
    for _ in range(4):
        s.step()
    state = pickle.loads(pickle.dumps(s.state_dict()))
    assert copy.deepcopy(state) == state
    assert set(state) == {
        "step_size",
        "gamma",
        "base_lrs",
        "last_epoch",
        "_step_count",
        "_is_initial",
        "_get_lr_called_within_step",
        "_last_lr",
    }
    other = StepLR(make_optimizer([0.1, 0.05]), step_size=99)
    with pytest.warns(ScheduleDriftWarning) as caught:
        other.load_state_dict(state)
    assert any("step_size is 3 in the loaded state but 99" in str(w.message) for w in caught)
    assert other.state_dict() == s.state_dict()


def test_failed_load_changes_nothing(sgd: optim.SGD) -> None:
    s = StepLR(sgd, step_size=3, gamma=0.5)
    before = s.state_dict()
    with pytest.raises(ValueError):
        s.load_state_dict({"gamma": 0.9, "step_size": 0, "_step_count": 99})
    with pytest.raises(ValueError, match="base_lrs"):
        s.load_state_dict({"base_lrs": [0.1]})
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        s.load_state_dict(None)  # type: ignore[arg-type]
    assert s.state_dict() == before


def test_python_subclass_with_get_lr(sgd: optim.SGD) -> None:
    class Halving(LRScheduler):
        def get_lr(self) -> list[float]:
            if self.last_epoch == 0:
                return [g["lr"] for g in self.optimizer.param_groups]
            return [g["lr"] * 0.5 for g in self.optimizer.param_groups]

    s = Halving(sgd)
    sgd.step()
    s.step()
    s.step()
    assert s.get_last_lr() == [0.025, 0.0125]
    assert s.state_dict()["last_epoch"] == 2


def _groups(opt: Any) -> list[dict[str, Any]]:
    return [dict(g) for g in opt.param_groups]


def test_a_constructor_that_fails_after_writing_changes_no_group() -> None:
    # The writes (initial_lr, CyclicLR's lr and momentum) come before the
    # initial step, which runs user code: SwiftScheduler.__init__ puts them back.
    opt = make_optimizer([0.1, 0.05])
    before = _groups(opt)
    with pytest.raises(ZeroDivisionError):
        optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / 0)
    assert _groups(opt) == before
    with pytest.raises(RuntimeError, match="scale"):
        optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: (_ for _ in ()).throw(RuntimeError("scale")))
    assert _groups(opt) == before


def test_a_user_subclass_that_fails_after_super_init_changes_no_group() -> None:
    class Failing(StepLR):
        def __init__(self, optimizer: Any) -> None:
            super().__init__(optimizer, step_size=2)
            raise RuntimeError("after super().__init__")

    class FailingBase(LRScheduler):
        def get_lr(self) -> list[float]:
            raise RuntimeError("get_lr")

    opt = make_optimizer([0.1, 0.05])
    before = _groups(opt)
    with pytest.raises(RuntimeError, match="after super"):
        Failing(opt)
    assert _groups(opt) == before
    with pytest.raises(RuntimeError, match="get_lr"):
        FailingBase(opt)
    assert _groups(opt) == before


def test_swiftlrs_own_constructors_copy_the_groups_once() -> None:
    # Only the constructors that write the groups restore them: one copy per construction.
    from swiftlr.optim._swift_scheduler import SwiftScheduler

    assert getattr(SwiftScheduler.__init__, "_restores_groups", False)
    assert getattr(LRScheduler.__init__, "_restores_groups", False)
    for cls in (StepLR, optim.lr_scheduler.LambdaLR, optim.lr_scheduler.CyclicLR, optim.lr_scheduler.ReduceLROnPlateau):
        assert not getattr(cls.__dict__["__init__"], "_restores_groups", False), cls


def test_drives_a_torch_optimizer(torch: Any) -> None:
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([{"params": [w], "lr": 0.1}], lr=0.1)
    ours = StepLR(opt, step_size=2, gamma=0.9)
    tw = torch.nn.Parameter(torch.zeros(2))
    topt = torch.optim.SGD([{"params": [tw], "lr": 0.1}], lr=0.1)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.9)
    for _ in range(50):
        opt.step()
        topt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"]


def test_tensor_lr_is_filled_in_place(torch: Any) -> None:
    w = torch.nn.Parameter(torch.zeros(2))
    lr = torch.tensor(0.1, dtype=torch.float64)
    opt = torch.optim.SGD([w], lr=lr)
    s = StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    s.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == 0.05


def test_state_dict_moves_between_libraries(torch: Any) -> None:
    w = torch.nn.Parameter(torch.zeros(2))
    topt = torch.optim.SGD([w], lr=0.1)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.7)
    ours = StepLR(make_optimizer([0.1]), step_size=3, gamma=0.7)
    for _ in range(5):
        topt.step()
        theirs.step()
    ours.optimizer.param_groups[0]["lr"] = topt.param_groups[0]["lr"]  # the optimizer's state first
    ours.load_state_dict(theirs.state_dict())
    for _ in range(10):
        ours.optimizer.step()
        ours.step()
    back = torch.optim.lr_scheduler.StepLR(topt, step_size=1)
    back.load_state_dict(ours.state_dict())
    topt.param_groups[0]["lr"] = ours.optimizer.param_groups[0]["lr"]
    for _ in range(10):
        topt.step()
        back.step()
        ours.optimizer.step()
        ours.step()
        assert back.get_last_lr() == ours.get_last_lr()


def test_parameters_untouched_by_scheduler() -> None:
    p = swiftlr.Parameter(np.ones(2))
    opt = optim.SGD([p], lr=0.1)
    StepLR(opt, step_size=1)
    np.testing.assert_array_equal(p.data, np.ones(2))


def test_changes_to_the_groups_between_steps_are_seen() -> None:
    """The C step reuses what it wrote last time only while a group's dict is
    unchanged: a new lr, a new max_lr, or a replaced group dict are read."""
    opt = make_optimizer([0.1])
    s = StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    s.step()
    opt.param_groups[0]["lr"] = 4.0
    s.step()
    assert s.get_last_lr() == [2.0]
    opt.param_groups[0] = dict(opt.param_groups[0], lr=8.0)
    s.step()
    assert s.get_last_lr() == [4.0] and opt.param_groups[0]["lr"] == 4.0

    def one_cycle(change_at: int | None) -> list[float]:
        o = make_optimizer([0.1], momentum=0.9)
        sched = optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=100)
        o.step()
        for k in range(10):
            if k == change_at:
                o.param_groups[0]["max_lr"] = 2.0  # PyTorch reads max_lr at every step
            sched.step()
        return list(sched.get_last_lr())

    changed, unchanged = one_cycle(5), one_cycle(None)
    assert changed[0] > unchanged[0]


def test_unchanged_step_reuses_the_float_objects() -> None:
    opt = make_optimizer([0.1, 0.2])
    s = StepLR(opt, step_size=100)
    opt.step()
    s.step()
    before = s.get_last_lr()
    lr_object = opt.param_groups[0]["lr"]
    s.step()
    assert opt.param_groups[0]["lr"] is lr_object
    assert s.get_last_lr() == before


def test_group_changes_match_pytorch(torch: Any) -> None:
    """Changing lr and max_lr in the groups mid-run: the same lrs as PyTorch."""

    def run(lib: Any, make: Any) -> list[list[float]]:
        opt = lib.SGD([{"params": [make()], "lr": 0.1}, {"params": [make()], "lr": 0.2}], lr=0.1, momentum=0.9)
        sched = lib.lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=50)
        out = []
        for k in range(40):
            opt.step()
            if k == 7:
                opt.param_groups[1]["max_lr"] = 3.0
            if k == 20:
                opt.param_groups[0]["lr"] = 9.0  # overwritten by the absolute rule, as in PyTorch
            sched.step()
            out.append([float(g["lr"]) for g in opt.param_groups] + [float(g["momentum"]) for g in opt.param_groups])
        return out

    ours = run(optim, lambda: swiftlr.Parameter(np.zeros(1)))
    theirs = run(torch.optim, lambda: torch.nn.Parameter(torch.zeros(1)))
    assert ours == theirs


# MARK: hand-written optimizers (issue 19): only `param_groups`, as SupportsParamGroups documents


class Groups:
    """An optimizer written by hand: nothing but ``param_groups``."""

    def __init__(self, lrs: list[float]) -> None:
        self.param_groups = [{"lr": lr} for lr in lrs]


class GroupsWithStep(Groups):
    def step(self) -> None:
        """Its own update; the scheduler only needs to see it was called."""


class Halving(LRScheduler):
    def get_lr(self) -> list[float]:
        return [g["lr"] * 0.5 for g in self.optimizer.param_groups]


HAND_WRITTEN_CASES = {
    "StepLR": lambda o: StepLR(o, step_size=2, gamma=0.5),
    "OneCycleLR": lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20, cycle_momentum=False),
    "ReduceLROnPlateau": lambda o: optim.lr_scheduler.ReduceLROnPlateau(o, patience=0),
    "SequentialLR": lambda o: optim.lr_scheduler.SequentialLR(
        o, [StepLR(o, 2), optim.lr_scheduler.ExponentialLR(o, 0.9)], milestones=[3]
    ),
}


def drive(make: Any, opt: Any, steps: int = 8) -> list[list[float]]:
    sched = make(opt)
    lrs = []
    for _ in range(steps):
        if hasattr(opt, "step"):
            opt.step()
        if hasattr(sched, "threshold"):  # ReduceLROnPlateau, on a metric that never improves
            sched.step(1.0)
        else:
            sched.step()
        lrs.append([float(g["lr"]) for g in opt.param_groups])
    return lrs


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN_CASES))
@pytest.mark.parametrize("kind", [Groups, GroupsWithStep])
def test_hand_written_optimizers_step_without_warnings(name: str, kind: type) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no step-order warning, no AttributeError for a missing step
        lrs = drive(HAND_WRITTEN_CASES[name], kind([0.1, 0.3]))
    assert lrs == drive(HAND_WRITTEN_CASES[name], make_optimizer([0.1, 0.3]))


def test_a_user_subclass_steps_a_hand_written_optimizer() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert drive(Halving, Groups([1.0]), 3) == [[0.25], [0.125], [0.0625]]  # the first halving at construction


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN_CASES))
def test_hand_written_optimizers_get_torchs_lrs(name: str, torch: Any) -> None:
    """The lrs torch's scheduler gives over a torch optimizer (torch refuses the hand-written one)."""
    torch_cases = {
        "StepLR": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        "OneCycleLR": lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=1.0, total_steps=20, cycle_momentum=False
        ),
        "ReduceLROnPlateau": lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0),
        "SequentialLR": lambda o: torch.optim.lr_scheduler.SequentialLR(
            o,
            [torch.optim.lr_scheduler.StepLR(o, 2), torch.optim.lr_scheduler.ExponentialLR(o, 0.9)],
            milestones=[3],
        ),
    }
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.1, 0.3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's ReduceLROnPlateau warns nothing; OneCycleLR may
        expected = drive(torch_cases[name], torch.optim.SGD(params, lr=0.1))
    assert drive(HAND_WRITTEN_CASES[name], Groups([0.1, 0.3])) == expected
