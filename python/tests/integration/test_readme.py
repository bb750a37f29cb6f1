"""The README's examples work as written: its first Python block runs as pasted
and prints the same 30 lines as ``examples/steplr.py`` (and as the StepLR
table of the reference document, where a copy of it sits beside the repository)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import swiftlr

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
DOCUMENT = ROOT.parent / "shared" / "reference" / "learning-rate-scheduling.txt"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.M | re.S)


def run_python(code: str, cwd: Path) -> list[str]:
    """Runs ``code`` in a fresh interpreter that imports the swiftlr under test."""
    env = {**os.environ, "PYTHONPATH": str(Path(swiftlr.__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return out.stdout.splitlines()


def test_the_first_python_block_runs_as_pasted(tmp_path: Path) -> None:
    """Run from an empty directory, so nothing of the repository but the installed package helps."""
    printed = run_python(python_blocks()[0], tmp_path)
    example = run_python((ROOT / "examples" / "steplr.py").read_text(), tmp_path)
    assert len(printed) == 30
    assert printed == example
    if DOCUMENT.exists():
        table = re.findall(r"^Epoch \d+: Learning Rate = [\d.]+$", DOCUMENT.read_text(), flags=re.M)
        assert printed == table


def test_the_readme_says_what_the_block_prints() -> None:
    """The sentence after the block quotes its first and last lines."""
    printed = run_python(python_blocks()[0], ROOT)
    text = README.read_text()
    assert f"prints `{printed[0]}`" in text
    assert printed[-1].endswith(re.search(r"`Epoch 30: … ([\d.]+)`", text).group(1))  # type: ignore[union-attr]


def test_no_image_or_link_is_relative() -> None:
    """A package index shows the README without the repository: a relative link there is broken."""
    text = README.read_text()
    targets = re.findall(r"<img[^>]*\ssrc=\"([^\"]+)\"", text) + re.findall(r"\]\(([^)]+)\)", text)
    assert [t for t in targets if not re.match(r"https?://|#", t)] == []


def test_the_reader_is_not_sent_to_a_document_they_never_saw() -> None:
    assert not re.search(r"the document'?s?\b", README.read_text(), flags=re.I)
