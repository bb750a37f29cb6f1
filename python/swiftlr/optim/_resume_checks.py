"""Resume checks: ``load_state_dict`` warns with :class:`ScheduleDriftWarning`
when a resumed run silently drifts from the one configured (swiftlr's own).

Two checks, each naming the field and both values:

* a hyperparameter in the loaded state (a constructor argument the scheduler
  keeps, such as ``T_max``, ``gamma``, the base lrs) differs from the one the
  scheduler was built with: the run's configuration changed, and PyTorch
  silently keeps the loaded value (as swiftlr does);
* the loaded ``_last_lr`` differs from the optimizer's current lrs while
  those are still the lrs this scheduler set when it was built: the
  optimizer's state was not loaded (load it first, as Lightning and
  transformers do). Once anything else set the lrs (the optimizer's load, a
  hand-written lr, a second scheduler stepping the same optimizer), a
  different ``_last_lr`` is what an ordinary resume of such a run loads, so
  it is not evidence; an optimizer loaded from another run's checkpoint is
  caught only through the hyperparameters.

An ordinary resume (same configuration, the optimizer's state loaded first)
warns nothing. A composite checks its own ``_last_lr`` and its schedulers'
hyperparameters, not its schedulers' ``_last_lr`` (a finished stage's last
lrs are not the optimizer's).
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["ScheduleDriftWarning"]


class ScheduleDriftWarning(UserWarning):
    """A resumed scheduler's state disagrees with its configuration or with its optimizer.

    Issued by ``load_state_dict`` when a loaded hyperparameter differs from
    the one the scheduler was built with, or when the loaded ``_last_lr``
    differs from the optimizer's lrs; the message names the field and both
    values. The loaded state is applied all the same, as PyTorch applies it.

    Example:
        >>> import warnings
        >>> old = StepLR(optimizer, step_size=10)
        >>> new = StepLR(optimizer, step_size=20)  # the configuration changed
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     new.load_state_dict(old.state_dict())
        >>> print(caught[0].message)
        StepLR.load_state_dict: step_size is 10 in the loaded state but 20 in this scheduler; the loaded value is used (did the run's configuration change?)
    """


#: What loads check now: 2 everything, 1 hyperparameters only (a composite's
#: schedulers: their ``_last_lr`` is theirs, not the optimizer's), 0 nothing
#: (swiftlr's own loads: unpickling, rolling back a failed call).
_CHECKS: contextvars.ContextVar[int] = contextvars.ContextVar("swiftlr_resume_checks", default=2)


@contextlib.contextmanager
def _checking(level: int) -> Iterator[None]:
    token = _CHECKS.set(min(level, _CHECKS.get()))
    try:
        yield
    finally:
        _CHECKS.reset(token)


def in_composite() -> contextlib.AbstractContextManager[None]:
    """Loads of a composite's schedulers: hyperparameters checked, ``_last_lr`` not."""
    return _checking(1)


def unchecked() -> contextlib.AbstractContextManager[None]:
    """swiftlr's own loads (unpickling, rollbacks): nothing to warn about."""
    return _checking(0)


def _value(value: Any) -> Any:
    """A value to compare: numbers as floats (tensors too), sequences as lists."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return float(value.item())
    if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, dict):
        return [_value(v) for v in value]
    return value


def _number(key: Any) -> Any:
    """A milestone as a float: JSON turns a Counter's int keys into strings."""
    try:
        return float(key)
    except (TypeError, ValueError):
        return key


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        # MultiStepLR's milestones: PyTorch saves a Counter, the core keeps the milestones.
        a, b = sorted({_number(k) for k in a}), sorted({_number(k) for k in b})
    try:
        return bool(_value(a) != _value(b))
    except (TypeError, ValueError):
        return False  # not comparable: nothing to say


def drift(scheduler: Any, state_dict: dict[str, Any], fields: Iterable[str], current: dict[str, Any]) -> list[str]:
    """What to warn about when ``state_dict`` is loaded into ``scheduler``:
    the hyperparameters ``fields`` (``current`` holds their values before the
    load) and ``_last_lr`` against the optimizer's lrs. Changes nothing."""
    if _CHECKS.get() == 0:
        return []
    owner = f"{type(scheduler).__name__}.load_state_dict"
    messages = [
        f"{owner}: {name} is {state_dict[name]!r} in the loaded state but {current[name]!r} in this scheduler; "
        "the loaded value is used (did the run's configuration change?)"
        for name in fields
        if name in state_dict and name in current and _differs(state_dict[name], current[name])
    ]
    if "_last_lr" in state_dict and _CHECKS.get() == 2:
        groups = getattr(getattr(scheduler, "optimizer", None), "param_groups", None)
        loaded = state_dict["_last_lr"]
        own = getattr(scheduler, "_last_lr", None)
        if isinstance(groups, list) and isinstance(loaded, Sequence) and own is not None:
            lrs = [g.get("lr") for g in groups]
            # Only lrs this scheduler set itself and nothing changed since (the
            # optimizer's state was not loaded) are evidence: after a load, lrs
            # written by hand or by a scheduler chained after this one differ
            # from the loaded _last_lr on an ordinary resume.
            if not _differs(own, lrs) and _differs(loaded, lrs):
                messages.append(
                    f"{owner}: _last_lr is {_value(loaded)!r} in the loaded state but the optimizer's lrs are "
                    f"{_value(lrs)!r}; load the optimizer's state (from the same checkpoint) before the scheduler's"
                )
    return messages


def warn(messages: Sequence[str], stacklevel: int = 3) -> None:
    for message in messages:
        warnings.warn(message, ScheduleDriftWarning, stacklevel=stacklevel)


def hyperparameters(scheduler: Any) -> tuple[str, ...]:
    """The fields of a swiftlr scheduler that its constructor's arguments set
    (and ``base_lrs``, which the optimizer's lrs set, unless the class starts
    from the current lrs): a loaded value that differs is drift."""
    from swiftlr import _swiftlr

    names = {name for name, *_ in _swiftlr.scheduler_arguments(scheduler._kind)}
    fields = tuple(n for n in scheduler._state_fields if n in names)
    if "base_lrs" in scheduler._common_fields and getattr(scheduler, "_base_lrs_are_config", True):
        fields += ("base_lrs",)
    return fields
