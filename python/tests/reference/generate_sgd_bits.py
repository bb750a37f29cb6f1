"""Plays the bit-exact SGD cases (``scenarios/sgd_bits.py``) on real PyTorch
2.15 under each CPU capability and writes ``sgd_bits.json`` beside this file.

    /work/venvs/torch215/bin/python python/tests/reference/generate_sgd_bits.py

torch picks its capability once per process (``ATEN_CPU_CAPABILITY``, else
the CPU's widest), so each capability runs in a child process of its own;
the CPU must have AVX-512 for all three. ``test_sgd.py`` replays the cases on
swiftlr with ``torch_capability=`` each and requires the same digests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from scenarios import torch_api  # noqa: E402
from scenarios.sgd_bits import CAPABILITIES, cases, run_torch  # noqa: E402

CASES = 60


def child() -> None:
    import torch

    capability = torch.backends.cpu.get_cpu_capability().lower()
    assert capability == os.environ["ATEN_CPU_CAPABILITY"], capability
    print(json.dumps({"torch": torch.__version__, "digests": [run_torch(c, torch_api()) for c in cases(CASES)]}))


def main() -> None:
    results = {}
    for capability in CAPABILITIES:
        env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True, capture_output=True, text=True)
        results[capability] = json.loads(out.stdout)
    version = {r["torch"] for r in results.values()}.pop()
    if not version.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {version}")
    payload = {
        "torch": version,
        "cases": cases(CASES),
        "digests": {c: r["digests"] for c, r in results.items()},
    }
    (HERE / "sgd_bits.json").write_text(json.dumps(payload) + "\n")
    print(f"SGD bits: {CASES} cases x {len(CAPABILITIES)} capabilities")


if __name__ == "__main__":
    child() if sys.argv[1:] == ["--child"] else main()
