"""The package is typed: mypy passes on it and on the examples (``[tool.mypy]``
in pyproject.toml), and the stub of the compiled module matches the module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
