"""A small arithmetic language for the command line's function options
(``--lr-lambda "0.95 ** epoch"``, ``--scale-fn "1 / (2 ** (x - 1))"``), and
the scheduler calls the command line builds (``"SequentialLR(LinearLR(
start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=95), milestones=[5])"``,
see :func:`parse_scheduler`).

The text is parsed with :mod:`ast` and every node is checked against a
whitelist before anything runs; the checked tree is then evaluated by the
interpreter below, never by ``eval``. So an expression can do arithmetic on
numbers and on the step variable, compare, choose (``a if c else b``) and call
the listed ``math`` functions, and nothing else: no attributes (other than
``math.<function>``), subscripts, lambdas, comprehensions, strings or
builtins, hence no way to reach an object's class or the interpreter.

Every number is evaluated as a float, so ``9 ** 9 ** 9`` overflows at once
(``OverflowError``) instead of building a huge integer; for the step numbers
a schedule sees (below 2**53) float arithmetic gives the same values as
Python's integer arithmetic followed by the float conversion PyTorch applies.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExpressionError", "SchedulerCall", "parse_function", "parse_scheduler", "VARIABLES"]

#: The names the step number goes by: ``epoch`` for ``lr_lambda``, ``x`` for
#: ``scale_fn`` (PyTorch's own parameter names); both mean the same value.
VARIABLES = ("epoch", "x")

#: Longer text is refused before parsing: nobody types a 1000-character
#: schedule, and a bound keeps parsing and evaluation cheap.
MAX_LENGTH = 1000

_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf, "nan": math.nan}

_FUNCTIONS: dict[str, Callable[..., float]] = {
    name: getattr(math, name)
    for name in (
        "sqrt",
        "exp",
        "expm1",
        "log",
        "log1p",
        "log2",
        "log10",
        "pow",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "asinh",
        "acosh",
        "atanh",
        "floor",
        "ceil",
        "trunc",
        "fabs",
        "fmod",
        "copysign",
        "hypot",
        "degrees",
        "radians",
        "erf",
        "erfc",
    )
}
_FUNCTIONS.update({"abs": abs, "min": min, "max": max})

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
    ast.Not: operator.not_,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


class ExpressionError(ValueError):
    """The text is not an expression of the language; the message says why."""


def _function_name(node: ast.expr) -> str:
    """``sqrt`` or ``math.sqrt``: the only callables; anything else is refused."""
    if isinstance(node, ast.Name) and node.id in _FUNCTIONS:
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "math"
        and node.attr in _FUNCTIONS
        and node.attr not in ("abs", "min", "max")
    ):
        return node.attr
    raise ExpressionError(f"cannot call {ast.unparse(node)!r}: only math functions, abs, min and max")


def _check(node: ast.AST) -> None:
    """Raises ExpressionError unless every node of the tree is in the language."""
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"only numbers are allowed, got {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES and node.id not in _CONSTANTS:
            raise ExpressionError(f"unknown name {node.id!r}: use epoch (or x), numbers and math functions")
    elif isinstance(node, ast.Attribute):
        if not (isinstance(node.value, ast.Name) and node.value.id == "math" and node.attr in _CONSTANTS):
            raise ExpressionError(f"{ast.unparse(node)!r} is not allowed: only math functions and constants")
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check(node.operand)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        for child in (node.left, *node.comparators):
            _check(child)
    elif isinstance(node, ast.BoolOp):
        for child in node.values:
            _check(child)
    elif isinstance(node, ast.IfExp):
        for child in (node.test, node.body, node.orelse):
            _check(child)
    elif isinstance(node, ast.Call):
        _function_name(node.func)
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"{ast.unparse(node)!r}: functions take plain positional arguments")
        for arg in node.args:
            _check(arg)
    else:
        raise ExpressionError(
            f"{ast.unparse(node)!r} is not allowed: only numbers, epoch, arithmetic, "
            "comparisons, 'if else' and math functions"
        )


def _evaluate(node: ast.expr, value: float) -> Any:
    """The checked tree's value with the step variable set to ``value``."""
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # _check admits only int and float
    if isinstance(node, ast.Name):
        return value if node.id in VARIABLES else _CONSTANTS[node.id]
    if isinstance(node, ast.Attribute):
        return _CONSTANTS[node.attr]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, value), _evaluate(node.right, value))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, value))
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, value)
        for op, comparator in zip(node.ops, node.comparators):
            right = _evaluate(comparator, value)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        result: Any = None
        for child in node.values:
            result = _evaluate(child, value)
            if isinstance(node.op, ast.And) != bool(result):
                return result
        return result
    if isinstance(node, ast.IfExp):
        return _evaluate(node.body if _evaluate(node.test, value) else node.orelse, value)
    if isinstance(node, ast.Call):
        return _FUNCTIONS[_function_name(node.func)](*(_evaluate(arg, value) for arg in node.args))
    raise AssertionError(f"unchecked node {ast.dump(node)}")  # _check admits nothing else


def _parse(text: str) -> ast.expr:
    """``text`` as a Python expression tree, not yet checked (nothing runs)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"{text!r} is not an expression: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{text!r} is nested too deeply") from None


def parse_function(text: str) -> Callable[[float], float]:
    """The expression ``text`` as a one-argument function returning a float.

    Raises:
        ExpressionError: the text is too long, does not parse, or uses
            anything outside the language (the message names it).
    """
    body = _parse(text)
    try:
        _check(body)
    except RecursionError:
        raise ExpressionError(f"{text!r} is nested too deeply") from None

    def function(step: float) -> float:
        try:
            return float(_evaluate(body, float(step)))
        except (ArithmeticError, ValueError) as error:  # 1 / epoch at 0, log(0), 9 ** 9 ** 9
            reason = "overflow" if isinstance(error, OverflowError) else str(error)
            raise ExpressionError(f"{text!r} at {step!r}: {reason}") from None

    return function


# MARK: Scheduler calls


@dataclass
class SchedulerCall:
    """A scheduler as the command line writes it: ``name(child, ..., key=value, ...)``.

    ``schedulers`` are the positional arguments, each a scheduler call (a
    composite's children); ``arguments`` the keyword ones, each a number,
    string, bool, None, or a list of those. Nothing in it has run.
    """

    name: str
    schedulers: list[SchedulerCall] = field(default_factory=list)
    arguments: dict[str, Any] = field(default_factory=dict)


def _literal(node: ast.expr, text: str) -> Any:
    """A keyword argument's value: a constant, a negated number, or a list of those."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (int, float, str, bool))):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, text) for item in node.elts]
    if isinstance(node, ast.Name) and node.id.lower() in ("true", "false"):  # true, FALSE: as users write them
        return node.id.lower() == "true"
    raise ExpressionError(
        f"{ast.unparse(node)!r} in {text!r} is not allowed: an argument is a number, a string, True, False, "
        "None or a list of those"
    )


def _call(node: ast.expr, names: Collection[str], text: str) -> SchedulerCall:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise ExpressionError(f"{ast.unparse(node)!r} in {text!r} is not a scheduler call such as StepLR(step_size=10)")
    name = node.func.id
    if name not in names:
        raise ExpressionError(f"unknown scheduler {name!r} in {text!r}; choose from: {', '.join(sorted(names))}")
    call = SchedulerCall(name)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise ExpressionError(f"{ast.unparse(arg)!r} in {text!r} is not allowed")
        call.schedulers.append(_call(arg, names, text))
    for keyword in node.keywords:
        if keyword.arg is None:
            raise ExpressionError(f"**{ast.unparse(keyword.value)} in {text!r} is not allowed")
        if keyword.arg in call.arguments:
            raise ExpressionError(f"{name} is given {keyword.arg!r} twice in {text!r}")
        value = keyword.value
        if isinstance(value, (ast.List, ast.Tuple)) and value.elts and all(isinstance(v, ast.Call) for v in value.elts):
            call.schedulers.extend(_call(v, names, text) for v in value.elts)  # schedulers=[A(...), B(...)]
            if keyword.arg != "schedulers":
                raise ExpressionError(f"{name}'s {keyword.arg!r} cannot hold schedulers (in {text!r})")
        else:
            call.arguments[keyword.arg] = _literal(value, text)
    return call


def parse_scheduler(text: str, names: Collection[str]) -> SchedulerCall:
    """The scheduler call ``text`` (e.g. ``"SequentialLR(LinearLR(total_iters=5),
    CosineAnnealingLR(T_max=95), milestones=[5])"``), checked, never run.

    Only calls of the schedulers in ``names``, with schedulers as positional
    arguments (or ``schedulers=[...]``) and literals as keyword arguments, are
    in the language; the scheduler's constructor checks the values when it is
    built.

    Raises:
        ExpressionError: the text is too long, does not parse, or holds
            anything else (the message names it).
    """
    try:
        return _call(_parse(text), names, text)
    except RecursionError:
        raise ExpressionError(f"{text!r} is nested too deeply") from None
