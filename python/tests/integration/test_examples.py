"""The examples run and print what the reference document prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = ROOT.parent / "shared" / "reference" / "learning-rate-scheduling.txt"


def expected_steplr_table() -> list[str]:
    """StepLR(lr=0.1, step_size=10, gamma=0.9): 0.1 * 0.9 ** (epoch // 10) after each epoch."""
    return [f"Epoch {e}: Learning Rate = {0.1 * 0.9 ** (e // 10):.5f}" for e in range(1, 31)]


def test_expected_table_is_the_documents() -> None:
    table = expected_steplr_table()
    assert table[0] == "Epoch 1: Learning Rate = 0.10000"
    assert table[8] == "Epoch 9: Learning Rate = 0.10000"
    assert table[9] == "Epoch 10: Learning Rate = 0.09000"
    assert table[19] == "Epoch 20: Learning Rate = 0.08100"
    assert table[29] == "Epoch 30: Learning Rate = 0.07290"
    if DOCUMENT.exists():  # the copy of shared/ beside the repository
        printed = re.findall(r"^Epoch \d+: Learning Rate = [\d.]+$", DOCUMENT.read_text(), flags=re.M)
        assert printed == table


def test_steplr_example_prints_the_documents_table() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "steplr.py")], capture_output=True, text=True, check=True
    )
    assert out.stderr == ""
    assert out.stdout.splitlines() == expected_steplr_table()


def run_example(name: str, python: str = sys.executable) -> list[str]:
    out = subprocess.run([python, str(ROOT / "examples" / name)], capture_output=True, text=True, check=True)
    assert out.stderr == ""
    return out.stdout.splitlines()


def test_onecycle_numpy_example_lowers_the_loss() -> None:
    lines = run_example("onecycle_numpy.py")
    losses = [float(m.group(1)) for m in map(re.compile(r"^epoch \d+: loss = ([\d.]+)").match, lines) if m]
    lrs = [float(m.group(1)) for m in map(re.compile(r".*  lr = ([\d.]+)").match, lines) if m]
    assert len(losses) == len(lrs) == 8
    assert losses[-1] < losses[0] * 0.8 and losses[-1] == min(losses)
    assert max(lrs) > 0.9 and lrs[-1] < 1e-3  # up to max_lr=1, then annealed
    accuracy = float(lines[-1].split("=")[1])
    assert accuracy > 0.9


def test_torch_optimizer_example_matches_torch(torch: object) -> None:
    lines = run_example("torch_optimizer.py")
    assert lines[-1] == "identical lrs and weights: True"
    assert len([line for line in lines if line.startswith("epoch")]) == 20


def test_torch_optimizer_example_without_torch_exits_0(tmp_path: Path) -> None:
    """Where torch is not installed the example says so and succeeds: hide it behind a failing import."""
    (tmp_path / "torch.py").write_text("raise ImportError('no torch here')\n")
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "torch_optimizer.py")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])},
    )
    assert "needs PyTorch" in out.stdout


def test_plateau_example_drops_the_lr_when_the_loss_stalls() -> None:
    lines = run_example("plateau.py")
    epochs = [line for line in lines if "val_loss" in line]
    drops = [line for line in lines if "no improvement" in line]
    assert len(epochs) == 25
    assert drops, "the lr never dropped"
    losses = [float(line.split("val_loss = ")[1].split()[0]) for line in epochs]
    lrs = [float(line.split("lr = ")[1]) for line in epochs]
    first_drop = next(k for k, lr in enumerate(lrs) if lr < lrs[0])
    assert first_drop >= 5 and losses[first_drop] < losses[0] / 2  # it learned, then stalled
    assert lrs == sorted(lrs, reverse=True)
    assert len(drops) == len(set(lrs)) - 1  # one line per drop
