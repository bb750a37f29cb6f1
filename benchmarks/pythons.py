"""Scheduler steps on every supported CPython found on this machine (pyenv's
3.11, 3.12, 3.13, and any given with --python): swiftlr is built with each
interpreter into a temporary directory and `scheduler_bench` runs there in a
subprocess. An interpreter that cannot build or import swiftlr (no numpy, no
setuptools, a failed build) is reported and skipped."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ((3, 11), (3, 12), (3, 13))


def find(extra: list[str]) -> list[str]:
    """One interpreter per supported version: pyenv's, or one of `extra`
    (given with --python, e.g. a venv with numpy) in its place."""
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    by_version: dict[tuple[int, ...], str] = {}
    for path in sorted(glob.glob(f"{root}/versions/3.*/bin/python3")) + extra:
        version = _version(path)
        if version is not None and tuple(version[:2]) in SUPPORTED:
            by_version[tuple(version[:2])] = path
    return [by_version[v] for v in sorted(by_version)]


def _version(python: str) -> list[int] | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(list(sys.version_info[:3]))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return json.loads(out)


def _missing(python: str) -> str | None:
    for module in ("numpy", "setuptools"):
        check = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=120)
        if check.returncode != 0:
            return f"{module} is not installed for it"
    return None


def measure(python: str, rounds: int) -> tuple[str, list[dict[str, Any]] | str]:
    """(version, rows of scheduler_bench.run, or why it was skipped)."""
    version = ".".join(map(str, _version(python) or []))
    reason = _missing(python)
    if reason:
        return version, reason
    in_tree = str(ROOT / "python")
    probe = subprocess.run(
        [python, "-c", "import swiftlr._swiftlr"],
        capture_output=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=in_tree),
    )
    if probe.returncode == 0:  # the tree's own build fits this interpreter
        return version, _run(python, in_tree, rounds)
    work = Path(tempfile.mkdtemp(prefix=f"swiftlr-bench-{version}-"))
    try:
        shutil.copytree(
            ROOT / "python" / "swiftlr", work / "swiftlr", ignore=shutil.ignore_patterns("*.so", "__pycache__")
        )
        build = subprocess.run(
            [python, "setup.py", "-q", "build_ext", "--build-lib", str(work), "--build-temp", str(work / "build")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if build.returncode != 0:
            return version, "the build failed: " + (build.stderr.strip().splitlines() or ["?"])[-1]
        return version, _run(python, str(work), rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(python: str, package_dir: str, rounds: int) -> list[dict[str, Any]] | str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_dir, str(ROOT / "benchmarks")]))
    code = f"import json, scheduler_bench; print(json.dumps(scheduler_bench.run(None, {rounds})))"
    run = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=1800, env=env, cwd=package_dir)
    if run.returncode != 0:
        return "swiftlr did not run: " + (run.stderr.strip().splitlines() or ["?"])[-1]
    return json.loads(run.stdout.strip().splitlines()[-1])


def report(extra: list[str], rounds: int, torch_times: dict[str, float]) -> list[tuple[str, str, float]]:
    """Prints one table row per scheduler and interpreter; returns (version,
    label, torch's time / swiftlr's) for each row torch has. `torch_times`:
    torch's time per step by label, from the main run (torch is installed
    for that interpreter only)."""
    vs_torch_rows = []
    print("| Python | figure | swiftlr | vs torch | vs Python |")
    print("|---|---|---|---|---|")
    for python in find(extra):
        version, rows = measure(python, rounds)
        if isinstance(rows, str):
            print(f"| {version} | – | – | – | skipped ({python}): {rows} |")
            continue
        for row in rows:
            if row.get("missing"):
                continue
            t = row["times"]
            theirs = torch_times.get(row["label"])
            vs_torch = f"{theirs / t['swiftlr']:.1f}x" if theirs else "–"
            if theirs:
                vs_torch_rows.append((version, row["label"], theirs / t["swiftlr"]))
            print(
                f"| {version} | {row['label']} | {t['swiftlr'] * 1e9:.0f} ns | {vs_torch} | "
                f"{t['python'] / t['swiftlr']:.1f}x |"
            )
    sys.stdout.flush()
    return vs_torch_rows
