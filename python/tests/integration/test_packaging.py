"""The packaging facts agree with each other: the CPythons CI builds and tests
(``.ci/packaging``) are the ones ``pyproject.toml`` declares, from the
``requires-python`` floor up, and the sdist's manifest ships what SwiftPM and
the tests need. (``.ci/packaging`` itself builds and installs the files.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def ci_versions() -> list[str]:
    found = re.search(r"SWIFTLR_PYTHONS:-([\d. ]+)\}", (ROOT / ".ci" / "packaging").read_text())
    assert found, "no default version list in .ci/packaging"
    return found.group(1).split()


def test_ci_tests_every_declared_cpython_from_the_floor() -> None:
    versions = ci_versions()
    floor = re.fullmatch(r">=(\d+\.\d+)", PROJECT["requires-python"])
    assert floor and versions[0] == floor.group(1)
    minors = [int(v.split(".")[1]) for v in versions]
    assert minors == list(range(minors[0], minors[0] + len(minors)))
    declared = [
        c.rsplit(" :: ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert declared == versions


def test_the_license_is_an_spdx_expression_with_its_file() -> None:
    assert PROJECT["license"] == "BSD-3-Clause"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "BSD 3-Clause License" in (ROOT / "LICENSE").read_text()


def test_the_manifest_ships_what_swiftpm_and_the_tests_read() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text()
    grafted = set(re.findall(r"^graft (\S+)$", manifest, flags=re.M))
    included = set(" ".join(re.findall(r"^include (.+)$", manifest, flags=re.M)).split())
    assert {"Sources", "Tests", "python", "examples", "docs", ".ci"} <= grafted
    assert {"Package.swift", "LICENSE", "README.md", "pyproject.toml", "setup.py", "mkdocs.yml"} <= included
