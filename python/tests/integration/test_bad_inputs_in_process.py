"""The guarantees of ``test_bad_inputs.py`` checked in this process, where a
case needs no isolation: exact or refused epochs, failed constructors, state
round trips and copies."""

from __future__ import annotations

import copy as _copy
import warnings as _warnings

import numpy as _np
import pytest

import swiftlr as _swiftlr
from swiftlr import optim as _optim
from swiftlr.optim import lr_scheduler as _L


def _opt() -> _optim.SGD:
    return _optim.SGD([_swiftlr.Parameter(_np.zeros(2))], lr=0.1)


def test_step_epoch_is_exact_or_refused() -> None:
    """Int epochs cross the C ABI as 64-bit ints: exact up to 2**63 - 1,
    refused beyond (OverflowError), never rounded; stepping past the limit
    is refused too, changing nothing."""
    s = _L.StepLR(_opt(), step_size=3)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        for exact in (2**62 + 2**11, 2**53 + 1, 2**63 - 1):
            s.step(exact)
            assert s.last_epoch == exact
        for bad in (2**63, -(2**63) - 1):
            with pytest.raises(OverflowError, match="64-bit"):
                s.step(bad)
        with pytest.raises(OverflowError, match="too large to step"):
            s.step()
    assert s.last_epoch == 2**63 - 1 and s._step_count == 4


def test_negative_epoch_survives_state_dict_round_trip() -> None:
    s = _L.StepLR(_opt(), step_size=3)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        s.step(-5)
    s.load_state_dict(s.state_dict())
    c = _L.CosineAnnealingLR(_opt(), T_max=10)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        c.step(-5)
    c.step()


def test_failed_constructor_leaves_no_initial_lr() -> None:
    opt = _opt()
    with pytest.raises(ValueError):
        _L.StepLR(opt, step_size=0)
    assert "initial_lr" not in opt.param_groups[0]


def test_scheduler_deepcopy() -> None:
    s = _L.StepLR(_opt(), step_size=3)
    t = _copy.deepcopy(s)
    assert t.state_dict() == s.state_dict()


def test_load_state_dict_of_another_class_is_refused_and_changes_nothing() -> None:
    opt = _opt()
    s = _L.StepLR(opt, step_size=3)
    before = s.state_dict()
    other = _L.CosineAnnealingLR(_opt(), T_max=4).state_dict()
    with pytest.raises((ValueError, KeyError, TypeError)):
        s.load_state_dict(other)
    assert s.state_dict() == before
