"""The user-function schedulers of ``_lambda`` (LambdaLR, MultiplicativeLR):
per-group functions and PyTorch's errors, the epoch the functions see,
failures that change nothing, PyTorch's state dicts (functions dropped,
callable objects' ``__dict__`` kept), live against torch."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim.lr_scheduler import LambdaLR, MultiplicativeLR

CLASSES = [LambdaLR, MultiplicativeLR]


class Decay:
    """A callable object: its ``__dict__`` goes into state dicts."""

    def __init__(self, base: float) -> None:
        self.base = base

    def __call__(self, epoch: int) -> float:
        return self.base**epoch


@pytest.mark.parametrize("cls", CLASSES)
def test_length_mismatch_uses_pytorch_wording(cls: type, torch: Any) -> None:
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 1$"):
        cls(make_optimizer([0.1, 0.2]), lr_lambda=[lambda e: 1.0])
    t_opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))]}] * 1, lr=0.1)
    with pytest.raises(ValueError, match="^Expected 1 lr_lambdas, but got 2$"):
        getattr(torch.optim.lr_scheduler, cls.__name__)(t_opt, lr_lambda=(abs, abs))


def test_multiplicative_requires_callables() -> None:
    with pytest.raises(TypeError, match="^lr_lambda should be a function, but got int$"):
        MultiplicativeLR(make_optimizer([0.1]), lr_lambda=3)  # type: ignore[arg-type]


def test_functions_see_the_epoch_the_step_goes_to() -> None:
    seen: list[int] = []
    opt = make_optimizer([0.1])
    s = LambdaLR(opt, lr_lambda=lambda e: seen.append(e) or 1.0)
    opt.step()
    s.step()
    with pytest.warns(UserWarning, match="The epoch parameter"):
        s.step(7)
    assert seen == [0, 1, 7] and s.last_epoch == 7

    seen.clear()
    m = MultiplicativeLR(make_optimizer([0.1]), lr_lambda=lambda e: seen.append(e) or 0.5)
    assert seen == []  # PyTorch does not call it on the initial step
    m.optimizer.step()
    m.step()
    assert seen == [1] and m.get_last_lr() == [0.05]


@pytest.mark.parametrize("cls", CLASSES)
def test_a_failing_function_propagates_and_changes_nothing(cls: type) -> None:
    class Boom(Exception):
        pass

    def fn(epoch: int) -> float:
        if epoch == 2:
            raise Boom("no")
        return 0.5

    opt = make_optimizer([0.1])
    s = cls(opt, lr_lambda=fn)
    opt.step()
    s.step()
    before = (s.state_dict(), [g["lr"] for g in opt.param_groups])
    with pytest.raises(Boom, match="no"):
        s.step()
    assert (s.state_dict(), [g["lr"] for g in opt.param_groups]) == before


@pytest.mark.parametrize("cls", CLASSES)
def test_state_dict_like_pytorch(cls: type, torch: Any) -> None:
    fns = [lambda e: 0.9**e, Decay(0.8)]
    opt = make_optimizer([0.1, 0.2])
    s = cls(opt, lr_lambda=fns)
    for _ in range(3):
        opt.step()
        s.step()
    state = pickle.loads(pickle.dumps(s.state_dict()))
    assert state["lr_lambdas"] == [None, {"base": 0.8}]
    other_opt = make_optimizer([0.1, 0.2])
    other = cls(other_opt, lr_lambda=[lambda e: 0.9**e, Decay(0.5)])
    other_opt.load_state_dict(opt.state_dict())  # the optimizer's state first, as a resume loads it
    other.load_state_dict(state)
    assert other.lr_lambdas[1].base == 0.8 and "lr_lambdas" in state
    assert other.last_epoch == 3 and other.get_last_lr() == s.get_last_lr()

    t_opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.1, 0.2)])
    theirs = getattr(torch.optim.lr_scheduler, cls.__name__)(t_opt, lr_lambda=[lambda e: 0.9**e, Decay(0.5)])
    assert set(theirs.state_dict()) == set(state)
    theirs.load_state_dict(state)
    assert theirs.lr_lambdas[1].base == 0.8


@pytest.mark.parametrize("cls", CLASSES)
def test_get_lr_calls_the_functions_at_last_epoch(cls: type, torch: Any) -> None:
    opt = make_optimizer([0.1])
    s = cls(opt, lr_lambda=lambda e: 1.0 / (e + 2))
    t_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    t = getattr(torch.optim.lr_scheduler, cls.__name__)(t_opt, lr_lambda=lambda e: 1.0 / (e + 2))
    for _ in range(3):
        opt.step(), t_opt.step()
        s.step(), t.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        mine = s.get_lr()
    with pytest.warns(UserWarning, match="get_last_lr"):
        assert mine == t.get_lr()
    assert s.get_last_lr() == t.get_last_lr()  # get_lr changed nothing
