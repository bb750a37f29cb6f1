"""The `swiftlr` command: preview, plot and list learning-rate schedules.

    swiftlr show StepLR --lr 0.1 --steps 30 --step-size 10 --gamma 0.9
    swiftlr plot OneCycleLR --lr 0.1 --steps 100 --max-lr 1 --total-steps 100 -o onecycle.png
    swiftlr list
    swiftlr show StepLR --help          # a scheduler's options, described

A scheduler's options come from its own signature, in kebab-case
(``--step-size``, ``--T-max``, ``--eta-min``); lists are comma-separated
(``--milestones 30,80``, or ``--milestones 30`` for one); a function argument
(``--lr-lambda``, ``--scale-fn``) is an arithmetic expression in ``epoch``
(``"0.95 ** epoch"``), evaluated by :mod:`swiftlr._expression`, never by Python.
Every mistake ends in one ``error:`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import io
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

import swiftlr
from swiftlr._cli_options import add_scheduler_options, description, parameters
from swiftlr.optim import SGD, lr_scheduler, swa_utils

#: Schedulers the CLI can build: every public scheduler but the composites,
#: whose arguments are schedulers.
_SKIP = {"LRScheduler", "SwiftScheduler", "SequentialLR", "ChainedScheduler"}
#: Bounds that keep a typo (``--steps 1000000000000``) from exhausting memory:
#: a million steps is far more than a table or a plot can show.
MAX_STEPS = 1_000_000
MAX_GROUPS = 1_000
MAX_VALUES = 10_000_000  # steps x groups: 80 MB of float64
MAX_PRECISION = 30

_ERRORS = (ValueError, TypeError, KeyError, ArithmeticError, MemoryError, RecursionError, ImportError, OSError)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake prints one ``error:`` line (not the usage) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def schedulers() -> dict[str, type]:
    found = {name: getattr(lr_scheduler, name) for name in lr_scheduler.__all__ if name not in _SKIP}
    found["SWALR"] = swa_utils.SWALR
    return {name: cls for name, cls in sorted(found.items()) if inspect.isclass(cls)}


def _bounded_int(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _numbers(text: str) -> list[float]:
    """``0.1,0.2`` -> [0.1, 0.2]: at least one number, each finite or not."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    return values


def _groups(text: str) -> list[float]:
    values = _numbers(text)
    if len(values) > MAX_GROUPS:
        raise argparse.ArgumentTypeError(f"at most {MAX_GROUPS} groups, got {len(values)}")
    return values


def common_options(command: str, metrics: bool) -> argparse.ArgumentParser:
    """The options every scheduler takes under ``command`` (a parent parser),
    ``--metrics`` too where ``metrics`` (ReduceLROnPlateau needs it)."""
    parser = _Parser(add_help=False)
    group = parser.add_argument_group("options of every scheduler")
    group.add_argument("--lr", type=float, default=0.1, help="the optimizer's learning rate (default: 0.1)")
    group.add_argument(
        "--groups",
        type=_groups,
        default=None,
        metavar="LRS",
        help="several param groups: their learning rates, comma-separated (default: one group at --lr)",
    )
    group.add_argument(
        "--steps",
        type=_bounded_int(1, MAX_STEPS),
        default=30,
        help=f"how many scheduler steps, 1 to {MAX_STEPS} (default: 30)",
    )
    if metrics:
        group.add_argument(
            "--metrics",
            type=_numbers,
            default=None,
            help="ReduceLROnPlateau only (required there): the metric of each step, comma-separated",
        )
    if command == "plot":
        group.add_argument("-o", "--output", required=True, help="the PNG file to write (required)")
    else:
        group.add_argument(
            "--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)"
        )
        group.add_argument(
            "--precision",
            type=_bounded_int(0, MAX_PRECISION),
            default=5,
            help="digits after the point in text and csv (default: 5)",
        )
    return parser


def scheduler_parser(name: str, cls: type, command: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"swiftlr {command} {name}",
        description=description(cls),
        parents=[common_options(command, name == "ReduceLROnPlateau")],
    )
    add_scheduler_options(parser, cls)
    return parser


def command_parser(command: str, known: dict[str, type]) -> argparse.ArgumentParser:
    """What ``swiftlr show --help`` prints: the command, its schedulers, the common options."""
    text = "print a schedule's learning rates, step by step" if command == "show" else "draw a schedule to a PNG file"
    parser = _Parser(
        prog=f"swiftlr {command}",
        usage=f"swiftlr {command} SCHEDULER [options]",
        description=text,
        parents=[common_options(command, True)],
        epilog=f"SCHEDULER is one of: {', '.join(known)}. 'swiftlr {command} SCHEDULER --help' lists its options.",
    )
    return parser


def build(cls: type, args: argparse.Namespace) -> Any:
    lrs = args.groups if args.groups is not None else [args.lr]
    params = [{"params": [swiftlr.Parameter(np.zeros(1))], "lr": lr} for lr in lrs]
    optimizer = SGD(params, lr=lrs[0], momentum=0.9)
    kwargs = {p.name: getattr(args, p.name) for p in parameters(cls) if hasattr(args, p.name)}
    return cls(optimizer, **kwargs)


def preview(scheduler: Any, args: argparse.Namespace) -> np.ndarray:
    if getattr(args, "metrics", None) is not None:
        if len(args.metrics) < args.steps:
            raise ValueError(f"--metrics has {len(args.metrics)} values, --steps is {args.steps}")
        lrs: np.ndarray = scheduler.preview(args.steps, metrics=args.metrics[: args.steps])
        return lrs
    lrs = scheduler.preview(args.steps)
    return lrs


def render(lrs: np.ndarray, fmt: str, precision: int) -> str:
    if fmt == "json":
        return json.dumps(
            [{"epoch": k + 1, "lr": row.tolist() if len(row) > 1 else float(row[0])} for k, row in enumerate(lrs)]
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["epoch"] + (["lr"] if lrs.shape[1] == 1 else [f"lr_{g}" for g in range(lrs.shape[1])]))
        for k, row in enumerate(lrs):
            writer.writerow([k + 1] + [f"{x:.{precision}f}" for x in row])
        return out.getvalue().rstrip("\n")
    return "\n".join(
        f"Epoch {k + 1}: Learning Rate = " + ", ".join(f"{x:.{precision}f}" for x in row) for k, row in enumerate(lrs)
    )


def _list(known: dict[str, type]) -> None:
    for name, cls in known.items():
        signature = ", ".join(
            p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in parameters(cls)
        )
        print(f"{name}({signature})")


def _run(command: str, name: str, cls: type, options: argparse.Namespace) -> None:
    """Builds the scheduler and shows or draws it; raises on any failure."""
    metrics = getattr(options, "metrics", None)
    groups = len(options.groups) if options.groups is not None else 1
    if options.steps * groups > MAX_VALUES:
        raise ValueError(
            f"--steps {options.steps} with {groups} groups is {options.steps * groups} values, more than {MAX_VALUES}"
        )
    if name == "ReduceLROnPlateau" and metrics is None:
        raise ValueError("ReduceLROnPlateau needs --metrics: the metric of each step, comma-separated")
    if command == "plot":
        folder = os.path.dirname(os.path.abspath(options.output))
        if not os.path.isdir(folder):
            raise ValueError(f"cannot write {options.output}: no directory {folder}")
        if os.path.isdir(options.output):
            raise ValueError(f"cannot write {options.output}: it is a directory")
    scheduler = build(cls, options)
    if command == "show":
        print(render(preview(scheduler, options), options.format, options.precision))
        return
    from swiftlr.plot import plot

    ax = plot(scheduler, options.steps, metrics=metrics)
    try:
        ax.figure.savefig(options.output, dpi=110, bbox_inches="tight")
    except OSError as error:
        raise OSError(f"cannot write {options.output}: {error.strerror or error}") from None
    print(f"wrote {options.output}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known = schedulers()
    top = _Parser(
        prog="swiftlr",
        description="Print, plot and list learning-rate schedules.",
        epilog="'swiftlr show --help' and 'swiftlr show SCHEDULER --help' say more.",
    )
    top.add_argument("--version", action="version", version=f"swiftlr {swiftlr.__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="{show,plot,list}")
    for command, text in (
        ("show", "print a schedule's learning rates, step by step"),
        ("plot", "draw a schedule to a PNG file"),
    ):
        p = sub.add_parser(command, help=text, add_help=False)
        p.add_argument("scheduler", nargs="?", help="one of: " + ", ".join(known))
    sub.add_parser("list", help="list the schedulers and their parameters")
    args, rest = top.parse_known_args(argv)
    if args.command == "list":
        if rest:
            top.error(f"unrecognized arguments: {' '.join(rest)}")
        _list(known)
        return 0
    command = args.command
    if args.scheduler is None or args.scheduler in ("-h", "--help"):
        if args.scheduler is not None or "-h" in rest or "--help" in rest:
            command_parser(command, known).print_help()
            return 0
        top.error(f"{command} needs a scheduler, one of: {', '.join(known)}")
    if args.scheduler not in known:
        top.error(f"unknown scheduler {args.scheduler!r}; choose from: {', '.join(known)}")
    cls = known[args.scheduler]
    options = scheduler_parser(args.scheduler, cls, command).parse_args(rest)
    try:
        _run(command, args.scheduler, cls, options)
    except BrokenPipeError:
        # The reader left (`swiftlr show ... | head`): stop quietly, as other tools do, and keep
        # Python's exit-time flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _ERRORS as error:
        print(f"swiftlr {command} {args.scheduler}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
