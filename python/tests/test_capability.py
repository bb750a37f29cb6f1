"""`torch_capability`, one property of SGD, Adam and AdamW
(``swiftlr.optim._capability``): torch's choice by default, checked, settable.
A pickle holds PyTorch's three fields only, so a loaded optimizer follows the
capability torch would pick where it is loaded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim._capability import CAPABILITIES

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW]


def make(cls: Any, **kwargs: Any) -> Any:
    return cls([swiftlr.Parameter(np.zeros(3))], lr=0.1, **kwargs)


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_defaults_to_torchs_choice_here(cls: Any) -> None:
    assert make(cls).torch_capability == swiftlr._swiftlr.torch_capability() in CAPABILITIES
    assert make(cls, torch_capability=None).torch_capability == swiftlr._swiftlr.torch_capability()


@pytest.mark.parametrize("cls", OPTIMIZERS)
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_argument_and_setter_take_each_capability(cls: Any, capability: str) -> None:
    optimizer = make(cls, torch_capability=capability)
    assert optimizer.torch_capability == capability
    other = next(c for c in CAPABILITIES if c != capability)
    optimizer.torch_capability = other
    assert optimizer.torch_capability == other


@pytest.mark.parametrize("cls", OPTIMIZERS)
@pytest.mark.parametrize("bad", ["avx", "AVX2", "", 2])
def test_other_values_are_refused_without_change(cls: Any, bad: Any) -> None:
    message = "torch_capability must be one of 'default', 'avx2', 'avx512' or None, got "
    with pytest.raises(ValueError, match=message):
        make(cls, torch_capability=bad)
    optimizer = make(cls, torch_capability="avx2")
    with pytest.raises(ValueError, match=message):
        optimizer.torch_capability = bad
    assert optimizer.torch_capability == "avx2"
