"""The differential oracle against the installed torch (``oracle_machine.py``).

Bounded here (CI runs it in the frameworks stage, against torch 2.13);
``scripts/oracle.py`` runs thousands of programs against torch 2.15.
``SWIFTLR_ORACLE_EXAMPLES`` raises the number of programs.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch")

from hypothesis import HealthCheck, settings  # noqa: E402

from .oracle_machine import OracleMachine  # noqa: E402

OracleMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("SWIFTLR_ORACLE_EXAMPLES", "200")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


class TestOracle(OracleMachine.TestCase):  # type: ignore[misc,valid-type]
    pass
