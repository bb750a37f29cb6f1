"""The compiled module `swiftlr._swiftlr`: self-contained, stripped, generic."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from swiftlr import _swiftlr


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
def test_links_no_swift_runtime() -> None:
    out = subprocess.run(["ldd", _swiftlr.__file__], capture_output=True, text=True, check=True).stdout
    assert "libswift" not in out and "libFoundation" not in out and "libdispatch" not in out


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf")
def test_is_stripped() -> None:
    sections = subprocess.run(["readelf", "-S", _swiftlr.__file__], capture_output=True, text=True, check=True).stdout
    assert ".symtab" not in sections


def test_imports_without_swift_on_library_paths() -> None:
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": ""}
    # What the suite runs against: a development checkout's python/ (PYTHONPATH),
    # or .ci/sanitize's AddressSanitizer build, which needs its runtime preloaded.
    for name in ("PYTHONPATH", "LD_PRELOAD", "ASAN_OPTIONS", "PYTHONMALLOC"):
        if name in os.environ:
            env[name] = os.environ[name]
    code = "import swiftlr._swiftlr as m, sys; sys.stdout.write(m.__name__)"
    out = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "swiftlr._swiftlr"


def test_scheduler_core_errors() -> None:
    with pytest.raises(ValueError, match="unknown scheduler 'Nope'"):
        _swiftlr.NativeScheduler("Nope", {"base_lrs": [0.1]})
    with pytest.raises(TypeError, match="keys must be str"):
        _swiftlr.NativeScheduler("StepLR", {1: 2})
    with pytest.raises(TypeError, match="missing required argument: 'step_size'"):
        _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1]})
    with pytest.raises(RuntimeError, match="not initialized"):
        _swiftlr.NativeScheduler()._core_get("last_epoch")
    core = _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1], "step_size": 1, "gamma": 0.5})
    with pytest.raises(ValueError, match="param groups"):
        core._core_step(groups=[{"lr": 0.1}, {"lr": 0.2}])
    with pytest.raises(AttributeError, match="no optimizer"):
        core._core_step()
    with pytest.raises(AttributeError):
        core._core_get("nope")
    assert core._core_get("last_epoch") == -1  # failed steps changed nothing
    copy = core._core_copy()
    groups = [{"lr": 0.1}]
    core._core_step(groups=groups)
    core._core_step(groups=groups)
    assert core._core_get("last_epoch") == 1 and copy._core_get("last_epoch") == -1
    assert core._core_fields == ("step_size", "gamma", "base_lrs", "last_epoch")


def test_core_save_and_restore() -> None:
    """_core_restore puts back the core and step bookkeeping _core_save saw,
    and only on the scheduler the state came from."""
    core = _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1], "step_size": 1, "gamma": 0.5})
    groups = [{"lr": 0.1}]
    core._core_step(groups=groups)
    token = core._core_save()
    before = (core._core_get("last_epoch"), core._step_count, core._is_initial)
    core._core_step(groups=groups)
    core._core_step(groups=groups)
    assert core._core_get("last_epoch") == before[0] + 2
    core._core_restore(token)
    assert (core._core_get("last_epoch"), core._step_count, core._is_initial) == before
    core._core_step(groups=groups)  # steps on from the restored state
    assert core._core_get("last_epoch") == before[0] + 1
    other = _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1], "step_size": 1, "gamma": 0.5})
    with pytest.raises(ValueError, match="saved from this scheduler"):
        other._core_restore(token)
    with pytest.raises(ValueError):  # not a token
        core._core_restore(object())
    assert other._core_get("last_epoch") == -1


def test_step_writes_only_changed_lrs() -> None:
    """An unchanged lr stays the same float object: a step that changes
    nothing writes nothing into the group."""
    core = _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1], "step_size": 3, "gamma": 0.5})
    lr = 0.1
    groups = [{"lr": lr}]
    core._core_step(groups=groups)
    assert groups[0]["lr"] is lr
    core._core_step(groups=groups)
    core._core_step(groups=groups)
    core._core_step(groups=groups)
    assert groups[0]["lr"] == 0.05
