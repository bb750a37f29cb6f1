"""``swiftlr.optim._cyclic``: CyclicLR and OneCycleLR against PyTorch's,
including momentum and Adam's beta1 cycling on live torch optimizers."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import lr_scheduler as ours_module


def torch_params(torch: Any, n: int) -> list[Any]:
    return [torch.nn.Parameter(torch.full((2,), float(i + 1), dtype=torch.float64)) for i in range(n)]


def run_pair(torch: Any, name: str, make_opt: Any, steps: int, **kwargs: Any) -> None:
    """The same scheduler from torch and swiftlr, each on its own torch optimizer:
    lrs and every param-group key they touch must be equal after every step."""
    theirs_opt, ours_opt = make_opt(), make_opt()
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    ours = getattr(ours_module, name)(ours_opt, **kwargs)
    for k in range(steps + 1):
        for a, b in zip(theirs_opt.param_groups, ours_opt.param_groups):
            assert {key: v for key, v in a.items() if key != "params"} == {
                key: v for key, v in b.items() if key != "params"
            }, (name, k)
        assert ours.get_last_lr() == theirs.get_last_lr()
        if k < steps:
            theirs_opt.step()
            ours_opt.step()
            theirs.step()
            ours.step()
    assert set(ours.state_dict()) == set(theirs.state_dict())


def adam(torch: Any, groups: int = 2) -> Any:
    return lambda: torch.optim.Adam(
        [{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(torch_params(torch, groups))], betas=(0.9, 0.99)
    )


def sgd(torch: Any, groups: int = 2) -> Any:
    return lambda: torch.optim.SGD(
        [{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(torch_params(torch, groups))], momentum=0.9
    )


# MARK: CyclicLR


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_cycles_adam_betas_live(torch: Any, mode: str) -> None:
    run_pair(
        torch,
        "CyclicLR",
        adam(torch),
        60,
        base_lr=[0.001, 0.002],
        max_lr=0.1,
        step_size_up=5,
        step_size_down=7,
        mode=mode,
        gamma=0.99,
        base_momentum=[0.8, 0.7],
        max_momentum=0.95,
    )


def test_cyclic_lr_without_cycling_leaves_momentum_alone(torch: Any) -> None:
    run_pair(torch, "CyclicLR", sgd(torch), 30, base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False)


def test_cyclic_lr_errors_match_pytorch(torch: Any) -> None:
    p = torch_params(torch, 1)
    rprop = lambda: torch.optim.Rprop(p, lr=0.1)  # noqa: E731  (no momentum, no betas)
    for kwargs in [{}, {"mode": "sawtooth"}, {"base_lr": [0.1, 0.2]}]:
        args = {"base_lr": 0.01, "max_lr": 0.1, **kwargs}
        with pytest.raises(ValueError) as theirs:
            torch.optim.lr_scheduler.CyclicLR(rprop(), **args)
        with pytest.raises(ValueError) as ours:
            ours_module.CyclicLR(rprop(), **args)
        assert str(ours.value) == str(theirs.value)


def test_cyclic_lr_rejects_a_zero_rise() -> None:
    with pytest.raises(ValueError, match="step_size_up must be positive"):
        ours_module.CyclicLR(make_optimizer(), 0.01, 0.1, step_size_up=0)


class Halving:
    """A callable scale policy with state, as PyTorch saves it (its ``__dict__``)."""

    def __init__(self) -> None:
        self.base = 0.5

    def __call__(self, x: float) -> float:
        return self.base ** (x - 1)


def test_cyclic_lr_scale_fn_and_state_dict(torch: Any) -> None:
    run_pair(
        torch,
        "CyclicLR",
        sgd(torch),
        40,
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=3,
        scale_fn=Halving(),
        scale_mode="cycle",
    )
    run_pair(
        torch,
        "CyclicLR",
        sgd(torch),
        40,
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=3,
        scale_fn=lambda x: 0.99**x,
        scale_mode="iterations",
    )
    opt = make_optimizer(momentum=0.9)
    s = ours_module.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=Halving())
    opt.step()
    s.step()
    state = pickle.loads(pickle.dumps(s.state_dict()))
    assert state["_scale_fn_custom"] == {"base": 0.5}
    state["_scale_fn_custom"] = {"base": 0.25}
    s.load_state_dict(state)
    assert s._scale_fn_custom.base == 0.25
    lam = ours_module.CyclicLR(make_optimizer(momentum=0.9), 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert lam.state_dict()["_scale_fn_custom"] is None


# MARK: OneCycleLR


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_cycles_adam_betas_live(torch: Any, three_phase: bool, anneal: str) -> None:
    run_pair(
        torch,
        "OneCycleLR",
        adam(torch),
        50,
        max_lr=[0.1, 0.3],
        total_steps=50,
        pct_start=0.25,
        anneal_strategy=anneal,
        three_phase=three_phase,
        base_momentum=0.8,
        max_momentum=[0.95, 0.9],
    )


def test_one_cycle_sets_group_keys_and_epochs(torch: Any) -> None:
    run_pair(torch, "OneCycleLR", sgd(torch), 30, max_lr=0.1, epochs=3, steps_per_epoch=10)
    opt = make_optimizer([0.1], momentum=0.9)
    ours_module.OneCycleLR(opt, max_lr=1.0, total_steps=10, div_factor=10, final_div_factor=100)
    group = opt.param_groups[0]
    assert (group["initial_lr"], group["max_lr"], group["min_lr"]) == (0.1, 1.0, 0.1 / 100)
    assert (group["momentum"], group["max_momentum"], group["base_momentum"]) == (0.95, 0.95, 0.85)


def test_one_cycle_reads_the_group_values_each_step() -> None:
    opt = make_optimizer([0.1], momentum=0.9)
    s = ours_module.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear", pct_start=0.5)
    opt.param_groups[0]["max_lr"] = 2.0  # PyTorch reads group["max_lr"] at every step
    for _ in range(4):
        opt.step()
        s.step()
    assert s.get_last_lr() == [2.0]


def test_one_cycle_past_the_end_raises_pytorchs_error(torch: Any) -> None:
    p = torch_params(torch, 1)
    theirs_opt, ours_opt = torch.optim.SGD(p, lr=0.1), make_optimizer(momentum=0.9)
    theirs = torch.optim.lr_scheduler.OneCycleLR(theirs_opt, max_lr=0.1, total_steps=3)
    ours = ours_module.OneCycleLR(ours_opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        theirs_opt.step()
        ours_opt.step()
        theirs.step()
        ours.step()
    with pytest.raises(ValueError) as a:
        theirs.step()
    with pytest.raises(ValueError) as b:
        ours.step()
    assert str(a.value) == str(b.value) == "Tried to step 4 times. The specified number of total steps is 3"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"total_steps": 0},
        {"total_steps": 10.0},
        {"epochs": 0, "steps_per_epoch": 3},
        {"epochs": 2, "steps_per_epoch": -1},
        {"total_steps": 5, "pct_start": 1},
        {"total_steps": 5, "pct_start": 1.5},
        {"total_steps": 5, "anneal_strategy": "step"},
        {"total_steps": 5, "max_lr": [0.1, 0.2]},
    ],
)
def test_one_cycle_errors_match_pytorch(torch: Any, kwargs: dict[str, Any]) -> None:
    args = {"max_lr": 0.1, **kwargs}
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD(torch_params(torch, 1), lr=0.1), **args)
    with pytest.raises(ValueError) as ours:
        ours_module.OneCycleLR(make_optimizer([0.1]), **args)
    assert str(ours.value) == str(theirs.value)


def test_one_cycle_without_momentum_support(torch: Any) -> None:
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        ours_module.OneCycleLR(torch.optim.Rprop(torch_params(torch, 1), lr=0.1), max_lr=0.1, total_steps=5)


def test_one_cycle_state_dict_round_trip() -> None:
    opt = make_optimizer([0.1], momentum=0.9)
    s = ours_module.OneCycleLR(opt, max_lr=0.1, total_steps=20, three_phase=True)
    for _ in range(5):
        opt.step()
        s.step()
    state = pickle.loads(pickle.dumps(s.state_dict()))
    assert [p["end_step"] for p in state["_schedule_phases"]] == [5.0, 10.0, 19.0]
    other = ours_module.OneCycleLR(make_optimizer([0.1], momentum=0.9), max_lr=0.1, total_steps=20)
    other.optimizer.load_state_dict(opt.state_dict())  # the optimizer's state first, as a resume loads it
    other.load_state_dict(state)
    assert other._schedule_phases == state["_schedule_phases"] and other.last_epoch == 5
