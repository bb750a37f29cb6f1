"""The examples run and print what the reference document prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT.parent / "shared" / "reference" / "learning-rate-scheduling.txt"


def expected_steplr_table() -> list[str]:
    """StepLR(lr=0.1, step_size=10, gamma=0.9): 0.1 * 0.9 ** (epoch // 10) after each epoch."""
    return [f"Epoch {e}: Learning Rate = {0.1 * 0.9 ** (e // 10):.5f}" for e in range(1, 31)]


def test_expected_table_is_the_documents() -> None:
    table = expected_steplr_table()
    assert table[0] == "Epoch 1: Learning Rate = 0.10000"
    assert table[8] == "Epoch 9: Learning Rate = 0.10000"
    assert table[9] == "Epoch 10: Learning Rate = 0.09000"
    assert table[19] == "Epoch 20: Learning Rate = 0.08100"
    assert table[29] == "Epoch 30: Learning Rate = 0.07290"
    if DOCUMENT.exists():  # the copy of shared/ beside the repository
        printed = re.findall(r"^Epoch \d+: Learning Rate = [\d.]+$", DOCUMENT.read_text(), flags=re.M)
        assert printed == table


def test_steplr_example_prints_the_documents_table() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "steplr.py")], capture_output=True, text=True, check=True
    )
    assert out.stderr == ""
    assert out.stdout.splitlines() == expected_steplr_table()
