"""``make_suite``: the substitutions that point PyTorch's scheduler tests at swiftlr."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_suite import main, substitute, with_swiftlr_sgd  # noqa: E402

# A stand-in with the shape of PyTorch's file (our own text, not PyTorch's code).
SHAPED = """import torch
from torch.optim import Adam, Rprop, SGD
from torch.optim.lr_scheduler import (
    StepLR,
)
from torch.optim.swa_utils import SWALR

x = torch.optim.lr_scheduler.StepLR
y = torch.optim.lr_scheduler.LRScheduler
"""


def test_substitutes_imports_and_qualified_uses() -> None:
    out = substitute(SHAPED)
    assert "from swiftlr.optim.lr_scheduler import (" in out
    assert "from swiftlr.optim.swa_utils import SWALR" in out
    assert "torch.optim.lr_scheduler." not in out and out.count("swiftlr.optim.lr_scheduler.") == 2
    assert "import swiftlr.optim.lr_scheduler\n" in out
    compile(out, "<suite>", "exec")


def test_swiftlr_sgd_variant_defines_sgd() -> None:
    out = with_swiftlr_sgd(substitute(SHAPED))
    assert "from torch.optim import Adam, Rprop\n" in out and "class SGD(swiftlr.optim.SGD):" in out
    compile(out, "<suite>", "exec")


def test_refuses_another_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not PyTorch's scheduler test file"):
        substitute("import torch\n")
    source = tmp_path / "test_lrscheduler.py"
    source.write_text(SHAPED)
    assert main([str(source), str(tmp_path / "out")]) == 0
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "test_lrscheduler_swiftlr.py",
        "test_lrscheduler_swiftlr_sgd.py",
    }
