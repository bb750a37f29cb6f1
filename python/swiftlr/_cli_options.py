"""The command line's options for one scheduler, read from the scheduler itself:
names and defaults from its ``__init__`` signature, help text from the
``Args:`` section of its docstring, so the command never restates either."""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import typing
from typing import Any

from swiftlr import _typing
from swiftlr._expression import ExpressionError, parse_function

#: Arguments the command fills in itself, never options.
_SKIP = {"self", "optimizer", "last_epoch", "verbose"}
#: Arguments that take a function: the command reads an expression for them.
FUNCTION_ARGUMENTS = {"lr_lambda", "scale_fn"}
#: Annotations (their text) of arguments that take only a list, never a scalar.
_LIST_ONLY = re.compile(r"^(list|Sequence|Iterable|tuple)\[")


def parameters(cls: type) -> list[inspect.Parameter]:
    """The scheduler's own arguments: all but ``optimizer`` and ``last_epoch``."""
    init = cls.__init__  # type: ignore[misc]  # the class's own signature, as written
    return [
        p for p in inspect.signature(init).parameters.values() if p.name not in _SKIP and p.kind is not p.VAR_KEYWORD
    ]


def described_arguments(doc: str | None) -> dict[str, str]:
    """``{name: description}`` from a Google-style ``Args:`` section, each
    description whole (its continuation lines joined), its type left out."""
    lines = inspect.cleandoc(doc or "").splitlines()
    found: dict[str, str] = {}
    try:
        start = next(k for k, line in enumerate(lines) if line.strip() == "Args:")
    except StopIteration:
        return found
    indent = len(lines[start]) - len(lines[start].lstrip())
    entry_indent: int | None = None
    current: str | None = None
    for line in lines[start + 1 :]:
        depth = len(line) - len(line.lstrip())
        if line.strip() and depth <= indent:
            break  # the section ended
        if not line.strip():
            continue
        entry_indent = depth if entry_indent is None else entry_indent
        match = re.match(r"\s*(\*{0,2}\w+)\s*(\([^)]*\))?:\s*(.*)", line) if depth == entry_indent else None
        if match:
            current = match.group(1)
            found[current] = match.group(3).strip()
        elif current is not None:
            found[current] = f"{found[current]} {line.strip()}".strip()
    return found


def plain(text: str) -> str:
    """Docstring markup as a terminal shows it: ``:meth:`step``` and ````x```` as ``step`` and ``x``."""
    text = re.sub(r":\w+:`~?([^`]*)`", r"\1", text)
    return " ".join(text.replace("``", "").split())


def description(cls: type) -> str:
    """The docstring's first paragraph, whole."""
    return plain(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0])


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The values of a ``Literal`` annotation (``Literal[...]`` or a ``swiftlr._typing``
    alias named in it), or None: the parser then offers exactly those."""
    text = annotation if isinstance(annotation, str) else ""
    for part in (piece.strip().strip("'\"") for piece in text.split("|")):
        alias = getattr(_typing, part.removeprefix("_typing."), None)
        if alias is not None and typing.get_origin(alias) is typing.Literal:
            return tuple(str(v) for v in typing.get_args(alias))
        if part.startswith("Literal["):
            try:
                values = ast.literal_eval("(" + part[len("Literal[") : -1] + ",)")
            except (ValueError, SyntaxError):
                return None
            return tuple(str(v) for v in values)
    return None


def parse_value(text: str) -> Any:
    """``3`` -> 3, ``0.5`` -> 0.5, ``1,2`` -> [1, 2], ``True`` -> True, ``cos`` -> 'cos'."""
    if "," in text:
        return [parse_value(part) for part in text.split(",") if part.strip()]
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _list_value(text: str) -> list[Any]:
    """For an argument that takes only a list: ``30`` is ``[30]``, as ``30,`` is."""
    value = parse_value(text)
    return value if isinstance(value, list) else [value]


def boolean(text: str) -> bool:
    """``true``/``false``/``1``/``0``, in any case, as users write them."""
    value = {"true": True, "false": False, "1": True, "0": False}.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"expected true or false (or 1 or 0), got {text!r}")
    return value


def _function_value(text: str) -> Any:
    try:
        return parse_function(text)
    except ExpressionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _default_text(p: inspect.Parameter) -> str:
    return "required" if p.default is inspect.Parameter.empty else f"default: {p.default!r}"


def add_scheduler_options(parser: argparse.ArgumentParser, cls: type) -> None:
    """One ``--kebab-case`` option per argument of ``cls``, with its docstring
    description and its default (or 'required')."""
    described = described_arguments(cls.__doc__)
    group = parser.add_argument_group(f"{cls.__name__} arguments")
    for p in parameters(cls):
        text = plain(described.get(p.name, ""))
        if "Default" not in text:
            text = f"{text} ({_default_text(p)})".strip()
        elif p.default is inspect.Parameter.empty:
            text += " (required)"
        kind: Any = parse_value
        choices = _choices(p.annotation)
        if p.name in FUNCTION_ARGUMENTS:
            kind = _function_value
            text += " Give an expression in epoch (or x) with numbers, arithmetic and math functions."
        elif isinstance(p.annotation, str) and _LIST_ONLY.match(p.annotation):
            kind = _list_value
        elif p.annotation in ("bool", bool):
            kind = boolean
        elif choices is not None:
            kind = str
        group.add_argument(
            "--" + p.name.replace("_", "-"),
            dest=p.name,
            type=kind,
            choices=choices,
            required=p.default is inspect.Parameter.empty,
            default=argparse.SUPPRESS,
            help=text.replace("%", "%%"),
            metavar=None if choices else p.name.upper(),
        )
