"""The `swiftlr` command (`swiftlr.cli`): show, plot, list, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from swiftlr.cli import main
from test_examples import expected_steplr_table


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "swiftlr", *args], capture_output=True, text=True)


def test_show_prints_the_documents_table() -> None:
    out = run("show", "StepLR", "--lr", "0.1", "--steps", "30", "--step-size", "10", "--gamma", "0.9")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected_steplr_table()


def test_formats_and_precision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "ExponentialLR", "--gamma", "0.5", "--steps", "3", "--format", "csv", "--precision", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["epoch,lr", "1,0.050", "2,0.025", "3,0.013"]
    assert main(["show", "MultiStepLR", "--milestones", "1,2", "--steps", "2", "--format", "json", "--groups", "1,2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"epoch": 1, "lr": [0.1, 0.2]}, {"epoch": 2, "lr": [0.010000000000000002, 0.020000000000000004]}]


def test_options_from_the_signature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "CosineAnnealingLR", "--T-max", "4", "--eta-min", "0.01", "--steps", "4"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Epoch 4: Learning Rate = 0.01000"
    assert main(["show", "LambdaLR", "--lr-lambda", "0.5 ** epoch", "--steps", "2", "--lr", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Epoch 1: Learning Rate = 0.50000", "Epoch 2: Learning Rate = 0.25000"]
    assert main(["show", "ReduceLROnPlateau", "--patience", "0", "--metrics", "1,1,1", "--steps", "3", "--lr", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Epoch 3: Learning Rate = 0.01000"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "Nope"], "unknown scheduler 'Nope'; choose from: ConstantLR"),
        (["show", "StepLR", "--steps", "3"], "the following arguments are required: --step-size"),
        (["show", "StepLR", "--step-size", "2", "--nope", "1"], "unrecognized arguments: --nope"),
        (["show", "StepLR", "--step-size", "0"], "step_size must be a positive integer"),
        (["show", "LambdaLR", "--lr-lambda", "__import__('os')"], "may use only epoch and math"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_exit_2_with_a_short_message(args: list[str], message: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_list_names_every_scheduler_with_its_parameters() -> None:
    out = run("list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "StepLR(step_size, gamma=0.1)" in lines
    assert any(line.startswith("OneCycleLR(max_lr, total_steps=None") for line in lines)
    assert len(lines) == 18


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "onecycle.png"
    out = run("plot", "OneCycleLR", "--max-lr", "1", "--total-steps", "50", "--steps", "50", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
