"""``swiftlr.optim._warm_restarts``: CosineAnnealingWarmRestarts against
PyTorch's, fractional epochs, errors and PyTorch's own step (no warnings)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from conftest import make_optimizer
from test_cyclic import sgd, torch_params

from swiftlr.optim import lr_scheduler as ours_module


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_live(torch: Any, t_mult: int) -> None:
    theirs_opt, ours_opt = sgd(torch)(), sgd(torch)()
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs_opt, T_0=3, T_mult=t_mult, eta_min=1e-3)
    ours = ours_module.CosineAnnealingWarmRestarts(ours_opt, T_0=3, T_mult=t_mult, eta_min=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PyTorch's step(epoch) override does not warn
        for epoch in [0.5, 1.25, 2.9, 3.0, 7.3, 26, 100.7, 4, None, None, 0, 12.0, 40.5, None]:
            theirs.step(epoch)
            ours.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr(), epoch
            assert (ours.T_cur, ours.T_i, ours.last_epoch) == (theirs.T_cur, theirs.T_i, theirs.last_epoch)
    assert ours._step_count == theirs._step_count == 0
    assert set(ours.state_dict()) == set(theirs.state_dict())


@pytest.mark.parametrize(
    "kwargs", [{"T_0": 0}, {"T_0": 2.5}, {"T_0": 2, "T_mult": 0}, {"T_0": 2, "T_mult": 1.5}, {"T_0": 2, "eta_min": "0"}]
)
def test_warm_restarts_errors_match_pytorch(torch: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch.optim.SGD(torch_params(torch, 1), lr=0.1), **kwargs)
    with pytest.raises(ValueError) as ours:
        ours_module.CosineAnnealingWarmRestarts(make_optimizer(), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_warm_restarts_negative_epoch() -> None:
    s = ours_module.CosineAnnealingWarmRestarts(make_optimizer(), T_0=2)
    with pytest.raises(ValueError, match=r"^Expected non-negative epoch, but got -0.5$"):
        s.step(-0.5)
    assert s.last_epoch == 0


def test_get_lr_outside_step_warns() -> None:
    s = ours_module.CosineAnnealingWarmRestarts(make_optimizer(), T_0=2)
    with pytest.warns(UserWarning, match="get_last_lr"):
        assert s.get_lr() == s.get_last_lr()
