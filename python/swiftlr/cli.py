"""The `swiftlr` command: preview, plot and list learning-rate schedules.

    swiftlr show StepLR --lr 0.1 --steps 30 --step-size 10 --gamma 0.9
    swiftlr show OneCycleLR --max-lr 1 --total-steps 100 --include-initial
    swiftlr show "SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=95), milestones=[5])"
    swiftlr plot OneCycleLR --lr 0.1 --steps 100 --max-lr 1 --total-steps 100 -o onecycle.png --log-scale
    swiftlr list
    swiftlr show StepLR --help          # a scheduler's options, described

Line ``k`` is the lr after ``k`` calls of ``step()``; ``--include-initial``
adds line 0, the lr after the constructor (the one the first optimizer step
uses). A scheduler's options come from its own signature, in kebab-case
(``--step-size``, ``--T-max``, ``--eta-min``); lists are comma-separated
(``--milestones 30,80``, or ``--milestones 30`` for one); booleans are
true/false/1/0 in any case; a function argument (``--lr-lambda``,
``--scale-fn``) is an arithmetic expression in ``epoch`` (``"0.95 ** epoch"``),
evaluated by :mod:`swiftlr._expression`, never by Python. A scheduler can
also be written as a call, composites included, which
:func:`swiftlr._expression.parse_scheduler` checks (literals and scheduler
calls only) and never evaluates. Every mistake ends in one ``error:`` line on
stderr and exit status 2.
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
from swiftlr._cli_options import FUNCTION_ARGUMENTS, add_scheduler_options, description, parameters
from swiftlr._expression import ExpressionError, SchedulerCall, parse_function, parse_scheduler
from swiftlr.optim import SGD, lr_scheduler, swa_utils
from swiftlr.plot import with_initial

#: Schedulers the CLI can build by name: every public scheduler but the
#: composites, whose arguments are schedulers (written as calls instead).
_SKIP = {"LRScheduler", "SwiftScheduler", "SequentialLR", "ChainedScheduler"}
COMPOSITES = ("SequentialLR", "ChainedScheduler")
#: What ``--help`` says each line is.
LINES = (
    "Line k is the lr after k calls of scheduler.step() (the lr optimizer step k+1 uses); "
    "--include-initial adds line 0, the lr after the constructor, which the first optimizer step uses."
)
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
    group = parser.add_argument_group("options of every scheduler", LINES)
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
        default=None,
        help=f"how many scheduler steps, 1 to {MAX_STEPS} (default: as many as --metrics has, else 30)",
    )
    group.add_argument(
        "--include-initial",
        action="store_true",
        help="also the lr after the constructor (line 0), the one the first optimizer step uses",
    )
    if metrics:
        group.add_argument(
            "--metrics",
            type=_numbers,
            default=None,
            help="the metric of each step, comma-separated: required by ReduceLROnPlateau and by a "
            "SequentialLR or ChainedScheduler with a ReduceLROnPlateau stage, refused by the others",
        )
    if command == "plot":
        group.add_argument("-o", "--output", required=True, help="the PNG file to write (required)")
        group.add_argument("--log-scale", action="store_true", help="a logarithmic lr axis")
    else:
        group.add_argument(
            "--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)"
        )
        group.add_argument(
            "--precision",
            type=_bounded_int(0, MAX_PRECISION),
            default=5,
            help="digits after the point in text and csv; a non-zero lr that would show as 0 is written "
            "in scientific notation instead (default: 5)",
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
        epilog=f"SCHEDULER is one of: {', '.join(known)}. 'swiftlr {command} SCHEDULER --help' lists its options. "
        "SCHEDULER can also be a call with the options inside, composites too: "
        f"swiftlr {command} 'SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=95), "
        "milestones=[5])' (numbers, strings, true/false, None, lists and scheduler calls; checked, never run "
        "as Python).",
    )
    return parser


def call_parser(command: str, text: str) -> argparse.ArgumentParser:
    """The options of a scheduler written as a call: the common ones only."""
    return _Parser(
        prog=f"swiftlr {command} {text!r}",
        description="the scheduler written as a call: its arguments are inside it",
        parents=[common_options(command, True)],
    )


def optimizer_for(args: argparse.Namespace) -> Any:
    lrs = args.groups if args.groups is not None else [args.lr]
    params = [{"params": [swiftlr.Parameter(np.zeros(1))], "lr": lr} for lr in lrs]
    return SGD(params, lr=lrs[0], momentum=0.9)


def build(cls: type, args: argparse.Namespace) -> Any:
    kwargs = {p.name: getattr(args, p.name) for p in parameters(cls) if hasattr(args, p.name)}
    return cls(optimizer_for(args), **kwargs)


def build_call(call: SchedulerCall, optimizer: Any, known: dict[str, type]) -> Any:
    """The scheduler ``call`` over ``optimizer``: children first (as Python builds them), then the composite."""
    cls = getattr(lr_scheduler, call.name) if call.name in COMPOSITES else known[call.name]
    names = {p.name for p in parameters(cls)}
    unknown = sorted(set(call.arguments) - names)
    if unknown:
        raise TypeError(f"{call.name} has no argument {unknown[0]!r}; it takes: {', '.join(sorted(names))}")
    kwargs = {
        name: parse_function(value) if name in FUNCTION_ARGUMENTS and isinstance(value, str) else value
        for name, value in call.arguments.items()
    }
    children = [build_call(child, optimizer, known) for child in call.schedulers]
    if call.name in COMPOSITES:
        return cls(schedulers=children, optimizer=optimizer, **kwargs)
    if children:
        raise TypeError(f"{call.name} takes no schedulers, got {len(children)}")
    return cls(optimizer, **kwargs)


def preview(scheduler: Any, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None]:
    """The lrs (and cycled momenta, or None), one row per line: with
    ``--include-initial`` the groups' values now, then one row per step."""
    metrics = getattr(args, "metrics", None)
    kwargs: dict[str, Any] = {}
    if metrics is not None:
        if len(metrics) < args.steps:
            raise ValueError(f"--metrics has {len(metrics)} values, --steps is {args.steps}")
        kwargs["metrics"] = metrics[: args.steps]
    lrs, momenta = scheduler.preview(args.steps, with_momentum=True, **kwargs)
    return with_initial(scheduler, lrs, momenta) if args.include_initial else (lrs, momenta)


def number(x: float, precision: int) -> str:
    """``x`` with ``precision`` digits after the point, unless that shows a
    non-zero ``x`` as zero: then in scientific notation, ``precision`` digits."""
    text = f"{x:.{precision}f}"
    if x != 0 and float(text) == 0:
        return f"{x:.{max(precision, 1)}e}"
    return text


def render(rows: tuple[np.ndarray, np.ndarray | None], fmt: str, precision: int, first: int = 1) -> str:
    """The lines (``first`` is the first line's step number), with a momentum column where it cycles."""
    lrs, momenta = rows
    epochs = range(first, first + len(lrs))
    if fmt == "json":
        return json.dumps(
            [
                {
                    "epoch": k,
                    "lr": lrs[i].tolist(),
                    **({"momentum": momenta[i].tolist()} if momenta is not None else {}),
                }
                for i, k in enumerate(epochs)
            ]
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        names = ["lr"] if lrs.shape[1] == 1 else [f"lr_{g}" for g in range(lrs.shape[1])]
        if momenta is not None:
            names += [name.replace("lr", "momentum") for name in names]
        writer.writerow(["epoch", *names])
        for i, k in enumerate(epochs):
            values = list(lrs[i]) + (list(momenta[i]) if momenta is not None else [])
            writer.writerow([k] + [number(x, precision) for x in values])
        return out.getvalue().rstrip("\n")
    return "\n".join(
        f"Epoch {k}: Learning Rate = "
        + ", ".join(number(x, precision) for x in lrs[i])
        + (", Momentum = " + ", ".join(number(x, precision) for x in momenta[i]) if momenta is not None else "")
        for i, k in enumerate(epochs)
    )


def _list(known: dict[str, type]) -> None:
    for name, cls in known.items():
        signature = ", ".join(
            p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in parameters(cls)
        )
        print(f"{name}({signature})")


def _run(command: str, name: str, make: Any, options: argparse.Namespace) -> None:
    """Builds the scheduler (``make(options)``) and shows or draws it; raises on any failure."""
    metrics = getattr(options, "metrics", None)
    if options.steps is None:
        options.steps = min(len(metrics), MAX_STEPS) if metrics is not None else 30
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
    scheduler = make(options)
    takes_metrics = getattr(scheduler, "_step_kind", "lr") == "metric"
    if takes_metrics and metrics is None:
        raise ValueError(f"{name} has a ReduceLROnPlateau stage: it needs --metrics, the metric of each step")
    if metrics is not None and not takes_metrics:
        raise ValueError(f"{name} takes no metric: --metrics is for ReduceLROnPlateau and composites with one")
    if command == "show":
        print(
            render(preview(scheduler, options), options.format, options.precision, 0 if options.include_initial else 1)
        )
        return
    from swiftlr.plot import plot

    ax = plot(
        scheduler, options.steps, metrics=metrics, log_scale=options.log_scale, include_initial=options.include_initial
    )
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
    if "(" in args.scheduler:
        try:
            call = parse_scheduler(args.scheduler, [*known, *COMPOSITES])
        except ExpressionError as error:
            top.error(str(error))
        options = call_parser(command, args.scheduler).parse_args(rest)
        name = call.name

        def make(options: argparse.Namespace) -> Any:
            return build_call(call, optimizer_for(options), known)
    else:
        if args.scheduler in COMPOSITES:
            top.error(
                f"{args.scheduler} takes schedulers: write it as a call, e.g. swiftlr {command} "
                f"'{args.scheduler}(LinearLR(total_iters=5), ExponentialLR(gamma=0.9)"
                + (", milestones=[5])'" if args.scheduler == "SequentialLR" else ")'")
            )
        if args.scheduler not in known:
            top.error(f"unknown scheduler {args.scheduler!r}; choose from: {', '.join(known)}")
        cls = known[args.scheduler]
        options = scheduler_parser(args.scheduler, cls, command).parse_args(rest)
        name = args.scheduler

        def make(options: argparse.Namespace) -> Any:
            return build(cls, options)

    try:
        _run(command, name, make, options)
    except BrokenPipeError:
        # The reader left (`swiftlr show ... | head`): stop quietly, as other tools do, and keep
        # Python's exit-time flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _ERRORS as error:
        print(f"swiftlr {command} {name}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
