"""Int epochs near and beyond 2**53 (issue 19): swiftlr keeps them exactly and
computes with them as PyTorch does, for every scheduler that reads the epoch
(cases in ``huge_epochs.py``): against PyTorch 2.15's committed record, and
against the installed torch live."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from integration import huge_epochs

np = pytest.importorskip("numpy")

from swiftlr import Parameter, optim  # noqa: E402
from swiftlr.optim import lr_scheduler as L  # noqa: E402

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "huge_epochs.json"


def _swiftlr_optimizer() -> Any:
    return optim.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)


def _label(case: dict[str, Any]) -> str:
    return f"{case['scheduler']}-{case['kwargs']}-{case['program']}"


def _entries() -> list[dict[str, Any]]:
    payload: dict[str, Any] = json.loads(REFERENCE.read_text())
    assert payload["torch"].startswith("2.15.")
    return list(payload["entries"])


def test_reference_covers_every_case() -> None:
    assert [e["case"] for e in _entries()] == json.loads(json.dumps(huge_epochs.cases()))


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: _label(e["case"]))
def test_equals_pytorch_215(entry: dict[str, Any]) -> None:
    assert huge_epochs.play(entry["case"], L, _swiftlr_optimizer, np.int64) == entry["record"]


@pytest.mark.parametrize("case", huge_epochs.cases(), ids=_label)
def test_equals_installed_torch(case: dict[str, Any], torch: Any) -> None:
    def torch_optimizer() -> Any:
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=0.1, momentum=0.9)

    expected = huge_epochs.play(case, torch.optim.lr_scheduler, torch_optimizer, int)
    assert huge_epochs.play(case, L, _swiftlr_optimizer, np.int64) == expected


@pytest.mark.parametrize("epoch", [2**63, -(2**63) - 1, np.uint64(2**64 - 1), 10**30])
def test_epoch_beyond_int64_raises_and_changes_nothing(epoch: Any) -> None:
    s = L.StepLR(_swiftlr_optimizer(), step_size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated epoch's warning
        s.step(2**53 + 1)
        with pytest.raises(OverflowError, match="64-bit"):
            s.step(epoch)
    assert s.last_epoch == 2**53 + 1 and s._step_count == 2
