"""The README's examples for a framework, found by what they import, run as pasted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import swiftlr

README = Path(__file__).resolve().parents[4] / "README.md"


def block(marker: str) -> str:
    """The README's one Python block (in a list item or not) that contains ``marker``."""
    found = [
        textwrap.dedent(body)
        for _, body in re.findall(r"^( *)```python\n(.*?)^\1```$", README.read_text(), flags=re.M | re.S)
        if marker in body
    ]
    assert len(found) == 1, f"{len(found)} README blocks contain {marker!r}"
    return found[0]


def run(code: str, cwd: Path) -> list[str]:
    """``code`` in a fresh interpreter importing the swiftlr under test; its output lines."""
    env = {**os.environ, "PYTHONPATH": str(Path(swiftlr.__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()
