"""The frameworks suite: real, tiny fits in Lightning, transformers, accelerate,
torch.compile, DDP and JAX, each run twice, once driven by PyTorch's own
scheduler and once by swiftlr's, and compared lr by lr.

Each test skips when its framework is missing. CI's frameworks stage
(``.ci/frameworks``) sets ``SWIFTLR_REQUIRE_FRAMEWORKS=1``: there a skip fails."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("SWIFTLR_REQUIRE_FRAMEWORKS") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but SWIFTLR_REQUIRE_FRAMEWORKS=1 requires it to run: {report.longrepr}"
