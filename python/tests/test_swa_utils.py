"""``swiftlr.optim.swa_utils``: SWALR against PyTorch's."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr import ScheduleDriftWarning
from swiftlr.optim import swa_utils


def test_exported() -> None:
    from swiftlr import optim

    assert optim.swa_utils.SWALR is swa_utils.SWALR


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": [0.1, 0.2, 0.3]},
        {"swa_lr": 0.1, "anneal_strategy": "exp"},
        {"swa_lr": 0.1, "anneal_epochs": -1},
        {"swa_lr": 0.1, "anneal_epochs": 2.5},
    ],
)
def test_errors_match_pytorch(torch: Any, kwargs: dict[str, Any]) -> None:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [p]} for p in params], lr=0.1)
    with pytest.raises(ValueError) as theirs:
        torch.optim.swa_utils.SWALR(opt, **kwargs)
    with pytest.raises(ValueError) as ours:
        swa_utils.SWALR(make_optimizer([0.1, 0.05]), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 7])
def test_follows_another_scheduler_on_a_torch_optimizer_live(torch: Any, strategy: str, anneal_epochs: int) -> None:
    """SWA late in training: StepLR first, then SWALR from the lrs it left, swa_lr changed midway."""

    def make() -> Any:
        params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
        return torch.optim.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.3}], lr=0.1)

    theirs_opt, ours_opt = make(), make()
    for opt in (theirs_opt, ours_opt):
        decay = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        for _ in range(7):
            opt.step()
            decay.step()
    theirs = torch.optim.swa_utils.SWALR(
        theirs_opt, swa_lr=[0.01, 0.02], anneal_epochs=anneal_epochs, anneal_strategy=strategy
    )
    ours = swa_utils.SWALR(ours_opt, swa_lr=[0.01, 0.02], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    for k in range(20):
        if k == 10:
            for opt in (theirs_opt, ours_opt):
                opt.param_groups[1]["swa_lr"] = 0.05
        theirs_opt.step()
        ours_opt.step()
        theirs.step()
        ours.step()
        assert ours.get_last_lr() == theirs.get_last_lr(), k
    assert set(ours.state_dict()) == set(theirs.state_dict())
    assert ours.anneal_func(0.5) == theirs.anneal_func(0.5)


def test_state_dict_pickle_round_trip() -> None:
    opt = make_optimizer([0.1, 0.05])
    s = swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=5, anneal_strategy="linear")
    assert [g["swa_lr"] for g in opt.param_groups] == [0.01, 0.01]
    for _ in range(3):
        opt.step()
        s.step()
    state = pickle.loads(pickle.dumps(s.state_dict()))
    assert state["_anneal_strategy"] == "linear" and state["_step_count"] == 4
    other = swa_utils.SWALR(make_optimizer([0.1, 0.05]), swa_lr=0.01)
    with pytest.warns(ScheduleDriftWarning) as caught:
        other.load_state_dict(state)
    assert any("anneal_epochs is 5 in the loaded state but 10" in str(w.message) for w in caught)
    assert other.state_dict() == state
