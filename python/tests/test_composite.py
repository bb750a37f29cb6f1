"""The composite schedulers of ``_composite`` (SequentialLR,
ChainedScheduler): PyTorch's constructor checks and wording, state dict
layout, the ``last_epoch`` behaviour of PyTorch issue #162591 and the
``fast_forward`` fix, nesting, live against torch."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import lr_scheduler as ours


def torch_optimizer(torch: Any, lrs: list[float]) -> Any:
    torch.set_default_dtype(torch.float64)
    return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])


def _error(make: Any) -> tuple[type, str]:
    with pytest.raises(Exception) as info:  # noqa: PT011
        make()
    return info.type, str(info.value)


def _both(torch: Any, build: Any) -> tuple[Any, Any]:
    """``build(module, optimizer)`` with swiftlr and with torch."""
    return build(ours, make_optimizer([1.0, 0.5])), build(torch.optim.lr_scheduler, torch_optimizer(torch, [1.0, 0.5]))


def test_constructor_errors_match_pytorch(torch: Any) -> None:
    cases = [
        lambda m, o: m.SequentialLR(o, schedulers=[], milestones=[]),
        lambda m, o: m.ChainedScheduler([]),
        lambda m, o: m.SequentialLR(o, schedulers=[m.ExponentialLR(o, 0.9)], milestones=[3]),
        lambda m, o: m.SequentialLR(o, schedulers=[object()], milestones=[]),
        lambda m, o: m.ChainedScheduler(
            [m.ExponentialLR(o, 0.9)], optimizer=type(o)([{"params": o.param_groups[0]["params"]}], lr=0.1)
        ),
    ]
    for build in cases:
        mine = _error(lambda: build(ours, make_optimizer([0.1])))
        theirs = _error(lambda: build(torch.optim.lr_scheduler, torch_optimizer(torch, [0.1])))
        assert mine[0] is theirs[0]
        # The optimizer's repr differs between the libraries; the rest of the message is PyTorch's.
        assert mine[1].split(" has ")[0] == theirs[1].split(" has ")[0]


def _steps(s: Any, n: int) -> list[list[float]]:
    out = []
    for _ in range(n):
        s.optimizer.step()
        s.step()
        out.append([float(x) for x in s.get_last_lr()])
    return out


def test_sequential_matches_pytorch_and_state_dict_layout(torch: Any) -> None:
    def build(m: Any, o: Any) -> Any:
        return m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=4), m.CosineAnnealingLR(o, T_max=9)], milestones=[5])

    mine, theirs = _both(torch, build)
    assert _steps(mine, 30) == _steps(theirs, 30)
    state = pickle.loads(pickle.dumps(mine.state_dict()))
    assert set(state) == set(theirs.state_dict()) == {"_milestones", "last_epoch", "_last_lr", "_schedulers"}
    assert isinstance(state["_schedulers"], list) and len(state["_schedulers"]) == 2
    theirs.load_state_dict(state)
    assert _steps(theirs, 5) == _steps(mine, 5)


def test_last_epoch_behaves_as_pytorch_issue_162591(torch: Any) -> None:
    def build(m: Any, o: Any, **kw: Any) -> Any:
        return m.SequentialLR(o, [m.ConstantLR(o, 0.1, total_iters=3), m.ExponentialLR(o, 0.9)], milestones=[3], **kw)

    mine = build(ours, make_optimizer([1.0]), last_epoch=4)
    theirs = build(torch.optim.lr_scheduler, torch_optimizer(torch, [1.0]), last_epoch=4)
    # PyTorch: last_epoch becomes 5 and the schedule restarts at the first scheduler's epoch 0.
    assert mine.last_epoch == theirs.last_epoch == 5
    assert mine.get_last_lr() == [float(x) for x in theirs.get_last_lr()] == [0.1]

    fixed = build(ours, make_optimizer([1.0]), last_epoch=4, fast_forward=True)
    fresh = build(ours, make_optimizer([1.0]))
    _steps(fresh, 4)
    assert fixed.last_epoch == fresh.last_epoch == 4
    assert fixed.get_last_lr() == fresh.get_last_lr() == [pytest.approx(0.9)]
    assert set(fixed.state_dict()) == set(fresh.state_dict())


def test_chained_in_sequential_and_sequential_in_chained(torch: Any) -> None:
    def build(m: Any, o: Any) -> Any:
        inner = m.ChainedScheduler([m.ExponentialLR(o, 0.9), m.StepLR(o, 2, 0.5)])
        return m.SequentialLR(o, [inner, m.PolynomialLR(o, total_iters=10)], milestones=[6])

    with pytest.warns(UserWarning, match="Detected call of"):  # PyTorch's own warning for this nesting
        mine = build(ours, make_optimizer([1.0, 0.5]))
    with pytest.warns(UserWarning, match="Detected call of"):
        theirs = build(torch.optim.lr_scheduler, torch_optimizer(torch, [1.0, 0.5]))
    assert _steps(mine, 20) == _steps(theirs, 20)

    def build2(m: Any, o: Any) -> Any:
        seq = m.SequentialLR(o, [m.ConstantLR(o, 0.5, total_iters=2), m.ExponentialLR(o, 0.8)], milestones=[4])
        return m.ChainedScheduler([m.MultiStepLR(o, [3, 9]), seq], optimizer=o)

    mine, theirs = _both(torch, build2)
    assert _steps(mine, 20) == _steps(theirs, 20)
    assert set(mine.state_dict()) == set(theirs.state_dict()) == {"_last_lr", "_schedulers"}


class _Halving(ours.LRScheduler):
    """A user's Python scheduler (``get_lr`` written by hand): state in its __dict__."""

    def get_lr(self) -> list[float]:
        return [g["lr"] * 0.5 for g in self.optimizer.param_groups]


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`")
@pytest.mark.parametrize("first", ["exponential", "cyclic", "python", "sequential"])
def test_a_failed_chained_step_changes_nothing(first: str) -> None:
    # The last scheduler raises at its third step, after the others stepped:
    # the chain's step, like each scheduler's, changes nothing then.
    optimizer = make_optimizer([1.0, 0.5])
    builds = {
        "exponential": lambda: ours.ExponentialLR(optimizer, 0.9),
        "cyclic": lambda: ours.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3),
        "python": lambda: _Halving(optimizer),
        "sequential": lambda: ours.SequentialLR(
            optimizer, [ours.ConstantLR(optimizer, 0.5, total_iters=2), ours.ExponentialLR(optimizer, 0.9)], [1]
        ),
    }
    head = builds[first]()
    tail = ours.MultiplicativeLR(optimizer, lambda epoch: 1.0 / (3 - epoch))
    chain = ours.ChainedScheduler([head, tail], optimizer=optimizer)
    chain.step()
    chain.step()

    def observed() -> str:
        groups = [dict(g) for g in optimizer.param_groups]
        return repr((groups, chain.state_dict(), chain.get_last_lr(), head.get_last_lr(), head.last_epoch))

    before = observed()
    with pytest.raises(ZeroDivisionError):
        chain.step()
    assert observed() == before
