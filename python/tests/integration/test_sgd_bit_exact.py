"""swiftlr's SGD against torch's default CPU path (``foreach=False``) bit for
bit, under each CPU capability torch dispatches on x86-64: the committed
digests of torch 2.15 (``reference/generate_sgd_bits.py``), and live against
whatever torch is installed, each capability in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from scenarios import swiftlr_api
from scenarios.sgd_bits import CAPABILITIES, run_swiftlr

TESTS = Path(__file__).resolve().parents[1]
REFERENCE = json.loads((TESTS / "reference" / "sgd_bits.json").read_text())


@pytest.mark.parametrize("capability", CAPABILITIES)
@pytest.mark.parametrize("index", range(len(REFERENCE["cases"])))
def test_equals_torch_215_bit_for_bit(capability: str, index: int) -> None:
    assert REFERENCE["torch"].startswith("2.15.")
    case = REFERENCE["cases"][index]
    assert run_swiftlr(case, swiftlr_api(), capability) == REFERENCE["digests"][capability][index]


def test_the_digests_tell_the_arithmetics_apart() -> None:
    """The fused and unfused references differ in most cases, so following the
    wrong capability fails the test above."""
    digests = REFERENCE["digests"]
    differ = [i for i, (a, b) in enumerate(zip(digests["default"], digests["avx2"])) if a != b]
    assert len(differ) > len(REFERENCE["cases"]) // 2
    assert digests["avx2"] == digests["avx512"]
    case = REFERENCE["cases"][differ[0]]
    assert run_swiftlr(case, swiftlr_api(), "default") != digests["avx2"][differ[0]]


def _machine_capability() -> str:
    """What torch picks here with ATEN_CPU_CAPABILITY unset (swiftlr's rule)."""
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    code = "from swiftlr import _swiftlr; print(_swiftlr.torch_capability())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


LIVE = textwrap.dedent(
    """
    import json, random, sys
    import torch
    import swiftlr
    from scenarios import swiftlr_api, torch_api
    from scenarios.sgd_bits import random_case, run_swiftlr, run_torch
    cases = [random_case(random.Random(f"live-bits-{i}")) for i in range(int(sys.argv[1]))]
    print(json.dumps({
        "torch": torch.backends.cpu.get_cpu_capability().lower(),
        "swiftlr": swiftlr._swiftlr.torch_capability(),
        "differ": [c for c in cases if run_swiftlr(c, swiftlr_api(), None) != run_torch(c, torch_api())],
    }))
    """
)


def test_live_bit_for_bit_under_each_capability(torch: Any) -> None:
    """Each capability this CPU can run (torch's AVX-512 kernels need an
    AVX-512 CPU), in a child process where torch and swiftlr's default SGD
    both read it from ATEN_CPU_CAPABILITY."""
    available = CAPABILITIES[: CAPABILITIES.index(_machine_capability()) + 1]
    for capability in available:
        env = {**os.environ, "ATEN_CPU_CAPABILITY": capability, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
        out = subprocess.run(
            [sys.executable, "-c", LIVE, "25"], env=env, check=True, capture_output=True, text=True, cwd=TESTS
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["torch"] == result["swiftlr"] == capability
        assert result["differ"] == [], capability
