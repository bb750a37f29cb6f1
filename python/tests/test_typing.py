"""The package is typed: mypy passes on it and on the examples (``[tool.mypy]``
in pyproject.toml), and the stub of the compiled module matches the module."""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import _typing
from swiftlr.optim import SGD, lr_scheduler, swa_utils

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install 'swiftlr[test]'")
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_mypy_passes_on_the_package_and_examples() -> None:
    out = run("mypy", "--no-error-summary")
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_stub_matches_the_compiled_module() -> None:
    """``_swiftlr.pyi`` against ``swiftlr._swiftlr`` itself (mypy's stubtest): no
    name missing on either side, no signature the C code does not accept."""
    out = run("mypy.stubtest", "swiftlr._swiftlr", "--mypy-config-file", "pyproject.toml")
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_package_ships_its_types() -> None:
    package = ROOT / "python" / "swiftlr"
    assert (package / "py.typed").exists()
    assert (package / "_swiftlr.pyi").exists()


# --- swiftlr._typing: the aliases say exactly what the constructors accept ---


def _optimizer() -> SGD:
    return SGD([swiftlr.Parameter(np.zeros(2))], lr=0.1)


MODE_ARGUMENTS: list[tuple[Any, Callable[[Any, str], Any]]] = [
    (_typing.CyclicMode, lambda o, v: lr_scheduler.CyclicLR(o, 0.01, 0.1, mode=v)),
    (_typing.CyclicScaleMode, lambda o, v: lr_scheduler.CyclicLR(o, 0.01, 0.1, scale_fn=lambda x: 1.0, scale_mode=v)),
    (_typing.OneCycleAnnealStrategy, lambda o, v: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy=v)),
    (_typing.PlateauMode, lambda o, v: lr_scheduler.ReduceLROnPlateau(o, mode=v)),
    (_typing.PlateauThresholdMode, lambda o, v: lr_scheduler.ReduceLROnPlateau(o, threshold_mode=v)),
    (_typing.SWAAnnealStrategy, lambda o, v: swa_utils.SWALR(o, 0.05, anneal_strategy=v)),
    (_typing.WSDDecayType, lambda o, v: lr_scheduler.WarmupStableDecayLR(o, 2, 2, 4, decay_type=v)),
]


@pytest.mark.parametrize(("alias", "make"), MODE_ARGUMENTS)
def test_every_literal_value_is_accepted_at_run_time(alias: Any, make: Callable[[Any, str], Any]) -> None:
    values = typing.get_args(alias)
    assert values
    for value in values:
        make(_optimizer(), value)


# CyclicLR's scale_mode is free text in PyTorch (anything but 'cycle' means
# iterations), so only the other aliases have a run-time refusal to match.
@pytest.mark.parametrize(("alias", "make"), [case for case in MODE_ARGUMENTS if case[0] is not _typing.CyclicScaleMode])
def test_a_value_outside_the_literal_is_refused_at_run_time(alias: Any, make: Callable[[Any, str], Any]) -> None:
    with pytest.raises(ValueError):
        make(_optimizer(), "cosine-ish")


def test_supports_param_groups_matches_optimizers_and_plain_objects() -> None:
    class Plain:
        def __init__(self) -> None:
            self.param_groups: list[dict[str, Any]] = [{"lr": 0.1}]

    assert isinstance(_optimizer(), _typing.SupportsParamGroups)
    assert isinstance(Plain(), _typing.SupportsParamGroups)
    assert not isinstance(object(), _typing.SupportsParamGroups)
