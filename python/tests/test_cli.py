"""The `swiftlr` command (`swiftlr.cli`): show, plot, list, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from integration.test_examples import expected_steplr_table

from swiftlr import Parameter, optim
from swiftlr.cli import main
from swiftlr.optim import lr_scheduler as L


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
        (["show", "StepLR", "--step-size", "0"], "step_size must be positive"),
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
        (
            ["show", "OneCycleLR", "--max-lr", "1", "--total-steps", "9", "--three-phase", "maybe"],
            "expected true or false",
        ),
        (
            ["show", "SequentialLR"],
            "SequentialLR takes schedulers: write it as a call, e.g. swiftlr show 'SequentialLR(",
        ),
        (["show", "StepLR(step_size=__import__('os'))"], "is not allowed: an argument is a number, a string"),
        (["show", "StepLR(step_size=2).gamma"], "is not a scheduler call such as StepLR(step_size=10)"),
        (["show", "Nope(x=1)"], "unknown scheduler 'Nope'"),
        (["show", "StepLR(stepsize=2)"], "StepLR has no argument 'stepsize'; it takes: gamma, step_size"),
        (["show", "StepLR(ExponentialLR(gamma=0.9), step_size=2)"], "StepLR takes no schedulers, got 1"),
        (["show", "SequentialLR(ConstantLR(), ExponentialLR(gamma=0.9), milestones=[1, 2])"], "milestones"),
        (["show", "StepLR(step_size=2)", "--step-size", "3"], "unrecognized arguments: --step-size 3"),
        (["plot", "StepLR", "--step-size", "3", "-o", "x.png", "--log-scale", "yes"], "unrecognized arguments: yes"),
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


def test_include_initial_starts_at_the_lr_the_first_step_uses(capsys: pytest.CaptureFixture[str]) -> None:
    """OneCycleLR's first lr, max_lr / div_factor, is the constructor's: line 0, with the momentum."""
    assert (
        main(["show", "OneCycleLR", "--max-lr", "1", "--total-steps", "10", "--steps", "2", "--include-initial"]) == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 0: Learning Rate = 0.04000, Momentum = 0.95000",
        "Epoch 1: Learning Rate = 0.52000, Momentum = 0.90000",
        "Epoch 2: Learning Rate = 1.00000, Momentum = 0.85000",
    ]
    help_text = " ".join(run("show", "StepLR", "--help").stdout.split())
    assert "Line k is the lr after k calls of scheduler.step()" in help_text
    assert "--include-initial also the lr after the constructor (line 0), the one the first optimizer step uses" in (
        help_text
    )


def test_a_non_zero_lr_never_prints_as_zero(capsys: pytest.CaptureFixture[str]) -> None:
    for fmt, rows in (
        ("text", ["Epoch 1: Learning Rate = 0.00010", "Epoch 2: Learning Rate = 1.00000e-07"]),
        ("csv", ["epoch,lr", "1,0.00010", "2,1.00000e-07"]),
    ):
        assert main(["show", "ExponentialLR", "--gamma", "0.001", "--steps", "2", "--format", fmt]) == 0
        assert capsys.readouterr().out.splitlines() == rows
    assert main(["show", "ExponentialLR", "--gamma", "0.001", "--steps", "2", "--precision", "0"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Epoch 2: Learning Rate = 1.0e-07"
    assert (
        main(["show", "LinearLR", "--start-factor", "1", "--end-factor", "0", "--total-iters", "1", "--steps", "1"])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["Epoch 1: Learning Rate = 0.00000"]  # zero is zero


@pytest.mark.parametrize("text", ["true", "TRUE", "True", "1", "false", "False", "FALSE", "0"])
def test_booleans_as_users_write_them(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["show", "OneCycleLR", "--max-lr", "1", "--total-steps", "10", "--steps", "1", "--cycle-momentum", text]
    assert main(args) == 0
    cycles = "Momentum" in capsys.readouterr().out
    assert cycles == (text.lower() in ("true", "1"))


def test_metrics_set_the_step_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "ReduceLROnPlateau", "--patience", "0", "--metrics", "1,1,1,1", "--lr", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert main(["show", "StepLR", "--step-size", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 30


def test_json_is_one_shape_with_momentum_where_it_cycles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "StepLR", "--step-size", "1", "--gamma", "0.5", "--steps", "2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"epoch": 1, "lr": [0.05]}, {"epoch": 2, "lr": [0.025]}]
    args = ["show", "CyclicLR", "--base-lr", "0.1", "--max-lr", "1", "--step-size-up", "2", "--steps", "2"]
    assert main([*args, "--format", "json", "--include-initial"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["epoch"] for row in rows] == [0, 1, 2]
    assert rows[0] == {"epoch": 0, "lr": [0.1], "momentum": [0.9]} and rows[2]["momentum"] == [0.8]
    assert main([*args, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["epoch,lr,momentum", "1,0.55000,0.85000", "2,1.00000,0.80000"]


def test_composites_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's example, against the same composite built in Python."""
    from swiftlr import Parameter
    from swiftlr.optim import SGD, lr_scheduler

    text = "SequentialLR(LinearLR(start_factor=0.1,total_iters=5), CosineAnnealingLR(T_max=95), milestones=[5])"
    assert main(["show", text, "--steps", "100", "--format", "json", "--include-initial"]) == 0
    rows = json.loads(capsys.readouterr().out)
    opt = SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    schedulers = [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5), lr_scheduler.CosineAnnealingLR(opt, 95)]
    sequential = lr_scheduler.SequentialLR(opt, schedulers, milestones=[5])
    want = [opt.param_groups[0]["lr"], *sequential.preview(100)[:, 0].tolist()]
    assert [row["lr"][0] for row in rows] == want
    chained = "ChainedScheduler(schedulers=[ConstantLR(factor=0.5, total_iters=2), ExponentialLR(gamma=0.9)])"
    assert main(["show", chained, "--steps", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 1: Learning Rate = 0.04500",
        "Epoch 2: Learning Rate = 0.08100",
    ]
    assert main(["show", "LambdaLR(lr_lambda='0.5 ** epoch')", "--steps", "1", "--lr", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Epoch 1: Learning Rate = 0.50000"]
    assert main(["show", "OneCycleLR(max_lr=1, total_steps=10, cycle_momentum=false)", "--steps", "1"]) == 0
    assert "Momentum" not in capsys.readouterr().out


def test_call_help_lists_the_common_options() -> None:
    out = run("show", "StepLR(step_size=3)", "--help")
    assert out.returncode == 0, out.stderr
    assert "--include-initial" in out.stdout and "--step-size" not in out.stdout


def test_the_readmes_cli_examples_run(tmp_path: Path) -> None:
    """Every ``swiftlr ...`` line of the README's CLI section, as a shell would split it."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("* **The `swiftlr` command**", 1)[1].split("\n* **", 1)[0]
    commands = re.findall(r"^\s*\$ (swiftlr .*)$", section, flags=re.M)
    assert len(commands) >= 4, section
    for line in commands:
        out = run(*shlex.split(line)[1:]) if "-o " not in line else None
        if out is None:
            pytest.importorskip("matplotlib")
            out = subprocess.run(
                [sys.executable, "-m", "swiftlr", *shlex.split(line)[1:]], capture_output=True, text=True, cwd=tmp_path
            )
        assert out.returncode == 0, (line, out.stderr)


# MARK: - a plateau stage given metrics, a cooldown after a schedule (as a person runs them)

METRICS = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]


def _warmup_then_plateau(opt: Any) -> Any:
    return L.SequentialLR(
        opt, [L.LinearLR(opt, start_factor=0.1, total_iters=3), L.ReduceLROnPlateau(opt, patience=1)], milestones=[3]
    )


def _decay_and_plateau(opt: Any) -> Any:
    return L.ChainedScheduler([L.ExponentialLR(opt, gamma=0.9), L.ReduceLROnPlateau(opt, patience=1)])


def _warmup_then_cooldown(opt: Any) -> Any:
    return L.SequentialLR(
        opt,
        [L.LinearLR(opt, start_factor=0.1, total_iters=5), L.CooldownLR(opt, decay_steps=10, decay_type="1-sqrt")],
        milestones=[20],
    )


# The command line's scheduler, and the same schedule built in Python.
ROUTES = {
    "SequentialLR(LinearLR(start_factor=0.1, total_iters=3), ReduceLROnPlateau(patience=1), milestones=[3])": (
        _warmup_then_plateau,
        METRICS,
    ),
    "ChainedScheduler(ExponentialLR(gamma=0.9), ReduceLROnPlateau(patience=1))": (_decay_and_plateau, METRICS),
    "SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CooldownLR(decay_steps=10, decay_type='1-sqrt'), "
    "milestones=[20])": (_warmup_then_cooldown, None),
}


def by_hand(build: Any, metrics: list[float] | None, steps: int) -> list[list[float]]:
    """The lrs of the loop a user writes: optimizer step, scheduler step (with the metric)."""
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = build(opt)
    rows = []
    for k in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[k])
        rows.append([g["lr"] for g in opt.param_groups])
    return rows


@pytest.mark.parametrize("text", ROUTES)
def test_composites_show_the_loop_written_by_hand(text: str) -> None:
    build, metrics = ROUTES[text]
    args = ["--metrics", ",".join(map(str, metrics))] if metrics is not None else ["--steps", "35"]
    out = run("show", text, *args, "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = [row["lr"] for row in json.loads(out.stdout)]
    assert rows == by_hand(build, metrics, len(metrics) if metrics is not None else 35)  # --steps: as many as metrics


@pytest.mark.parametrize("text", ROUTES)
def test_composites_plot(text: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _, metrics = ROUTES[text]
    target = tmp_path / "schedule.png"
    args = ["--metrics", ",".join(map(str, metrics))] if metrics is not None else ["--steps", "35"]
    out = run("plot", text, *args, "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_metrics_missing_or_refused() -> None:
    plateau = next(iter(ROUTES))
    out = run("show", plateau)
    assert out.returncode == 2
    assert "SequentialLR has a ReduceLROnPlateau stage: it needs --metrics" in out.stderr
    out = run(
        "show", "SequentialLR(LinearLR(total_iters=2), ExponentialLR(gamma=0.9), milestones=[2])", "--metrics", "1,2"
    )
    assert out.returncode == 2
    assert "SequentialLR takes no metric" in out.stderr
