"""Plays every scenario on real PyTorch and writes the results beside this file.

    python -m venv /tmp/torch && /tmp/torch/bin/pip install torch==2.15.0 numpy
    /tmp/torch/bin/python python/tests/reference/generate.py [SchedulerName ...]

Writes ``schedulers/<Name>.json`` (the cases, each group's lr after every
step, and PyTorch's scheduler state dict at the checkpoint) and ``sgd.json``
(SGD cases and the parameters after every step). The tests compare swiftlr
with these files bit for bit, so they need no torch.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402
from scenarios import CASES, generate_cases, random_sgd_case, run_scheduler_case, run_sgd_case, torch_api  # noqa: E402

SCHEDULER_CASES = 30
SGD_CASES = 60


def jsonable(value: Any) -> Any:
    """A PyTorch state dict as JSON: tensors as numbers, callables dropped."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if not callable(v) or isinstance(v, dict)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return value


def main(names: list[str]) -> None:
    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")
    torch.set_default_dtype(torch.float64)
    out = HERE / "schedulers"
    out.mkdir(exist_ok=True)
    api = torch_api()
    for name in names or sorted(CASES):
        entries = []
        for case in generate_cases(name, SCHEDULER_CASES):
            result = run_scheduler_case(case, api, torch.optim.lr_scheduler)
            result["checkpoint_state"] = jsonable(result["checkpoint_state"])
            entries.append({"case": case, **result})
        payload = {"torch": torch.__version__, "scheduler": name, "entries": entries}
        (out / f"{name}.json").write_text(json.dumps(payload, separators=(",", ":")) + "\n")
        print(f"{name}: {len(entries)} cases")
    if not names:
        rng_cases = [random_sgd_case(r) for r in [__import__("random").Random(f"sgd-{i}") for i in range(SGD_CASES)]]
        entries = [{"case": c, "params": run_sgd_case(c, api)} for c in rng_cases]
        (HERE / "sgd.json").write_text(json.dumps({"torch": torch.__version__, "entries": entries}) + "\n")
        print(f"SGD: {len(entries)} cases")


if __name__ == "__main__":
    main(sys.argv[1:])
