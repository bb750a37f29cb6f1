"""Plays the gradient-clipping scenarios on real PyTorch 2.15 under each CPU
capability and writes ``clip.json`` beside this file.

    /work/venvs/torch215/bin/python python/tests/reference/generate_clip.py

torch's 2-norm fuses the square of each tail element into its sum under
AVX2 and AVX-512 and not under its default capability
(``ATEN_CPU_CAPABILITY``), so each is played in a process of its own; the
tests compare swiftlr under the capability it finds with that entry.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CASES = 150


def play() -> None:
    import torch
    from scenarios import torch_api
    from scenarios.clip import random_clip_case, run_clip_case, tail_clip_cases

    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")
    cases = [random_clip_case(random.Random(f"clip-{i}"), big=i % 10 == 0) for i in range(CASES)]
    cases += tail_clip_cases()
    results = [run_clip_case(c, torch_api(), torch.nn.utils) for c in cases]
    print(json.dumps({"torch": torch.__version__, "cases": cases, "results": results}))


def main() -> None:
    from generate_adam import play_each_capability

    play_each_capability(__file__, "clip.json")


if __name__ == "__main__":
    play() if sys.argv[1:] == ["--play"] else main()
