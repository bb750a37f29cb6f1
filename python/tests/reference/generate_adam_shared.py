"""Plays the shared-memory Adam programs (``scenarios.adam_shared``: views of
one buffer as separate parameters) on real PyTorch's fused AdamW under each
CPU capability and writes the digests of the final buffers to
``adam_shared.json`` beside this file.

    /work/venvs/torch215/bin/python python/tests/reference/generate_adam_shared.py

Each capability runs in a process of its own (``ATEN_CPU_CAPABILITY`` is read
once, at import); the tests replay each with ``torch_capability=``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CAPABILITIES = ("default", "avx2", "avx512")


def play() -> None:
    import numpy as np
    import torch
    from scenarios.adam_shared import LAYOUTS, digest, torch_result

    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")
    digests = {
        layout: {np.dtype(d).name: digest(torch_result(torch, layout, d)) for d in (np.float32, np.float64)}
        for layout in LAYOUTS
    }
    print(json.dumps({"torch": torch.__version__, "digests": digests}))


def main() -> None:
    payload: dict[str, object] = {"digests": {}}
    for name in CAPABILITIES:
        env = {**os.environ, "ATEN_CPU_CAPABILITY": name}
        out = subprocess.run([sys.executable, __file__, "--play"], env=env, check=True, capture_output=True, text=True)
        played = json.loads(out.stdout)
        payload["torch"] = played["torch"]
        payload["digests"][name] = played["digests"]  # type: ignore[index]
        print(f"{name}: {len(played['digests'])} layouts")
    (HERE / "adam_shared.json").write_text(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    play() if sys.argv[1:] == ["--play"] else main()
