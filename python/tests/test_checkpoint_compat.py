"""``swiftlr.optim._checkpoint_compat``: PyTorch's private attributes of
CyclicLR and OneCycleLR, and checkpoints from older PyTorch versions."""

from __future__ import annotations

import pickle
import types
import warnings
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr import ScheduleDriftWarning
from swiftlr.optim.lr_scheduler import CyclicLR, OneCycleLR


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_scale_fn_ref_is_the_mode_policy_and_never_saved(mode: str) -> None:
    s = CyclicLR(make_optimizer([0.1]), base_lr=0.1, max_lr=1.0, mode=mode, gamma=0.9)
    for x in [0, 1, 2.5, 7]:
        assert s._scale_fn_ref(x) == s.scale_fn(x)
    state = s.state_dict()
    assert "_scale_fn_ref" not in state and state["_scale_fn_custom"] is None
    pickle.dumps(state)
    restored = CyclicLR(make_optimizer([0.1]), base_lr=0.1, max_lr=1.0)
    with pytest.warns(ScheduleDriftWarning):  # built with another mode and gamma: swiftlr's resume check says so
        restored.load_state_dict(state)
    assert restored.mode == mode and restored._scale_fn_ref(3) == s._scale_fn_ref(3)
    if mode != "exp_range":
        assert isinstance(s._scale_fn_ref, types.FunctionType)


def test_annealing_functions_match_pytorch(torch: Any) -> None:
    theirs = torch.optim.lr_scheduler.OneCycleLR
    for start, end, pct in [(25.0, 0.5, 1 / 7), (1.0, 22.0, 0.3), (0.1, 0.1, 0.0), (3.0, 1e-4, 1.0)]:
        assert OneCycleLR._annealing_cos(start, end, pct) == theirs._annealing_cos(start, end, pct)
        assert OneCycleLR._annealing_linear(start, end, pct) == theirs._annealing_linear(start, end, pct)


def _one_cycle(strategy: str = "cos") -> OneCycleLR:
    return OneCycleLR(make_optimizer([0.1, 0.2]), max_lr=25, total_steps=10, anneal_strategy=strategy)


def _lrs(s: OneCycleLR, steps: int = 9) -> list[list[float]]:
    out = []
    for _ in range(steps):
        s.optimizer.step()
        s.step()
        out.append(s.get_last_lr())
    return out


@pytest.mark.parametrize(
    "built,legacy", [("cos", "_annealing_cos"), ("cos", "_annealing_linear"), ("linear", "_annealing_cos")]
)
def test_pre_2_2_checkpoint_anneals_with_its_function(built: str, legacy: str) -> None:
    s = _one_cycle(built)
    del s._anneal_func_type  # a scheduler from before PyTorch 2.2
    assert not hasattr(s, "_anneal_func_type")
    with pytest.raises(AttributeError):
        del s._anneal_func_type
    state = s.state_dict()
    assert "_anneal_func_type" not in state
    state["anneal_func"] = getattr(OneCycleLR, legacy)
    s.load_state_dict(state)
    expected = _lrs(_one_cycle("cos" if legacy == "_annealing_cos" else "linear"))
    assert _lrs(s) == expected
    assert s.state_dict()["anneal_func"] is getattr(OneCycleLR, legacy)


def test_anneal_func_type_takes_precedence_over_anneal_func() -> None:
    # As in PyTorch: a scheduler that has _anneal_func_type ignores a loaded anneal_func.
    s = _one_cycle("linear")
    state = s.state_dict()
    state["anneal_func"] = OneCycleLR._annealing_cos
    s.load_state_dict(state)
    assert s._anneal_func_type == "linear"
    assert _lrs(s) == _lrs(_one_cycle("linear"))


def test_unknown_anneal_func_changes_nothing() -> None:
    s = _one_cycle()
    del s._anneal_func_type
    state = s.state_dict()
    state["anneal_func"] = lambda start, end, pct: start
    state["total_steps"] = 20
    with pytest.raises(ValueError, match="anneal_func"):
        s.load_state_dict(state)
    assert s.total_steps == 10 and "anneal_func" not in s.__dict__


@pytest.mark.parametrize(
    "cls,kwargs", [(CyclicLR, {"base_lr": 0.1, "max_lr": 1.0}), (OneCycleLR, {"max_lr": 1.0, "total_steps": 9})]
)
def test_state_with_cycled_momentum_loads_into_one_without(cls: Any, kwargs: dict[str, Any]) -> None:
    saved = cls(make_optimizer([0.1], momentum=0.9), **kwargs).state_dict()
    assert "use_beta1" in saved
    s = cls(make_optimizer([0.1], momentum=0.9), cycle_momentum=False, **kwargs)
    if cls is OneCycleLR:
        # The core then needs the momenta OneCycleLR writes into the groups, which were never set.
        with pytest.raises(ValueError):
            s.load_state_dict(saved)
        return
    with pytest.warns(ScheduleDriftWarning, match="cycle_momentum is True in the loaded state but False"):
        s.load_state_dict(saved)
    assert s.use_beta1 is False and s.cycle_momentum is True


def _t_cur_trace(module: Any, optimizer: Any, t_mult: int, epochs: list[Any]) -> list[Any]:
    s = module.CosineAnnealingWarmRestarts(optimizer, T_0=4, T_mult=t_mult)
    trace = [(s.T_cur, type(s.T_cur))]
    for epoch in epochs:
        s.step(epoch)
        trace.append((s.T_cur, type(s.T_cur)))
    restored = module.CosineAnnealingWarmRestarts(optimizer, T_0=4, T_mult=t_mult)
    for group, lr in zip(optimizer.param_groups, s.get_last_lr()):
        group["lr"] = lr  # the optimizer's state, as a resume loads it first
    restored.load_state_dict(s.state_dict())
    return [*trace, type(s.state_dict()["T_cur"]), type(restored.T_cur)]


@pytest.mark.parametrize("t_mult", [1, 2])
@pytest.mark.parametrize(
    "epochs", [[None] * 5, [None, 3, None, 7, None], [None, 2.5, None], [None, 12, None, 30, None]]
)
def test_warm_restarts_t_cur_has_pytorch_type(torch: Any, t_mult: int, epochs: list[Any]) -> None:
    from swiftlr.optim import lr_scheduler

    def optimizer() -> Any:
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's step(epoch) deprecation warning
        theirs = _t_cur_trace(torch.optim.lr_scheduler, optimizer(), t_mult, epochs)
        ours = _t_cur_trace(lr_scheduler, optimizer(), t_mult, epochs)
    assert ours == theirs


def test_warm_restarts_t_cur_type_without_torch() -> None:
    from swiftlr.optim import lr_scheduler

    ints = _t_cur_trace(lr_scheduler, make_optimizer([0.1]), 1, [None, 3, None])
    assert all(t is int for _, t in ints[:-2]) and ints[-2:] == [int, int]
    floats = _t_cur_trace(lr_scheduler, make_optimizer([0.1]), 1, [None, 2.5, None])
    assert floats[-3][1] is float and floats[-2:] == [float, float]


def test_warm_restarts_t_cur_of_a_numpy_epoch_is_an_integer() -> None:
    """PyTorch keeps ``np.int64(e) % T_0`` an integer (found by the oracle: swiftlr made it a float)."""
    np = pytest.importorskip("numpy")
    from swiftlr.optim import lr_scheduler

    s = lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer([0.1]), T_0=3)
    s.step(np.int64(5))
    assert s.T_cur == 2 and isinstance(s.T_cur, int) and isinstance(s.state_dict()["T_cur"], int)
