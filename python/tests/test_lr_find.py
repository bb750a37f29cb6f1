"""``swiftlr.lr_find`` (``_lr_find``): the sweep sets every group's lr keeping
their ratios, stops on divergence, restores the param groups always and what
``restore`` names, works with swiftlr's and torch's optimizers and in a
JAX-style loop, suggests an lr in the right place on a problem whose best lr is
known (the sweep's rule alone, and the second stage's constant-lr trials from
the restored start), and refuses bad input before running anything."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr._lr_find import refine_candidates, suggest
from swiftlr.optim import SGD


def regression(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(128, 5))
    return x, x @ rng.normal(size=5)


def numpy_run(momentum: float = 0.9) -> tuple[Any, Any, Any]:
    x, y = regression()
    w = swiftlr.Parameter(np.zeros(5))
    opt = SGD([{"params": [w], "lr": 0.2}], lr=0.2, momentum=momentum)

    def train_step() -> float:
        error = x @ w.data - y
        w.grad = 2 * x.T @ error / len(y)
        opt.step()
        return float(np.mean(error**2))

    return w, opt, train_step


def test_sweep_restores_groups_parameters_and_optimizer_state() -> None:
    w, opt, train_step = numpy_run()
    opt.add_param_group({"params": [swiftlr.Parameter(np.zeros(2))], "lr": 0.05, "momentum": 0.5})
    before = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    seen: list[tuple[float, float]] = []

    def step() -> float:
        seen.append((opt.param_groups[0]["lr"], opt.param_groups[1]["lr"]))
        return train_step()

    result = swiftlr.lr_find(opt, step, start_lr=1e-5, end_lr=1.0, num_steps=30, restore=[w, opt])
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == before
    assert np.all(w.data == 0) and opt.state_dict()["state"] == {}
    assert all(b == pytest.approx(a * 0.25) for a, b in seen)  # the groups keep their ratio
    assert result.lrs == [a for a, _ in seen][: len(result.lrs)]
    assert result.lrs[0] == 1e-5 and len(result.losses) == len(result.raw_losses) == len(result.lrs)


def test_stops_when_the_loss_diverges() -> None:
    _, opt, train_step = numpy_run(momentum=0.0)
    result = swiftlr.lr_find(opt, train_step, start_lr=1e-4, end_lr=100.0, num_steps=200)
    assert len(result.lrs) < 200 and result.lrs[-1] < 100.0
    assert result.losses[-1] > 4 * min(result.losses) or not math.isfinite(result.losses[-1])


def test_suggestion_is_below_divergence_and_trains_well() -> None:
    """Least squares: plain gradient descent diverges above 2 / L; the suggestion must train well below it."""
    x, y = regression()
    curvature = 2 * np.linalg.eigvalsh(x.T @ x / len(y)).max()
    w, opt, train_step = numpy_run(momentum=0.0)
    result = swiftlr.lr_find(opt, train_step, start_lr=1e-5, end_lr=10.0, num_steps=100, restore=[w])
    assert 0.05 * (2 / curvature) < result.suggestion < 2 / curvature
    opt.param_groups[0]["lr"] = result.suggestion
    losses = [train_step() for _ in range(100)]
    assert losses[-1] < 1e-3 * losses[0]


def test_suggest_rule() -> None:
    lrs = [10 ** (k / 10 - 5) for k in range(60)]  # 1e-5 .. ~1e0.9
    losses = [1.0 / (1 + math.exp((k - 30) / 3)) + (0 if k < 50 else (k - 50) * 0.5) for k in range(60)]
    s = suggest(lrs, losses)
    assert lrs[20] < s < lrs[50] / 10 * 1.0001
    assert math.isnan(suggest(lrs[:3], losses[:3]))


def test_second_stage_trials_a_half_decade_ladder_from_the_restored_start() -> None:
    w, opt, train_step = numpy_run()
    starts: list[float] = []
    calls = []

    def step() -> float:
        calls.append(opt.param_groups[0]["lr"])
        if len(calls) > 40 and (len(calls) - 40) % 15 == 1:  # the first step of each trial
            starts.append(float(np.abs(w.data).max()))
        return train_step()

    result = swiftlr.lr_find(opt, step, start_lr=1e-4, end_lr=1.0, num_steps=40, restore=[w, opt], refine_steps=15)
    assert len(result.lrs) == 40 and len(calls) == 40 + 5 * 15  # no trial diverges on this scale
    bottom = result.lrs[min(range(40), key=lambda k: result.losses[k])]
    assert [lr for lr, _ in result.candidates] == pytest.approx([bottom * 10 ** (-j / 2) for j in range(5)])
    assert starts == [0.0] * 5  # every trial starts from the restored weights
    assert calls[40:] == [lr for lr, _ in result.candidates for _ in range(15)]  # a constant lr per trial
    best = min(result.candidates, key=lambda c: c[1])[0]
    assert best / 10**0.25 * 0.9999 < result.suggestion < best * 10**0.25 * 1.0001  # within half a ladder step
    assert all(math.isfinite(score) for _, score in result.candidates)
    assert np.all(w.data == 0) and opt.param_groups[0]["lr"] == 0.2 and opt.state_dict()["state"] == {}


def test_ladder_starts_past_the_sweeps_first_tenth() -> None:
    """A lucky first batch (the average's only loss yet) is not the sweep's bottom."""
    w, opt, train_step = numpy_run()
    calls = []

    def lucky_first() -> float:
        calls.append(1)
        loss = train_step() + 1.0  # a loss floor the lucky batch is below
        return 0.01 if len(calls) == 1 else loss

    result = swiftlr.lr_find(opt, lucky_first, start_lr=1e-5, end_lr=1.0, num_steps=60, smoothing=0.5, restore=[w, opt])
    assert min(result.losses) == result.losses[0] == 0.01 and len(result.lrs) > 30  # and the sweep went on
    assert result.candidates[0][0] > result.lrs[30]  # the descent's bottom, not the lucky batch


def test_second_stage_needs_restore_and_can_be_skipped() -> None:
    w, opt, train_step = numpy_run()
    assert swiftlr.lr_find(opt, train_step, start_lr=1e-4, end_lr=1.0, num_steps=30).candidates == []
    skipped = swiftlr.lr_find(opt, train_step, start_lr=1e-4, end_lr=1.0, num_steps=30, restore=[w], refine_steps=0)
    assert skipped.candidates == [] and math.isfinite(skipped.suggestion)
    calls = []
    with pytest.raises(ValueError, match="needs restore"):
        swiftlr.lr_find(opt, lambda: calls.append(1) or 0.0, refine_steps=10)
    assert calls == []


def test_refine_candidates_rule() -> None:
    assert refine_candidates([(1.0, 0.5), (0.1, 0.2), (0.01, 0.5)], fallback=7.0) == pytest.approx(0.1)
    # The parabola through the winner and its neighbours leans to the better one: a quarter decade here.
    assert refine_candidates([(1.0, 0.5), (0.1, 0.2), (0.01, 0.3)], fallback=7.0) == pytest.approx(10**-1.25)
    # At most half a ladder step (here a decade) from the winner, when a neighbour scores nearly as well.
    assert refine_candidates([(1.0, 0.5), (0.1, 0.2), (0.01, 0.2 + 1e-9)], fallback=7.0) == pytest.approx(10**-1.5)
    assert refine_candidates([(1.0, 0.1), (0.1, 0.2)], fallback=7.0) == 1.0  # the ladder's end: no parabola
    assert refine_candidates([(1.0, math.inf), (0.1, 0.2), (0.01, 0.3)], fallback=7.0) == 0.1
    assert refine_candidates([(1.0, 0.2), (0.3, 0.2)], fallback=7.0) == 1.0  # a tie: the larger lr
    assert refine_candidates([(1.0, math.inf), (0.3, math.inf)], fallback=7.0) == 7.0


def test_diverging_trial_is_dropped() -> None:
    """Plain gradient descent on least squares: trials above 2 / L diverge and score inf."""
    x, y = regression()
    curvature = 2 * np.linalg.eigvalsh(x.T @ x / len(y)).max()
    w, opt, train_step = numpy_run(momentum=0.0)
    result = swiftlr.lr_find(opt, train_step, start_lr=1e-5, end_lr=100.0, num_steps=100, restore=[w])
    assert any(lr > 2 / curvature and score == math.inf for lr, score in result.candidates)
    assert result.suggestion < 2 / curvature


def test_torch_optimizer_and_module(torch: Any) -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.0], [-1.0], [2.0], [0.5]])
    weights = {k: v.clone() for k, v in model.state_dict().items()}

    def train_step() -> Any:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()  # a tensor: float() takes it

    result = swiftlr.lr_find(opt, train_step, num_steps=40, restore=[model, opt])
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())
    assert opt.param_groups[0]["lr"] == 1e-3 and opt.state_dict()["state"] == {}
    assert len(result.lrs) > 5


def test_jax_style_loop_keeps_its_own_parameters() -> None:
    """A functional loop: the state lives in the closure; the lr is read from a param group each step."""
    x, y = regression(1)
    groups = [{"lr": 0.1}]

    class Holder:
        param_groups = groups

    params = {"w": np.zeros(5)}

    def train_step() -> float:
        error = x @ params["w"] - y
        params["w"] = params["w"] - groups[0]["lr"] * 2 * x.T @ error / len(y)
        return float(np.mean(error**2))

    result = swiftlr.lr_find(Holder(), train_step, start_lr=1e-4, end_lr=3.0, num_steps=50)
    assert groups == [{"lr": 0.1}] and math.isfinite(result.suggestion)


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"start_lr": 0.0}, ValueError),
        ({"end_lr": 1e-8}, ValueError),
        ({"num_steps": 1}, ValueError),
        ({"mode": "cosine"}, ValueError),
        ({"smoothing": 1.0}, ValueError),
        ({"diverge_factor": 0.5}, ValueError),
        ({"refine_steps": -1}, ValueError),
        ({"refine_steps": 2.5}, ValueError),
        ({"restore": [object()]}, TypeError),
    ],
)
def test_bad_input_runs_nothing(kwargs: dict[str, Any], error: type) -> None:
    calls = []
    _, opt, _ = numpy_run()
    with pytest.raises(error):
        swiftlr.lr_find(opt, lambda: calls.append(1) or 0.0, **kwargs)
    assert calls == [] and opt.param_groups[0]["lr"] == 0.2
    with pytest.raises(TypeError, match="is not an optimizer"):
        swiftlr.lr_find(object(), lambda: 0.0)


def test_plot_draws(tmp_path: Any) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    w, opt, train_step = numpy_run()
    result = swiftlr.lr_find(opt, train_step, start_lr=1e-4, end_lr=1.0, num_steps=20, restore=[w])
    ax = result.plot()
    assert ax.get_xscale() == "log" and len(ax.lines) == 2
    plt.close(ax.figure)
