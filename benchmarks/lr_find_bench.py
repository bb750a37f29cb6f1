"""How good ``swiftlr.lr_find``'s suggestion is: on five small but real
problems, the final loss after a fixed training budget at the suggested lr,
at Lightning's ``Tuner.lr_find`` suggestion, and at the best lr of a
log-spaced grid (half-decade steps, 1e-6 to 10).

    /work/venvs/frameworks/bin/python benchmarks/lr_find_bench.py [--budget 200] [--seed 0] [--runs 5]

The protocol judges every lr the same way, whoever proposed it: an lr's score
is the MEAN final loss of ``--runs`` training runs at that constant lr, each
from its own initial weights and batch order (run 0 is the one both finders
sweep; the others are the draws a user could have had instead). The grid's
best is the grid lr of the lowest mean. Judging the grid on one run per lr
would make its best a minimum over noisy samples (a winner's curse: on the
small transformer three batch orders at lr 0.1 end at 0.0052, 0.0088 and
0.083) while each suggestion is judged on one sample; the mean is what a user
can expect from an lr, counting the unlucky orders too. A run that diverges
scores inf, and so does the mean.

Both finders sweep 1e-6 to 10 over 100 steps on run 0; training uses SGD with
momentum 0.9 at a constant lr; the final loss is the loss over the whole
training set. Prints a Markdown table (the README's: each mean with its
standard error; the spread column, each contender's lowest and highest run, is
for context only) and the verdict: swiftlr's mean within 10% of the grid's
best mean on every problem, and never worse than Lightning's mean.
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


def judge(problem: Problem, lr: float, budget: int, runs: int) -> list[float]:
    """The final losses of ``runs`` runs at ``lr`` (stops at the first that
    diverges: the mean is inf whatever the others do)."""
    losses: list[float] = []
    for run in range(runs if math.isfinite(lr) else 0):
        losses.append(train(problem, lr, budget, run))
        if losses[-1] == math.inf:
            break
    return losses or [math.inf]


def mean(losses: list[float]) -> float:
    return math.fsum(losses) / len(losses)


def grid_best(grid: dict[float, list[float]]) -> float:
    """The grid lr of the lowest mean final loss (the smaller lr on a tie),
    never the lowest single run: that would be a winner's curse."""
    return min(grid, key=lambda lr: (mean(grid[lr]), lr))


def spread(losses: list[float]) -> str:
    return f"{min(losses):.3g}-{max(losses):.3g}" if len(losses) > 1 else f"{losses[0]:.3g}"


def with_error(losses: list[float]) -> str:
    """The mean and its standard error (how far another set of runs could move it)."""
    m = mean(losses)
    if len(losses) < 2 or not math.isfinite(m):
        return f"{m:.4g}"
    deviation = math.sqrt(math.fsum((x - m) ** 2 for x in losses) / (len(losses) - 1))
    return f"{m:.4g} ± {deviation / math.sqrt(len(losses)):.2g}"


def swiftlr_suggestion(problem: Problem) -> float:
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

    return swiftlr.lr_find(opt, train_step, **SWEEP, restore=[model, opt]).suggestion


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
    parser.add_argument("--runs", type=int, default=5, help="runs (weights and batch orders) per lr (default: 5)")
    args = parser.parse_args()
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    started = time.time()
    rows, ok = [], True
    for problem in problems(args.seed):
        grid = {lr: judge(problem, lr, args.budget, args.runs) for lr in GRID}
        best_lr = grid_best(grid)
        best = mean(grid[best_lr])
        ours = swiftlr_suggestion(problem)
        theirs = lightning_suggestion(problem)
        ours_losses = judge(problem, ours, args.budget, args.runs)
        theirs_losses = judge(problem, theirs, args.budget, args.runs)
        ours_loss, theirs_loss = mean(ours_losses), mean(theirs_losses)
        within = ours_loss <= 1.1 * best
        not_worse = ours_loss <= theirs_loss
        ok = ok and within and not_worse
        ratio = ours_loss / best if best > 0 else (1.0 if ours_loss == 0 else math.inf)
        rows.append(
            f"| {problem.name} | {ours:.3g} | {with_error(ours_losses)} | {theirs:.3g} | {with_error(theirs_losses)} "
            f"| {best_lr:.3g} | {with_error(grid[best_lr])} | {ratio:.2f} "
            f"| {spread(ours_losses)} / {spread(theirs_losses)} / {spread(grid[best_lr])} |"
        )
        print(rows[-1], flush=True)
    print(
        f"budget {args.budget} steps of SGD (momentum 0.9), batch {BATCH}; sweeps {SWEEP}; seed {args.seed}; "
        f"mean of {args.runs} runs per lr"
    )
    print(
        "| problem | swiftlr lr | mean final loss | Lightning lr | mean final loss | grid's best lr | mean final loss "
        "| swiftlr / best | runs' spread: swiftlr / Lightning / grid's best |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"verdict: {'met' if ok else 'NOT met'} (mean within 10% of the grid's best mean and never worse than "
        f"Lightning's); {time.time() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
