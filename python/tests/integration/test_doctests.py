"""Every ``>>>`` example in the package's docstrings runs and prints what it shows.

The examples see ``np``, ``Parameter``, ``SGD``, every scheduler class and
``optimizer`` (SGD over one parameter, lr 0.1); an example that needs another
lr makes its own optimizer.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings
from typing import Any

import numpy as np
import pytest

import swiftlr
from swiftlr import Parameter
from swiftlr.optim import SGD, lr_scheduler, swa_utils


def _modules() -> list[str]:
    names = [swiftlr.__name__]
    for info in pkgutil.walk_packages(swiftlr.__path__, prefix="swiftlr."):
        if info.name.rsplit(".", 1)[-1] not in ("__main__", "_swiftlr"):
            names.append(info.name)
    return names


def _globals() -> dict[str, Any]:
    names: dict[str, Any] = {n: getattr(lr_scheduler, n) for n in lr_scheduler.__all__}
    names.update(np=np, Parameter=Parameter, SGD=SGD, SWALR=swa_utils.SWALR)
    names["optimizer"] = SGD([Parameter(np.zeros(3))], lr=0.1)
    return names


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name, globs={**vars(module), **_globals()}):
        with warnings.catch_warnings():
            # The examples step schedulers without an optimizer.step(): PyTorch's order warning is expected.
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step\\(\\)` before")
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see the output above)"


def test_the_scheduler_examples_are_run() -> None:
    """The finder sees the class docstrings: a scheduler's example counts."""
    tests = doctest.DocTestFinder().find(importlib.import_module("swiftlr.optim._decay"), globs=_globals())
    assert any(t.name.endswith("StepLR") and len(t.examples) >= 3 for t in tests)
