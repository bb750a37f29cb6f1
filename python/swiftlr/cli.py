"""The `swiftlr` command: preview, plot and list learning-rate schedules.

    swiftlr show StepLR --lr 0.1 --steps 30 --step-size 10 --gamma 0.9
    swiftlr plot OneCycleLR --lr 0.1 --steps 100 --max-lr 1 --total-steps 100 -o onecycle.png
    swiftlr list

A scheduler's options come from its own signature, in kebab-case
(``--step-size``, ``--T-max``, ``--eta-min``); lists are comma-separated
(``--milestones 30,80``); a function argument (``--lr-lambda``) is an
expression in ``epoch`` using ``math`` (``"0.95 ** epoch"``).
"""

from __future__ import annotations

import argparse
import ast
import csv
import inspect
import io
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import swiftlr
from swiftlr.optim import SGD, lr_scheduler, swa_utils

#: Schedulers the CLI can build: every public scheduler but the composites,
#: whose arguments are schedulers.
_SKIP = {"LRScheduler", "CoreScheduler", "SequentialLR", "ChainedScheduler"}


def schedulers() -> dict[str, type]:
    found = {name: getattr(lr_scheduler, name) for name in lr_scheduler.__all__ if name not in _SKIP}
    found["SWALR"] = swa_utils.SWALR
    return {name: cls for name, cls in sorted(found.items()) if inspect.isclass(cls)}


def parameters(cls: type) -> list[inspect.Parameter]:
    """The scheduler's own arguments: all but ``optimizer`` and ``last_epoch``."""
    skip = {"self", "optimizer", "last_epoch", "verbose"}
    init = cls.__init__  # type: ignore[misc]  # the class's own signature, as written
    return [p for p in inspect.signature(init).parameters.values() if p.name not in skip and p.kind is not p.VAR_KEYWORD]


def option(name: str) -> str:
    return "--" + name.replace("_", "-")


def parse_value(text: str) -> Any:
    """`3` -> 3, `0.5` -> 0.5, `1,2` -> [1, 2], `True` -> True, `cos` -> 'cos'."""
    if "," in text:
        return [parse_value(part) for part in text.split(",") if part.strip()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_function(text: str) -> Callable[[int], float]:
    """An expression in ``epoch`` (and ``math``) as a function, e.g. ``0.95 ** epoch``."""
    code = compile(text, "<lambda>", "eval")
    allowed = {"epoch", "math"}
    if not set(code.co_names) <= allowed | set(vars(math)):
        raise argparse.ArgumentTypeError(f"a function may use only epoch and math, got {text!r}")
    return lambda epoch: float(eval(code, {"__builtins__": {}, "math": math, **vars(math)}, {"epoch": epoch}))


def scheduler_parser(name: str, cls: type, prog: str, plot: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} {name}", description=(cls.__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.1, help="the optimizer's lr (default: 0.1)")
    parser.add_argument("--groups", type=parse_value, default=None, help="several param groups: their lrs, comma-separated")
    parser.add_argument("--steps", type=int, default=30, help="how many scheduler steps (default: 30)")
    if name == "ReduceLROnPlateau":
        parser.add_argument("--metrics", type=parse_value, required=True, help="the metric of each step, comma-separated")
    for p in parameters(cls):
        is_function = p.name in ("lr_lambda", "scale_fn")
        default = None if p.default is inspect.Parameter.empty else p.default
        help_text = "required" if p.default is inspect.Parameter.empty else f"default: {default!r}"
        parser.add_argument(
            option(p.name), dest=p.name, type=parse_function if is_function else parse_value,
            required=p.default is inspect.Parameter.empty, default=argparse.SUPPRESS, help=help_text,
        )
    if plot:
        parser.add_argument("-o", "--output", required=True, help="the PNG file to write")
    else:
        parser.add_argument("--format", choices=("text", "csv", "json"), default="text")
        parser.add_argument("--precision", type=int, default=5, help="digits after the point (default: 5)")
    return parser


def build(cls: type, args: argparse.Namespace) -> Any:
    lrs = args.groups if args.groups is not None else [args.lr]
    lrs = lrs if isinstance(lrs, list) else [lrs]
    params = [{"params": [swiftlr.Parameter(np.zeros(1))], "lr": float(lr)} for lr in lrs]
    optimizer = SGD(params, lr=float(lrs[0]), momentum=0.9)
    kwargs = {p.name: getattr(args, p.name) for p in parameters(cls) if hasattr(args, p.name)}
    return cls(optimizer, **kwargs)


def preview(scheduler: Any, args: argparse.Namespace) -> np.ndarray:
    if hasattr(args, "metrics"):
        metrics = args.metrics if isinstance(args.metrics, list) else [args.metrics]
        if len(metrics) < args.steps:
            raise ValueError(f"--metrics has {len(metrics)} values, --steps is {args.steps}")
        lrs: np.ndarray = scheduler.preview(args.steps, metrics=metrics[: args.steps])
        return lrs
    lrs = scheduler.preview(args.steps)
    return lrs


def render(lrs: np.ndarray, fmt: str, precision: int) -> str:
    if fmt == "json":
        return json.dumps([{"epoch": k + 1, "lr": row.tolist() if len(row) > 1 else float(row[0])} for k, row in enumerate(lrs)])
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known = schedulers()
    top = argparse.ArgumentParser(prog="swiftlr", description=__doc__.strip().splitlines()[0])
    top.add_argument("--version", action="version", version=f"swiftlr {swiftlr.__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    for command, text in (("show", "print a schedule's lrs, step by step"), ("plot", "draw a schedule to a PNG file")):
        p = sub.add_parser(command, help=text, add_help=False)
        p.add_argument("scheduler", help="one of: " + ", ".join(known))
    sub.add_parser("list", help="list the schedulers and their parameters")
    args, rest = top.parse_known_args(argv)
    if args.command == "list":
        if rest:
            top.error(f"unrecognized arguments: {' '.join(rest)}")
        for name, cls in known.items():
            signature = ", ".join(
                p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in parameters(cls)
            )
            print(f"{name}({signature})")
        return 0
    if args.scheduler not in known:
        top.error(f"unknown scheduler {args.scheduler!r}; choose from: {', '.join(known)}")
    cls = known[args.scheduler]
    options = scheduler_parser(args.scheduler, cls, f"swiftlr {args.command}", args.command == "plot").parse_args(rest)
    try:
        scheduler = build(cls, options)
        if args.command == "plot":
            from swiftlr.plot import plot

            ax = plot(scheduler, options.steps, metrics=getattr(options, "metrics", None))
            ax.figure.savefig(options.output, dpi=110, bbox_inches="tight")
            print(f"wrote {options.output}")
        else:
            print(render(preview(scheduler, options), options.format, options.precision))
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        print(f"swiftlr {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
