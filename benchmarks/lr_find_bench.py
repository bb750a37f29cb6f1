"""How good ``swiftlr.lr_find``'s suggestion is: on five small but real
problems, the final loss after a fixed training budget at the suggested lr,
at Lightning's ``Tuner.lr_find`` suggestion, and at the best lr of a
log-spaced grid (half-decade steps, 1e-6 to 10).

    /work/venvs/frameworks/bin/python benchmarks/lr_find_bench.py [--budget 200] [--seed 0] [--runs 5] [--max-runs 20]

Both finders sweep 1e-6 to 10 over 100 steps on run 0 (its initial weights and
batch order); training uses SGD with momentum 0.9 at a constant lr; the final
loss is the loss over the whole training set; a run that diverges scores inf.

The verdict is made in two stages on disjoint runs, so that no lr is judged on
the runs it was chosen on:

1. Selection: every grid lr trains ``--runs`` runs (runs 0 to runs-1, each
   from its own initial weights and batch order); the grid's best is the lr of
   the lowest mean. That mean is biased low (the minimum over fifteen noisy
   estimates: a winner's curse; on the small transformer one lr's runs spread
   over a factor of 3 to 8), so it is shown but not judged.
2. Verdict: the grid's best, swiftlr's and Lightning's lr each train the same
   held-out runs (weights and batch orders no stage has seen, from run
   ``HELD_OUT`` on; the same runs for all three, so their differences are
   paired). The runs come ``--runs`` at a time, up to ``--max-runs``, while a
   comparison is unresolved: while the paired mean difference of swiftlr's
   losses and 1.1 times the best's (or Lightning's) lies within two standard
   errors of zero. swiftlr meets the goal on a problem when its held-out mean
   is within 10% of the grid's best's held-out mean and not above Lightning's.

Prints a Markdown table (the README's): each held-out mean with its standard
error, the ratio swiftlr / best with its standard error (delta method over the
paired runs), and the held-out runs used.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

import swiftlr

SWEEP = {"start_lr": 1e-6, "end_lr": 10.0, "num_steps": 100}
GRID = [10 ** (k / 2) for k in range(-12, 3)]
BATCH = 64
HELD_OUT = 1000  # the verdict's first run: far from the selection's runs (0 to --runs - 1)


@dataclass
class Problem:
    name: str
    make_model: Callable[[], nn.Module]
    x: torch.Tensor
    y: torch.Tensor
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    seed: int = 0  # also draws the initial weights and the batches' order


def _classes(n: int, features: int, classes: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A nonlinear teacher's labels on Gaussian inputs."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=g)
    teacher = torch.tanh(x @ torch.randn(features, 32, generator=g)) @ torch.randn(32, classes, generator=g)
    return x, teacher.argmax(dim=1)


def problems(seed: int = 0) -> list[Problem]:
    """The five problems; ``seed`` draws other data of the same kinds (0: the README's table)."""
    g = torch.Generator().manual_seed(1 + 100 * seed)
    out = []
    # 1. Logistic regression: a noisy linear boundary.
    x = torch.randn(1024, 20, generator=g)
    y = ((x @ torch.randn(20, generator=g) + 0.5 * torch.randn(1024, generator=g)) > 0).float()
    out.append(
        Problem(
            "logistic regression",
            lambda: nn.Linear(20, 1),
            x,
            y,
            lambda p, t: nn.functional.binary_cross_entropy_with_logits(p.squeeze(1), t),
        )
    )
    # 2. MLP on a nonlinear 8-class teacher.
    x, y = _classes(2048, 16, 8, seed=2 + 100 * seed)
    out.append(
        Problem(
            "MLP, 8 classes",
            lambda: nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8)),
            x,
            y,
            nn.functional.cross_entropy,
        )
    )
    # 3. CNN on synthetic 16x16 images: stripes of 4 orientations under noise.
    n = 1024
    labels = torch.randint(0, 4, (n,), generator=g)
    i, j = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    patterns = torch.stack([torch.sin(i), torch.sin(j), torch.sin((i + j) / 1.4), torch.sin((i - j) / 1.4)])
    images = patterns[labels] + 0.8 * torch.randn(n, 16, 16, generator=g)
    out.append(
        Problem(
            "CNN, synthetic images",
            lambda: nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(16 * 16, 4),
            ),
            images.unsqueeze(1),
            labels,
            nn.functional.cross_entropy,
        )
    )
    # 4. A small transformer: which of 4 tokens is the most frequent in a sequence of 12.
    tokens = torch.randint(0, 4, (2048, 12), generator=g)
    counts = torch.stack([(tokens == t).sum(1) for t in range(4)], 1).float() + 0.1 * torch.arange(4.0)
    out.append(
        Problem("transformer, majority token", _TinyTransformer, tokens, counts.argmax(1), nn.functional.cross_entropy)
    )
    # 5. Badly scaled least squares: feature scales from 1e-2 to 1e1.
    scales = torch.logspace(-2, 1, 10)
    x = torch.randn(1024, 10, generator=g) * scales
    y = (x / scales) @ torch.randn(10, generator=g) + 0.1 * torch.randn(1024, generator=g)
    out.append(
        Problem(
            "badly scaled regression",
            lambda: nn.Linear(10, 1),
            x,
            y,
            lambda p, t: nn.functional.mse_loss(p.squeeze(1), t),
        )
    )
    for problem in out:
        problem.seed = seed
    return out


class _TinyTransformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(4, 32)
        self.position = nn.Parameter(0.1 * torch.randn(12, 32))
        self.layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.head = nn.Linear(32, 4)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer(self.embed(tokens) + self.position).mean(1))


def _model(problem: Problem, run: int = 0) -> nn.Module:
    torch.manual_seed(100 * problem.seed + 10_000 * run)  # the same initial weights for every lr
    return problem.make_model()


def _batches(problem: Problem, steps: int, run: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(3 + 100 * problem.seed + 10_000 * run)
    out = []
    while len(out) < steps:
        order = torch.randperm(len(problem.y), generator=g)
        for k in range(0, len(order) - BATCH + 1, BATCH):
            idx = order[k : k + BATCH]
            out.append((problem.x[idx], problem.y[idx]))
    return out[:steps]


def train(problem: Problem, lr: float, budget: int, run: int = 0) -> float:
    """The whole training set's loss after ``budget`` SGD steps at ``lr`` from
    run ``run``'s weights and batches (inf when it diverged)."""
    model = _model(problem, run)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for x, y in _batches(problem, budget, run):
        opt.zero_grad()
        loss = problem.loss(model(x), y)
        if not math.isfinite(float(loss.detach())):  # diverged: no later step comes back
            return math.inf
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = float(problem.loss(model(problem.x), problem.y))
    return final if math.isfinite(final) else math.inf


def judge(problem: Problem, lr: float, budget: int, runs: int, first: int = 0) -> list[float]:
    """The final losses of runs ``first`` to ``first + runs - 1`` at ``lr``
    (stops at the first that diverges: the mean is inf whatever the others do)."""
    losses: list[float] = []
    for run in range(first, first + runs) if math.isfinite(lr) else ():
        losses.append(train(problem, lr, budget, run))
        if losses[-1] == math.inf:
            break
    return losses or [math.inf]


def held_out(problem: Problem, lrs: dict[str, float], budget: int, runs: int, max_runs: int) -> dict[str, list[float]]:
    """Each contender's final losses on the same held-out runs, ``runs`` at a
    time up to ``max_runs`` while :func:`unresolved` says the verdict needs
    more (an lr proposed twice trains once)."""
    losses: dict[float, list[float]] = {lr: [] for lr in lrs.values()}
    while True:
        done = max(len(got) for got in losses.values())
        for lr, got in losses.items():
            if math.inf not in got:
                got += judge(problem, lr, budget, runs, first=HELD_OUT + done)
        ours, best, theirs = (losses[lrs[name]] for name in ("swiftlr", "best", "Lightning"))
        if done + runs >= max_runs or not (unresolved(ours, best, 1.1) or unresolved(ours, theirs, 1.0)):
            return {name: losses[lr] for name, lr in lrs.items()}


def unresolved(a: list[float], b: list[float], factor: float) -> bool:
    """Whether ``mean(a) <= factor * mean(b)`` is still within the noise: the
    paired differences ``a_i - factor * b_i`` have a mean within two standard
    errors of zero (never when either diverged: inf settles it; nor when both
    are one lr's runs: the ratio is exactly 1, however noisy the runs)."""
    if a is b or math.inf in a or math.inf in b:
        return False
    differences = [x - factor * y for x, y in zip(a, b)]
    return abs(mean(differences)) < 2 * standard_error(differences)


def mean(losses: list[float]) -> float:
    return math.fsum(losses) / len(losses)


def grid_best(grid: dict[float, list[float]]) -> float:
    """The grid lr of the lowest mean final loss (the smaller lr on a tie),
    never the lowest single run: that would be a winner's curse."""
    return min(grid, key=lambda lr: (mean(grid[lr]), lr))


def standard_error(losses: list[float]) -> float:
    """The standard error of the mean (inf for fewer than two)."""
    if len(losses) < 2:
        return math.inf
    m = mean(losses)
    return math.sqrt(math.fsum((x - m) ** 2 for x in losses) / (len(losses) - 1) / len(losses))


def with_error(losses: list[float]) -> str:
    """The mean and its standard error (how far another set of runs could move it)."""
    m = mean(losses)
    if len(losses) < 2 or not math.isfinite(m):
        return f"{m:.4g}"
    return f"{m:.4g} ± {standard_error(losses):.2g}"


def ratio_with_error(ours: list[float], best: list[float]) -> str:
    """``mean(ours) / mean(best)`` over paired runs, with its standard error
    by the delta method (the standard error of the residuals ``ours_i - r best_i``
    over ``mean(best)``)."""
    if not (math.isfinite(mean(ours)) and math.isfinite(mean(best))) or mean(best) <= 0:
        return "inf" if mean(ours) > 0 or not math.isfinite(mean(ours)) else "1.00"
    r = mean(ours) / mean(best)
    return f"{r:.2f} ± {standard_error([x - r * y for x, y in zip(ours, best)]) / mean(best):.2f}"


def swiftlr_suggestion(problem: Problem) -> float:
    return swiftlr_result(problem).suggestion


def swiftlr_result(problem: Problem) -> Any:
    """``swiftlr.lr_find`` on run 0 (its weights and batches), restoring both model and optimizer."""
    model = _model(problem)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    batches = itertools.cycle(_batches(problem, SWEEP["num_steps"]))  # the second stage trains on after the sweep

    def train_step() -> Any:
        x, y = next(batches)
        opt.zero_grad()
        loss = problem.loss(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return swiftlr.lr_find(opt, train_step, **SWEEP, restore=[model, opt])


def lightning_suggestion(problem: Problem) -> float:
    import lightning.pytorch as pl

    class Module(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = _model(problem)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            return problem.loss(self.net(batch[0]), batch[1])

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)

    data = _batches(problem, SWEEP["num_steps"])
    loader = torch.utils.data.DataLoader(data, batch_size=None)
    trainer = pl.Trainer(
        default_root_dir=tempfile.mkdtemp(prefix="lr_find_bench"),
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        max_epochs=1,
    )
    tuner = pl.tuner.Tuner(trainer)
    found = tuner.lr_find(
        Module(),
        train_dataloaders=loader,
        min_lr=SWEEP["start_lr"],
        max_lr=SWEEP["end_lr"],
        num_training=SWEEP["num_steps"],
        update_attr=False,
    )
    suggestion = found.suggestion() if found is not None else None
    return float(suggestion) if suggestion is not None else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=200, help="training steps per run (default: 200)")
    parser.add_argument("--seed", type=int, default=0, help="other data, weights and batches (default: 0)")
    parser.add_argument(
        "--runs", type=int, default=5, help="selection runs per grid lr, and the verdict's step (default: 5)"
    )
    parser.add_argument("--max-runs", type=int, default=20, help="held-out runs at most per verdict (default: 20)")
    parser.add_argument("--only", default="", help="only the problems whose name contains this (default: all)")
    args = parser.parse_args()
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    started = time.time()
    rows, met = [], 0
    chosen = [problem for problem in problems(args.seed) if args.only in problem.name]
    for problem in chosen:
        grid = {lr: judge(problem, lr, args.budget, args.runs) for lr in GRID}
        best_lr = grid_best(grid)
        lrs = {"swiftlr": swiftlr_suggestion(problem), "Lightning": lightning_suggestion(problem), "best": best_lr}
        verdict = held_out(problem, lrs, args.budget, args.runs, max(args.max_runs, args.runs))
        ours, theirs, best = verdict["swiftlr"], verdict["Lightning"], verdict["best"]
        ok = mean(ours) <= 1.1 * mean(best) and mean(ours) <= mean(theirs)
        met += ok
        rows.append(
            f"| {problem.name} | {lrs['swiftlr']:.3g} | {with_error(ours)} | {lrs['Lightning']:.3g} "
            f"| {with_error(theirs)} | {best_lr:.3g} | {with_error(grid[best_lr])} | {with_error(best)} "
            f"| {ratio_with_error(ours, best)} | {len(best)} | {'yes' if ok else 'no'} |"
        )
        print(rows[-1], flush=True)
    print(
        f"budget {args.budget} steps of SGD (momentum 0.9), batch {BATCH}; sweeps {SWEEP}; seed {args.seed}; "
        f"grid's best chosen on {args.runs} runs per lr; verdict on {args.runs} to {args.max_runs} held-out runs"
    )
    print(
        "| problem | swiftlr lr | held-out mean final loss | Lightning lr | held-out mean | grid's best lr "
        "| its selection mean | its held-out mean | swiftlr / best | held-out runs | goal met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"verdict: {met}/{len(chosen)} met (held-out mean within 10% of the grid's best's and not above "
        f"Lightning's); {time.time() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
