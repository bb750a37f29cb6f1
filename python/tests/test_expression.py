"""`swiftlr._expression`: the command line's arithmetic language, and what it refuses."""

from __future__ import annotations

import math
import re

import pytest

from swiftlr._expression import MAX_LENGTH, ExpressionError, SchedulerCall, parse_function, parse_scheduler


@pytest.mark.parametrize(
    ("text", "step", "expected"),
    [
        ("0.95 ** epoch", 7, 0.95**7),
        ("epoch // 30", 65, 2.0),
        ("epoch % 4 / 4", 6, 0.5),
        ("1 / (2 ** (x - 1))", 3, 0.25),
        ("-epoch + +3", 1, 2.0),
        ("math.cos(math.pi * epoch / 10)", 5, math.cos(math.pi * 5 / 10)),
        ("sqrt(epoch) * exp(-epoch) + log(e)", 4, math.sqrt(4) * math.exp(-4) + 1),
        ("min(1, (epoch + 1) / 5)", 2, 0.6),
        ("max(0.1, abs(1 - epoch / 10))", 20, 1.0),
        ("1 if epoch < 5 else 0.1", 4, 1.0),
        ("1 if epoch < 5 else 0.1", 5, 0.1),
        ("1 < epoch <= 3", 3, 1.0),
        ("1 < epoch <= 3", 4, 0.0),
        ("epoch > 2 and 0.5 or 1", 3, 0.5),
        ("epoch > 2 and 0.5 or 1", 1, 1.0),
        ("not epoch", 0, 1.0),
        ("0.98", 12, 0.98),
    ],
)
def test_the_language_computes_what_python_would(text: str, step: int, expected: float) -> None:
    assert parse_function(text)(step) == expected


def test_integer_steps_give_python_s_values() -> None:
    """Evaluated in floats, the usual schedules equal Python's own int arithmetic."""
    for text, reference in (
        ("0.95 ** epoch", lambda e: 0.95**e),
        ("0.5 ** (epoch // 10)", lambda e: 0.5 ** (e // 10)),
        ("(epoch + 1) / 100", lambda e: (e + 1) / 100),
        ("1 - epoch / 1000", lambda e: 1 - e / 1000),
    ):
        function = parse_function(text)
        assert [function(e) for e in range(0, 2000, 7)] == [float(reference(e)) for e in range(0, 2000, 7)]


ESCAPES = [
    "(lambda: ().__class__.__base__.__subclasses__())()",
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('true')",
    "[c for c in ().__class__.__mro__]",
    "getattr(epoch, '__class__')",
    "math.__loader__",
    "math.sys",
    "epoch.real",
    "'a' * 10",
    "b'x'",
    "(1).__add__(2)",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "math.factorial(10 ** 10)",
    "sqrt(*[4])",
    "max(1, key=abs)",
    "epoch[0]",
    "{1: 2}",
    "(x := 3)",
    "f'{epoch}'",
    "True",
    "None",
    "...",
    "epoch; 1",
    "lambda epoch: 1",
    "abs.__self__",
    "math.abs(1)",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_anything_outside_the_language_is_refused_before_it_runs(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_function(text)


def test_refusals_name_the_offending_part() -> None:
    with pytest.raises(ExpressionError, match="cannot call 'lambda"):
        parse_function("(lambda: ().__class__.__base__.__subclasses__())()")
    with pytest.raises(ExpressionError, match="unknown name 'os'"):
        parse_function("os")
    with pytest.raises(ExpressionError, match="is not an expression"):
        parse_function("0.95 **")


def test_huge_or_deep_input_is_refused_cheaply() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse_function("1+" * MAX_LENGTH + "1")
    with pytest.raises(ExpressionError):
        parse_function("(" * 900 + "1" + ")" * 900)
    with pytest.raises(ExpressionError, match="overflow"):
        parse_function("9 ** 9 ** 9 ** 9")(0)


@pytest.mark.parametrize(("text", "reason"), [("1 / epoch", "division by zero"), ("log(epoch)", "math domain error")])
def test_a_failing_evaluation_names_the_expression_and_step(text: str, reason: str) -> None:
    function = parse_function(text)
    assert function(2) > 0
    with pytest.raises(ExpressionError, match=reason) as caught:
        function(0)
    assert repr(text) in str(caught.value)


# Scheduler calls (the command line's composites).

NAMES = {"StepLR", "LinearLR", "CosineAnnealingLR", "SequentialLR", "ChainedScheduler"}


def test_a_composite_parses_to_its_calls() -> None:
    call = parse_scheduler(
        "SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=95, eta_min=-0.0), "
        "milestones=[5])",
        NAMES,
    )
    assert call == SchedulerCall(
        "SequentialLR",
        [
            SchedulerCall("LinearLR", [], {"start_factor": 0.1, "total_iters": 5}),
            SchedulerCall("CosineAnnealingLR", [], {"T_max": 95, "eta_min": -0.0}),
        ],
        {"milestones": [5]},
    )
    listed = parse_scheduler("ChainedScheduler(schedulers=[StepLR(step_size=2), StepLR(step_size=3)])", NAMES)
    assert [c.arguments["step_size"] for c in listed.schedulers] == [2, 3] and listed.arguments == {}
    values = parse_scheduler("StepLR(a='cos', b=None, c=(1, -2.5), d=true, e=FALSE, f=True)", NAMES).arguments
    assert values == {"a": "cos", "b": None, "c": [1, -2.5], "d": True, "e": False, "f": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("StepLR", "is not a scheduler call"),
        ("os.system('ls')", "is not a scheduler call"),
        ("StepLR(step_size=__import__('os').getcwd())", "is not allowed"),
        ("StepLR(step_size=1 + 1)", "is not allowed"),
        ("StepLR(step_size=x)", "is not allowed"),
        ("StepLR(*a)", "is not allowed"),
        ("StepLR(**a)", "is not allowed"),
        ("StepLR(3)", "is not a scheduler call"),
        ("Nope()", "unknown scheduler 'Nope'"),
        ("StepLR(gamma=[StepLR()])", "cannot hold schedulers"),
        ("StepLR(", "is not an expression"),
        ("StepLR(a=" + "[" * 300 + "]" * 300 + ")", "is not an expression"),
        ("StepLR(step_size=1)" + " " * 1000, "longer than 1000"),
    ],
)
def test_anything_else_is_refused_before_anything_runs(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse_scheduler(text, NAMES)
