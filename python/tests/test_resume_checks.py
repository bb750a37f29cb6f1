"""``_resume_checks``: ``load_state_dict`` warns with ScheduleDriftWarning when a
loaded hyperparameter differs from the scheduler's, or the loaded ``_last_lr``
from the optimizer's lrs, naming the field and both values; an ordinary resume
(the project's pytest config turns any warning into an error) warns nothing."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import make_optimizer

import swiftlr
from swiftlr.optim import lr_scheduler as ours


def run(scheduler: Any, steps: int, metric: float | None = None) -> None:
    for _ in range(steps):
        scheduler.optimizer.step()
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)


def resume(build: Any, saved_opt: Any, saved: Any, lrs: list[float], load_optimizer: bool = True) -> Any:
    """A new run: optimizer (its state loaded first, as Lightning and transformers do), scheduler, its state."""
    opt = make_optimizer(lrs)
    scheduler = build(opt)
    if load_optimizer:
        for group, old in zip(opt.param_groups, saved_opt.param_groups):
            group.update({k: v for k, v in old.items() if k != "params"})
    scheduler.load_state_dict(pickle.loads(pickle.dumps(saved.state_dict())))
    return scheduler


BUILDS = {
    "StepLR": lambda o: ours.StepLR(o, step_size=3, gamma=0.5),
    "OneCycleLR": lambda o: ours.OneCycleLR(o, max_lr=1.0, total_steps=50),
    "CosineAnnealingLR": lambda o: ours.CosineAnnealingLR(o, T_max=20),
    "CooldownLR": lambda o: ours.CooldownLR(o, decay_steps=20),
    "SequentialLR": lambda o: ours.SequentialLR(
        o, [ours.LinearLR(o, 0.1, total_iters=3), ours.ExponentialLR(o, 0.9)], milestones=[3]
    ),
}


@pytest.mark.parametrize("name", BUILDS)
def test_an_ordinary_resume_warns_nothing(name: str) -> None:
    opt = make_optimizer([0.1, 0.05])
    scheduler = BUILDS[name](opt)
    run(scheduler, 7)
    resumed = resume(BUILDS[name], opt, scheduler, [0.1, 0.05])  # any warning fails here
    assert resumed.get_last_lr() == scheduler.get_last_lr()


def test_lrs_written_by_hand_before_saving_resume_without_warning() -> None:
    opt = make_optimizer([0.1])
    scheduler = ours.ExponentialLR(opt, gamma=0.9)
    run(scheduler, 3)
    opt.param_groups[0]["lr"] = 0.5  # the user's override, saved with the optimizer
    resumed = resume(lambda o: ours.ExponentialLR(o, gamma=0.9), opt, scheduler, [0.1])  # any warning fails here
    assert resumed.optimizer.param_groups[0]["lr"] == 0.5 and resumed.get_last_lr() == scheduler.get_last_lr()


def test_two_schedulers_chained_by_hand_resume_without_warning() -> None:
    def build(o: Any) -> tuple[Any, Any]:
        return ours.LinearLR(o, start_factor=0.5, total_iters=4), ours.ExponentialLR(o, gamma=0.9)

    opt = make_optimizer([0.1])
    first, second = build(opt)
    for _ in range(3):
        opt.step()
        first.step()
        second.step()
    assert first.get_last_lr() != [opt.param_groups[0]["lr"]]  # the second scheduler set the lrs last
    new_opt = make_optimizer([0.1])
    new_first, new_second = build(new_opt)
    new_opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"]  # the optimizer's state first
    new_first.load_state_dict(first.state_dict())  # any warning fails here
    new_second.load_state_dict(second.state_dict())
    assert new_second.get_last_lr() == second.get_last_lr()


def test_a_changed_hyperparameter_is_named_with_both_values() -> None:
    opt = make_optimizer([0.1])
    scheduler = ours.StepLR(opt, step_size=3, gamma=0.5)
    run(scheduler, 4)
    with pytest.warns(
        swiftlr.ScheduleDriftWarning, match=r"step_size is 3 in the loaded state but 5 in this scheduler"
    ):
        resumed = resume(lambda o: ours.StepLR(o, step_size=5, gamma=0.5), opt, scheduler, [0.1])
    assert resumed.step_size == 3  # the loaded value is used, as PyTorch uses it


def test_a_changed_lr_is_named_with_both_values() -> None:
    opt = make_optimizer([0.1])
    scheduler = ours.CosineAnnealingLR(opt, T_max=10)
    run(scheduler, 2)
    fresh = make_optimizer([0.2])  # the run's configured lr changed; the optimizer's state is not loaded
    changed = ours.CosineAnnealingLR(fresh, T_max=10)
    with pytest.warns(swiftlr.ScheduleDriftWarning) as caught:
        changed.load_state_dict(scheduler.state_dict())
    texts = [str(w.message) for w in caught]
    assert any("base_lrs is [0.1] in the loaded state but [0.2]" in t for t in texts)
    assert any("_last_lr is [" in t and "load the optimizer's state" in t for t in texts)


def test_optimizer_state_not_loaded() -> None:
    opt = make_optimizer([0.1])
    scheduler = ours.StepLR(opt, step_size=2, gamma=0.5)
    run(scheduler, 5)
    with pytest.warns(swiftlr.ScheduleDriftWarning, match=r"_last_lr is \[0.025\] .* optimizer's lrs are \[0.1\]"):
        resume(lambda o: ours.StepLR(o, 2, 0.5), opt, scheduler, [0.1], load_optimizer=False)


def test_plateau_and_composite_stages() -> None:
    opt = make_optimizer([0.1])
    plateau = ours.ReduceLROnPlateau(opt, patience=3)
    run(plateau, 3, metric=1.0)
    with pytest.warns(swiftlr.ScheduleDriftWarning, match="patience is 3 in the loaded state but 5"):
        resume(lambda o: ours.ReduceLROnPlateau(o, patience=5), opt, plateau, [0.1])

    opt = make_optimizer([0.1])
    seq = BUILDS["SequentialLR"](opt)
    run(seq, 6)

    def changed(o: Any) -> Any:
        return ours.SequentialLR(o, [ours.LinearLR(o, 0.1, total_iters=3), ours.ExponentialLR(o, 0.8)], milestones=[3])

    with pytest.warns(swiftlr.ScheduleDriftWarning, match="gamma is 0.9 in the loaded state but 0.8") as caught:
        resume(changed, opt, seq, [0.1])
    assert len(caught) == 1  # a finished stage's _last_lr is not the optimizer's: no warning for it


def test_is_a_user_warning_exported_from_swiftlr() -> None:
    assert issubclass(swiftlr.ScheduleDriftWarning, UserWarning) and "ScheduleDriftWarning" in swiftlr.__all__


def test_torchs_state_loads_without_warning(torch: Any) -> None:
    torch.set_default_dtype(torch.float64)
    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    for _ in range(5):
        topt.step()
        theirs.step()
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    mine = ours.StepLR(opt, step_size=3, gamma=0.5)
    opt.load_state_dict(topt.state_dict())
    mine.load_state_dict(theirs.state_dict())
    assert mine.get_last_lr() == theirs.get_last_lr()
