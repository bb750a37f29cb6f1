"""The extension carries three builds of the SGD kernels (baseline x86-64,
AVX2, AVX-512; ``Sources/SwiftLRKernels*``) and picks the widest the CPU has
(``shims.c``). Each build must keep its own code: when the three emitted
symbols of the same name, the linker kept the baseline copy and the wide
builds ran SSE2 code (no zmm instruction in the library). The disassembly
says which instructions are there, whatever CPU runs the test."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess

import pytest

from swiftlr import _swiftlr

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the wide builds exist on x86-64 only")


def _disassembly() -> str:
    objdump = shutil.which("objdump")
    assert objdump is not None, "objdump (binutils) is needed to read the extension"
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", _swiftlr.__file__], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_wide_builds_keep_their_own_code() -> None:
    text = _disassembly()
    # 512-bit and 256-bit registers as operands: vfmadd...(%zmm), vmovups ...%ymm
    assert len(re.findall(r"%zmm\d+", text)) > 100, "no AVX-512 code: the AVX-512 build runs another build's code"
    assert len(re.findall(r"%ymm\d+", text)) > 100, "no AVX2 code: the AVX2 build runs another build's code"


def test_the_picked_build_is_one_of_the_three() -> None:
    assert _swiftlr.sgd_kernels() in ("portable", "avx2", "avx512")
