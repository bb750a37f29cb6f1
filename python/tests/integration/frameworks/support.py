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
