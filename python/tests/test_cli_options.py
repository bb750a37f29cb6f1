"""`swiftlr._cli_options`: the command's options come from each scheduler's
signature and docstring, so every argument must be described there."""

from __future__ import annotations

import argparse
import inspect

import pytest

from swiftlr._cli_options import add_scheduler_options, described_arguments, parameters, plain
from swiftlr.cli import schedulers

SCHEDULERS = schedulers()


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_every_argument_of_every_scheduler_is_described(name: str) -> None:
    cls = SCHEDULERS[name]
    described = described_arguments(cls.__doc__)
    missing = [p.name for p in parameters(cls) if not described.get(p.name)]
    assert missing == [], f"{name}'s docstring Args lacks {missing}"


def test_descriptions_are_whole_and_typeless() -> None:
    doc = """Does things.

    Args:
        alpha (float): the first line
            goes on here. Default: 1.
        beta: one line.

    Example:
        >>> alpha (float): not an argument
    """
    assert described_arguments(doc) == {"alpha": "the first line goes on here. Default: 1.", "beta": "one line."}
    assert described_arguments("No sections.") == {}


def test_markup_is_shown_plain() -> None:
    assert plain("Call :meth:`step` after ``optimizer.step()``\n   every  batch.") == (
        "Call step after optimizer.step() every batch."
    )


def _parser_for(annotation: str, default: object = inspect.Parameter.empty) -> argparse.ArgumentParser:
    class Fake:
        """A scheduler.

        Args:
            value: what it is.
        """

        def __init__(self, optimizer: object, value: object = default) -> None:
            pass

    Fake.__init__.__annotations__["value"] = annotation
    parser = argparse.ArgumentParser()
    add_scheduler_options(parser, Fake)
    return parser


@pytest.mark.parametrize("annotation", ["Iterable[int]", "Sequence[int]", "list[int]"])
def test_a_list_only_argument_takes_one_value(annotation: str) -> None:
    parser = _parser_for(annotation)
    assert parser.parse_args(["--value", "30"]).value == [30]
    assert parser.parse_args(["--value", "30,80"]).value == [30, 80]


def test_a_scalar_or_list_argument_keeps_a_scalar() -> None:
    assert _parser_for("float | list[float]").parse_args(["--value", "0.5"]).value == 0.5


@pytest.mark.parametrize(
    "annotation",
    ["CyclicMode", "_typing.CyclicMode", "'CyclicMode'", "Literal['triangular', 'triangular2', 'exp_range']"],
)
def test_a_literal_argument_offers_its_values(annotation: str) -> None:
    parser = _parser_for(annotation, default="triangular")
    assert parser.parse_args(["--value", "exp_range"]).value == "exp_range"
    with pytest.raises(SystemExit):
        parser.parse_args(["--value", "cosine"])
    assert "{triangular,triangular2,exp_range}" in parser.format_help()
