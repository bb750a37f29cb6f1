"""The optimizers' native steps remember a plain dict group's options while
the dict is unchanged (`optim_params.c`, CPython 3.11-3.13's dict versions):
every change a user or a scheduler can make between steps must still be read
at the next step, by SGD and Adam alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from swiftlr import Parameter, optim

MAKERS: dict[str, Callable[[list[Parameter]], Any]] = {
    "SGD": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
    "Adam": lambda params: optim.Adam(params, lr=0.1, weight_decay=0.01),
}
# A change to each option the native step reads (betas only for Adam).
CHANGES = {
    "SGD": {"lr": 0.02, "momentum": 0.5, "dampening": 0.25, "weight_decay": 0.3, "nesterov": True, "maximize": True},
    "Adam": {
        "lr": 0.02,
        "betas": (0.5, 0.75),
        "eps": 0.5,
        "weight_decay": 0.3,
        "maximize": True,
        "decoupled_weight_decay": True,
    },
}


def run(name: str, change: Callable[[Any], None]) -> np.ndarray:
    """Two steps of a fresh optimizer, `change(optimizer)` between them."""
    p = Parameter(np.linspace(-1.0, 1.0, 37))
    p.grad = np.cos(np.arange(37.0))
    optimizer = MAKERS[name]([p])
    optimizer.step()
    change(optimizer)
    optimizer.step()
    return p.data.copy()


@pytest.mark.parametrize("name", MAKERS)
def test_a_value_changed_in_the_same_dict_is_read_at_the_next_step(name: str) -> None:
    unchanged = run(name, lambda o: None)
    for key, value in CHANGES[name].items():

        def in_place(o: Any, key: str = key, value: Any = value) -> None:
            o.param_groups[0][key] = value

        def new_dict(o: Any, key: str = key, value: Any = value) -> None:
            o.param_groups[0] = {**o.param_groups[0], key: value}

        changed = run(name, in_place)
        assert not np.array_equal(changed, unchanged), key  # the change matters
        np.testing.assert_array_equal(changed, run(name, new_dict), err_msg=key)


@pytest.mark.parametrize("name", MAKERS)
def test_an_lr_array_changed_in_place_is_read_at_the_next_step(name: str) -> None:
    lr = np.array(0.1)

    def freeze(o: Any) -> None:
        lr[...] = 0.0

    p = Parameter(np.linspace(-1.0, 1.0, 5))
    p.grad = np.ones(5)
    optimizer = MAKERS[name]([p])
    optimizer.param_groups[0]["lr"] = lr
    optimizer.step()
    before = p.data.copy()
    freeze(optimizer)
    optimizer.step()
    np.testing.assert_array_equal(p.data, before)  # lr 0: no update


@pytest.mark.parametrize("name", MAKERS)
def test_optimizers_stepped_in_turn_keep_their_own_options(name: str) -> None:
    def params() -> list[Parameter]:
        out = [Parameter(np.linspace(-1.0, 1.0, 9)), Parameter(np.linspace(2.0, 3.0, 4))]
        for p in out:
            p.grad = np.sin(np.arange(p.data.size) + 1.0)
        return out

    def alone(lr: float) -> list[np.ndarray]:
        ps = params()
        optimizer = MAKERS[name]([{"params": [ps[0]]}, {"params": [ps[1]], "lr": lr}])
        for _ in range(3):
            optimizer.step()
        return [p.data for p in ps]

    a, b = params(), params()
    first = MAKERS[name]([{"params": [a[0]]}, {"params": [a[1]], "lr": 0.3}])
    second = MAKERS[name]([{"params": [b[0]]}, {"params": [b[1]], "lr": 0.7}])
    for _ in range(3):
        first.step()
        second.step()
    for ours, expected in ((a, alone(0.3)), (b, alone(0.7))):
        for x, y in zip(ours, expected, strict=True):
            np.testing.assert_array_equal(x.data, y)
    assert not np.array_equal(a[1].data, b[1].data)
