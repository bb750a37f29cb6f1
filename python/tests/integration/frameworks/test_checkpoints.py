"""Checkpoints through ``torch.save`` / ``torch.load(weights_only=True)``,
PyTorch's default since 2.6: scheduler state dicts load as they are; a swiftlr
SGD's (numpy momentum buffers) loads with ``swiftlr.torch_safe_globals()``."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import swiftlr
from swiftlr import optim

from .support import torch


def sgd_state(dtype: type) -> tuple[optim.SGD, dict]:
    params = [swiftlr.Parameter(np.arange(3, dtype=dtype)), swiftlr.Parameter(np.ones(2, dtype=dtype))]
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = np.full_like(p.data, 0.5)
    opt.step()
    return opt, opt.state_dict()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_state_loads_weights_only_with_swiftlrs_globals(dtype: type, tmp_path: Path) -> None:
    opt, state = sgd_state(dtype)
    torch.save(state, tmp_path / "sgd.pt")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "sgd.pt", weights_only=True)  # PyTorch's default refuses numpy
    with torch.serialization.safe_globals(swiftlr.torch_safe_globals()):
        loaded = torch.load(tmp_path / "sgd.pt", weights_only=True)
    for key, entry in state["state"].items():
        np.testing.assert_array_equal(loaded["state"][key]["momentum_buffer"], entry["momentum_buffer"])
        assert loaded["state"][key]["momentum_buffer"].dtype == dtype
    assert loaded["param_groups"] == state["param_groups"]
    fresh, _ = sgd_state(dtype)
    fresh.load_state_dict(loaded)
    assert fresh.state_dict()["param_groups"] == state["param_groups"]


def test_scheduler_states_load_weights_only(tmp_path: Path) -> None:
    opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
    for sched in (
        optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10),
        optim.lr_scheduler.ReduceLROnPlateau(opt),
        optim.lr_scheduler.SequentialLR(
            opt, [optim.lr_scheduler.ConstantLR(opt), optim.lr_scheduler.ExponentialLR(opt, 0.9)], [2]
        ),
    ):
        torch.save(sched.state_dict(), tmp_path / "sched.pt")
        assert torch.load(tmp_path / "sched.pt", weights_only=True) == sched.state_dict()
