"""What the frameworks tests share: a tiny regression problem and the two
scheduler libraries side by side."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

from swiftlr.optim import lr_scheduler as swiftlr_schedulers  # noqa: E402

#: The libraries a test runs each fit with: PyTorch's schedulers, then swiftlr's.
LIBRARIES = {"torch": torch.optim.lr_scheduler, "swiftlr": swiftlr_schedulers}


def dataset(n: int = 32, seed: int = 0) -> Any:
    """A fixed linear-regression problem, 4 features."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(n, 1, generator=generator)
    return torch.utils.data.TensorDataset(x, y)


def model(seed: int = 0) -> Any:
    torch.manual_seed(seed)
    return torch.nn.Linear(4, 1)


def assert_same_lrs(torch_lrs: list[Any], swiftlr_lrs: list[Any]) -> None:
    """Bit for bit, step by step; and something was recorded."""
    assert len(torch_lrs) > 0
    assert len(swiftlr_lrs) == len(torch_lrs)
    for i, (a, b) in enumerate(zip(torch_lrs, swiftlr_lrs)):
        assert a == b, f"step {i}: torch {a!r}, swiftlr {b!r}"


class WarmupPlateauByHand(torch.optim.lr_scheduler.ReduceLROnPlateau):  # type: ignore[misc]
    """Warmup then plateau written by hand with PyTorch's classes, as a user
    would without swiftlr: ``LinearLR`` for ``milestone - 1`` steps, the lrs back
    to ``initial_lr`` at the milestone, then ``ReduceLROnPlateau.step(metric)``.
    A ReduceLROnPlateau to frameworks, like swiftlr's composite with a plateau stage."""

    def __init__(self, opt: Any, milestone: int, **plateau: Any) -> None:
        self.warmup = torch.optim.lr_scheduler.LinearLR(opt, 0.1, total_iters=milestone)
        super().__init__(opt, **plateau)
        self.milestone, self.count = milestone, 0

    def step(self, metrics: Any = None) -> None:  # type: ignore[override]
        self.count += 1
        if self.count < self.milestone:
            self.warmup.step()
        elif self.count == self.milestone:
            for group in self.optimizer.param_groups:
                group["lr"] = group["initial_lr"]
        else:
            super().step(metrics)


def warmup_plateau(lib: Any, opt: Any, milestone: int = 2) -> Any:
    """The schedule ``WarmupPlateauByHand`` writes by hand, as one swiftlr
    ``SequentialLR``; by hand when ``lib`` is PyTorch's (which refuses it)."""
    plateau = {"factor": 0.5, "patience": 0, "threshold": 0.2}
    if lib is torch.optim.lr_scheduler:
        return WarmupPlateauByHand(opt, milestone, **plateau)
    warmup = lib.LinearLR(opt, 0.1, total_iters=milestone)
    return lib.SequentialLR(opt, [warmup, lib.ReduceLROnPlateau(opt, **plateau)], milestones=[milestone])
