"""Shared fixtures. ``python/tests`` is on sys.path (pytest's rootdir-relative
import), so tests import the ``scenarios`` helpers directly."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import optim

#: The stress suite runs as its own CI stage (``.ci/stress``), not with the rest.
collect_ignore = [] if os.environ.get("SWIFTLR_STRESS") == "1" else ["stress"]


@pytest.fixture
def torch() -> Iterator[Any]:
    """Real PyTorch, for live comparisons; the test skips where it is not installed.
    Tests that mirror torch's float64 examples set its default dtype: it is put
    back afterwards, so no later test builds float64 tensors unawares."""
    module = pytest.importorskip("torch")
    default = module.get_default_dtype()
    yield module
    module.set_default_dtype(default)


def make_optimizer(lrs: Sequence[float] = (0.1,), momentum: float = 0.0) -> optim.SGD:
    groups = [{"params": [swiftlr.Parameter(np.zeros(3))], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0], momentum=momentum)


@pytest.fixture
def sgd() -> optim.SGD:
    """A swiftlr SGD with two param groups (lr 0.1 and 0.05)."""
    return make_optimizer([0.1, 0.05])
