"""Every scheduler against the values real PyTorch 2.15 produced
(``reference/schedulers/*.json``, written by ``reference/generate.py``):
learning rates must be equal to the last bit, through a checkpoint round trip
through pickle, and when resuming from PyTorch's own state dict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scenarios import run_scheduler_case, swiftlr_api

from swiftlr.optim import lr_scheduler

REFERENCE = Path(__file__).parents[1] / "reference" / "schedulers"
FILES = sorted(REFERENCE.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def test_reference_files_exist() -> None:
    assert FILES, "no reference values: run reference/generate.py"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_lrs_equal_pytorch_bit_for_bit(path: Path) -> None:
    payload = load(path)
    assert payload["torch"].startswith("2.15.")
    for entry in payload["entries"]:
        result = run_scheduler_case(entry["case"], swiftlr_api(), lr_scheduler)
        assert result["lrs"] == entry["lrs"], entry["case"]
        if "momenta" in entry:
            assert result["momenta"] == entry["momenta"], entry["case"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_resume_from_pytorch_state_dict(path: Path) -> None:
    for entry in load(path)["entries"]:
        if entry["checkpoint_state"] is None:
            continue
        result = run_scheduler_case(entry["case"], swiftlr_api(), lr_scheduler, resume_state=entry["checkpoint_state"])
        assert result["lrs"] == entry["lrs"], entry["case"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_state_dict_keys_match_pytorch(path: Path) -> None:
    for entry in load(path)["entries"]:
        if entry["checkpoint_state"] is None:
            continue
        ours = run_scheduler_case(entry["case"], swiftlr_api(), lr_scheduler)["checkpoint_state"]
        assert set(ours) == set(entry["checkpoint_state"]), entry["case"]["scheduler"]
