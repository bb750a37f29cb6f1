"""The `swiftlr` command (`swiftlr.cli`): show, plot, list, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_examples import expected_steplr_table

from swiftlr.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "swiftlr", *args], capture_output=True, text=True)


def test_show_prints_the_documents_table() -> None:
    out = run("show", "StepLR", "--lr", "0.1", "--steps", "30", "--step-size", "10", "--gamma", "0.9")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected_steplr_table()


def test_formats_and_precision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "ExponentialLR", "--gamma", "0.5", "--steps", "3", "--format", "csv", "--precision", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["epoch,lr", "1,0.050", "2,0.025", "3,0.013"]
    assert (
        main(["show", "MultiStepLR", "--milestones", "1,2", "--steps", "2", "--format", "json", "--groups", "1,2"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"epoch": 1, "lr": [0.1, 0.2]}, {"epoch": 2, "lr": [0.010000000000000002, 0.020000000000000004]}]


def test_options_from_the_signature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "CosineAnnealingLR", "--T-max", "4", "--eta-min", "0.01", "--steps", "4"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Epoch 4: Learning Rate = 0.01000"
    assert main(["show", "LambdaLR", "--lr-lambda", "0.5 ** epoch", "--steps", "2", "--lr", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 1: Learning Rate = 0.50000",
        "Epoch 2: Learning Rate = 0.25000",
    ]
    assert (
        main(["show", "ReduceLROnPlateau", "--patience", "0", "--metrics", "1,1,1", "--steps", "3", "--lr", "1"]) == 0
    )
    assert capsys.readouterr().out.splitlines()[-1] == "Epoch 3: Learning Rate = 0.01000"


def test_milestones_take_a_single_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "MultiStepLR", "--milestones", "2", "--steps", "3", "--lr", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "Epoch 2: Learning Rate = 0.10000",
        "Epoch 3: Learning Rate = 0.10000",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "Nope"], "unknown scheduler 'Nope'; choose from: ConstantLR"),
        (["show"], "show needs a scheduler, one of: ConstantLR"),
        (["show", "StepLR", "--steps", "3"], "the following arguments are required: --step-size"),
        (["show", "StepLR", "--step-size", "2", "--nope", "1"], "unrecognized arguments: --nope"),
        (["show", "StepLR", "--step-size", "0"], "step_size must be a positive integer"),
        (
            ["show", "StepLR", "--step-size", "3", "--groups", ","],
            "--groups: expected comma-separated numbers, got ','",
        ),
        (["show", "StepLR", "--step-size", "3", "--steps", "1000000000000"], "--steps: must be between 1 and 1000000"),
        (["show", "StepLR", "--step-size", "3", "--steps", "0"], "--steps: must be between 1 and 1000000"),
        (
            ["show", "StepLR", "--step-size", "3", "--steps", "20000", "--groups", ",".join(["0.1"] * 600)],
            "--steps 20000 with 600 groups is 12000000 values, more than 10000000",
        ),
        (["show", "StepLR", "--step-size", "3", "--precision", "1000"], "--precision: must be between 0 and 30"),
        (["show", "StepLR", "--step-size", "3", "--format", "xml"], "--format: invalid choice: 'xml'"),
        (["show", "LambdaLR", "--lr-lambda", "0.95 **"], "'0.95 **' is not an expression"),
        (["show", "LambdaLR", "--lr-lambda", "__import__('os')"], "cannot call '__import__'"),
        (["show", "LambdaLR", "--lr-lambda", "(lambda: ().__class__.__base__.__subclasses__())()"], "cannot call"),
        (["show", "LambdaLR", "--lr-lambda", "1 / epoch"], "'1 / epoch' at 0: float division by zero"),
        (["show", "LambdaLR", "--lr-lambda", "9 ** 9 ** 9 ** 9"], "at 0: overflow"),
        (["show", "ReduceLROnPlateau"], "ReduceLROnPlateau needs --metrics"),
        (["show", "ReduceLROnPlateau", "--metrics", "1,x"], "--metrics: expected comma-separated numbers"),
        (["show", "ReduceLROnPlateau", "--metrics", "1,2", "--steps", "3"], "--metrics has 2 values, --steps is 3"),
        (["plot", "StepLR", "--step-size", "3", "-o", "/nonexistent/dir/x.png"], "cannot write /nonexistent/dir/x.png"),
        (["plot", "StepLR", "--step-size", "3"], "the following arguments are required: -o/--output"),
        (["list", "extra"], "unrecognized arguments: extra"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_exit_2_with_one_error_line(args: list[str], message: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1, out.stderr
    assert "error: " in out.stderr and message in out.stderr, out.stderr


def test_plot_into_a_directory_is_refused(tmp_path: Path) -> None:
    out = run("plot", "StepLR", "--step-size", "3", "-o", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.strip().endswith(f"cannot write {tmp_path}: it is a directory")
    assert list(tmp_path.parent.glob(tmp_path.name + ".*")) == []


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path: Path) -> None:
    """A None entry in sys.modules makes ``import matplotlib`` raise ImportError."""
    code = "import sys; sys.modules['matplotlib'] = None; from swiftlr.cli import main; raise SystemExit(main(sys.argv[1:]))"
    target = tmp_path / "x.png"
    out = subprocess.run(
        [sys.executable, "-c", code, "plot", "StepLR", "--step-size", "3", "-o", str(target)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert len(out.stderr.splitlines()) == 1
    assert "error: swiftlr.plot needs matplotlib: pip install 'swiftlr[plot]'" in out.stderr
    assert not target.exists()


@pytest.mark.parametrize("command", ["show", "plot"])
def test_command_help_lists_the_schedulers_and_common_options(command: str) -> None:
    for args in ([command, "--help"], [command, "-h"]):
        out = run(*args)
        assert out.returncode == 0, out.stderr
        assert f"usage: swiftlr {command} SCHEDULER [options]" in out.stdout
        assert "WarmupStableDecayLR" in out.stdout and "--steps" in out.stdout
    assert ("(default: text)" in out.stdout) == (command == "show")


def test_scheduler_help_describes_every_option_with_its_default() -> None:
    out = run("show", "OneCycleLR", "--help")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "according to the 1cycle policy: from an initial lr up to a maximum" in text
    assert "--format {text,csv,json} output format (default: text)" in text
    assert "--max-lr MAX_LR Upper learning rate boundaries in the cycle for each parameter group. (required)" in text
    assert "--pct-start PCT_START The fraction of the cycle spent increasing the lr. Default: 0.3." in text
    assert ":meth:" not in text


def test_list_names_every_scheduler_with_its_parameters() -> None:
    out = run("list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "StepLR(step_size, gamma=0.1)" in lines
    assert any(line.startswith("OneCycleLR(max_lr, total_steps=None") for line in lines)
    assert len(lines) == 19


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "onecycle.png"
    out = run("plot", "OneCycleLR", "--max-lr", "1", "--total-steps", "50", "--steps", "50", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_closed_pipe_ends_quietly() -> None:
    """``swiftlr show ... | head -1``: no error line, no 'Exception ignored' noise."""
    with subprocess.Popen(
        [sys.executable, "-m", "swiftlr", "show", "StepLR", "--step-size", "3", "--steps", "1000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        assert process.wait() == 1
    assert first == b"Epoch 1: Learning Rate = 0.10000\n"
    assert stderr == b""
