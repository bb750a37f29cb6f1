"""Plays ``integration/huge_epochs.py``'s cases on PyTorch 2.15 and writes ``huge_epochs.json``.

/work/venvs/torch215/bin/python python/tests/reference/generate_huge_epochs.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402
from integration import huge_epochs  # noqa: E402


def main() -> None:
    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")

    def make_optimizer() -> torch.optim.Optimizer:
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=0.1, momentum=0.9)

    entries = [
        {"case": case, "record": huge_epochs.play(case, torch.optim.lr_scheduler, make_optimizer, int)}
        for case in huge_epochs.cases()
    ]
    payload = {"torch": torch.__version__, "entries": entries}
    (HERE / "huge_epochs.json").write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"{len(entries)} cases")


if __name__ == "__main__":
    main()
