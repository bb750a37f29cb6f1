"""Plays the Adam scenarios on real PyTorch's fused Adam under each CPU
capability and writes ``adam.json`` beside this file.

    /work/venvs/torch215/bin/python python/tests/reference/generate_adam.py

torch's fused kernel rounds differently under each capability (AVX-512, AVX2,
default: ``ATEN_CPU_CAPABILITY``), so each is played in a process of its own;
the tests compare swiftlr under the capability it finds with that entry.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CASES = 30
CAPABILITIES = {"default": 0, "avx2": 1, "avx512": 2}


def play() -> None:
    import torch
    from scenarios import torch_api
    from scenarios.adam import random_adam_case, run_adam_case

    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")
    cases = [random_adam_case(random.Random(f"adam-{i}")) for i in range(CASES)]
    results = [run_adam_case(c, torch_api()) for c in cases]
    print(json.dumps({"torch": torch.__version__, "cases": cases, "results": results}))


def play_each_capability(script: str, out_name: str) -> None:
    """Runs ``script --play`` under each CPU capability and writes what each
    printed into ``out_name`` beside this file, keyed by capability code."""
    payload: dict[str, object] = {"capabilities": {}}
    for name, code in CAPABILITIES.items():
        env = {**os.environ, "ATEN_CPU_CAPABILITY": name}
        out = subprocess.run([sys.executable, script, "--play"], env=env, check=True, capture_output=True, text=True)
        played = json.loads(out.stdout)
        payload["torch"] = played["torch"]
        payload["cases"] = played["cases"]
        payload["capabilities"][str(code)] = played["results"]  # type: ignore[index]
        print(f"{name}: {len(played['cases'])} cases")
    (HERE / out_name).write_text(json.dumps(payload, separators=(",", ":")) + "\n")


def main() -> None:
    play_each_capability(__file__, "adam.json")


if __name__ == "__main__":
    play() if sys.argv[1:] == ["--play"] else main()
