"""A ReduceLROnPlateau stage inside SequentialLR and ChainedScheduler
(``_composite``'s metric stages, beyond PyTorch): the lrs of the loop written by
hand (with swiftlr's classes everywhere, with PyTorch's live), the missing
metric, state dict round trips, preview, pickles and the torch flavour."""

from __future__ import annotations

import copy
import pickle
import random
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr.optim import lr_scheduler as ours

MILESTONE = 5


def metrics(n: int, seed: int = 0) -> list[float]:
    """A loss that improves, stalls and sometimes gets worse: the plateau reduces several times."""
    rng = random.Random(seed)
    out, loss = [], 1.0
    for _ in range(n):
        loss *= rng.choice([0.7, 1.0, 1.0, 1.0, 1.05])
        out.append(loss)
    return out


def warmup_plateau(lib: Any, opt: Any) -> Any:
    warmup = lib.LinearLR(opt, 0.1, total_iters=MILESTONE)
    plateau = lib.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0.01)
    return lib.SequentialLR(opt, [warmup, plateau], milestones=[MILESTONE])


def by_hand(lib: Any, opt: Any, losses: list[float]) -> list[list[float]]:
    """The same schedule as ``warmup_plateau``, written by hand: warmup steps,
    the lrs back to ``initial_lr`` at the milestone, then ``plateau.step(loss)``."""
    warmup = lib.LinearLR(opt, 0.1, total_iters=MILESTONE)
    plateau = lib.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0.01)
    lrs = []
    for k, loss in enumerate(losses, start=1):
        opt.step()
        if k < MILESTONE:
            warmup.step()
        elif k == MILESTONE:
            for group in opt.param_groups:
                group["lr"] = group["initial_lr"]
        else:
            plateau.step(loss)
        lrs.append([float(g["lr"]) for g in opt.param_groups])
    return lrs


def run(scheduler: Any, losses: list[float]) -> list[list[float]]:
    lrs = []
    for loss in losses:
        scheduler.optimizer.step()
        scheduler.step(loss)
        lrs.append([float(g["lr"]) for g in scheduler.optimizer.param_groups])
    return lrs


def test_sequential_equals_the_loop_by_hand() -> None:
    losses = metrics(60)
    lrs = run(warmup_plateau(ours, make_optimizer([1.0, 0.5])), losses)
    assert lrs == by_hand(ours, make_optimizer([1.0, 0.5]), losses)
    assert len({row[0] for row in lrs[MILESTONE:]}) > 2, "the plateau never reduced: the test proves nothing"


def test_sequential_equals_torchs_loop_by_hand(torch: Any) -> None:
    torch.set_default_dtype(torch.float64)
    losses = metrics(60, seed=1)

    def torch_opt() -> Any:
        return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (1.0, 0.5)])

    assert run(warmup_plateau(ours, torch_opt()), losses) == by_hand(torch.optim.lr_scheduler, torch_opt(), losses)


def test_frameworks_take_it_for_a_plateau(torch: Any) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = warmup_plateau(ours, opt)
    assert isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    assert isinstance(scheduler, torch.optim.lr_scheduler.SequentialLR)
    assert type(scheduler).__name__ == "SequentialLR"
    plain = ours.SequentialLR(opt, [ours.ConstantLR(opt, 0.5, total_iters=2)], milestones=[])
    assert not isinstance(plain, torch.optim.lr_scheduler.ReduceLROnPlateau)


def test_missing_metric_raises_torchs_error_and_changes_nothing() -> None:
    scheduler = warmup_plateau(ours, make_optimizer([1.0]))
    for _ in range(MILESTONE - 1):
        scheduler.optimizer.step()
        scheduler.step()  # the warmup takes no metric
    scheduler.step()  # the milestone: the plateau starts, counting nothing yet
    before, lrs = scheduler.state_dict(), scheduler.get_last_lr()
    with pytest.raises(TypeError, match=r"^ReduceLROnPlateau.step\(\) missing 1 required positional argument"):
        scheduler.step()
    with pytest.raises(TypeError, match="metrics must be a number"):
        scheduler.step([1.0])
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        scheduler.step(1.0, 2)
    assert scheduler.state_dict() == before and scheduler.get_last_lr() == lrs


def test_plain_composites_still_take_no_argument() -> None:
    opt = make_optimizer([1.0])
    scheduler = ours.SequentialLR(opt, [ours.ExponentialLR(opt, 0.9)], milestones=[])
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        scheduler.step(0.5)
    assert scheduler.last_epoch == 0


def test_chained_passes_the_metric() -> None:
    losses = metrics(40, seed=2)
    opt = make_optimizer([1.0])
    chained = ours.ChainedScheduler(
        [ours.ExponentialLR(opt, 0.95), ours.ReduceLROnPlateau(opt, factor=0.5, patience=1)], optimizer=opt
    )
    hand_opt = make_optimizer([1.0])
    exp, plateau = ours.ExponentialLR(hand_opt, 0.95), ours.ReduceLROnPlateau(hand_opt, factor=0.5, patience=1)
    expected = []
    for loss in losses:
        hand_opt.step()
        exp.step()
        plateau.step(loss)
        expected.append([hand_opt.param_groups[0]["lr"]])
    assert run(chained, losses) == expected
    before = chained.state_dict()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'metrics'"):
        chained.step()
    assert chained.state_dict() == before


def test_plateau_as_the_first_stage() -> None:
    opt = make_optimizer([1.0])
    scheduler = ours.SequentialLR(
        opt, [ours.ReduceLROnPlateau(opt, patience=0), ours.ConstantLR(opt, 0.5, total_iters=100)], milestones=[3]
    )
    assert scheduler.get_last_lr() == [1.0]
    assert run(scheduler, [1.0, 2.0, 3.0, 0.1]) == [[1.0], [0.1], [0.5], [0.5]]


def test_state_dict_round_trip_and_deep_copy() -> None:
    losses = metrics(50, seed=3)
    scheduler = warmup_plateau(ours, make_optimizer([1.0, 0.5]))
    run(scheduler, losses[:20])
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    resumed = warmup_plateau(ours, make_optimizer([1.0, 0.5]))
    for group, lr in zip(resumed.optimizer.param_groups, scheduler.get_last_lr()):
        group["lr"] = lr  # the optimizer's state dict holds the lrs
    resumed.load_state_dict(state)
    clone = copy.deepcopy(scheduler)
    expected = run(scheduler, losses[20:])
    assert run(resumed, losses[20:]) == expected
    assert run(clone, losses[20:]) == expected


def test_preview_takes_metrics() -> None:
    losses = metrics(30, seed=4)
    scheduler = warmup_plateau(ours, make_optimizer([1.0]))
    before = scheduler.state_dict()
    preview = scheduler.preview(30, metrics=losses)
    assert scheduler.state_dict() == before
    assert preview[:, 0].tolist() == [row[0] for row in run(scheduler, losses)]
    with pytest.raises(TypeError, match="needs the metric"):
        scheduler.preview(3)
