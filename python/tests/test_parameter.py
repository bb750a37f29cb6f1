"""swiftlr.Parameter: holds the caller's array, checks gradients."""

from __future__ import annotations

import numpy as np
import pytest

import swiftlr


def test_keeps_the_callers_array() -> None:
    a = np.zeros(3, dtype=np.float32)
    p = swiftlr.Parameter(a)
    assert p.data is a
    assert p.grad is None
    assert p.shape == (3,) and p.dtype == np.float32 and p.numel() == 3


def test_lists_become_float64() -> None:
    assert swiftlr.Parameter([1.0, 2.0]).dtype == np.float64


@pytest.mark.parametrize(
    "bad", [np.zeros(3, dtype=np.int64), np.zeros(2, dtype=bool), np.zeros(2, dtype=complex), "abc"]
)
def test_rejects_non_float_data(bad: object) -> None:
    with pytest.raises(TypeError, match="float32 or float64"):
        swiftlr.Parameter(bad)


def test_grad_must_match() -> None:
    p = swiftlr.Parameter(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="different size"):
        p.grad = np.zeros(4)
    with pytest.raises(TypeError, match="different type"):
        p.grad = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        p.grad = np.zeros((2, 2), dtype=np.int32)
    assert p.grad is None
    p.grad = np.ones((2, 2))
    assert p.grad is not None
    p.grad = None
    assert p.grad is None


def test_array_protocol() -> None:
    p = swiftlr.Parameter(np.arange(3.0))
    assert np.asarray(p) is p.data
    assert "Parameter containing" in repr(p)
