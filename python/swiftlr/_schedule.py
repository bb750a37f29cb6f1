"""The :class:`Schedule` type of ``swiftlr.schedules``: a scheduler's lrs as a
pure function of the step (stepping's, or the closed form's), evaluated in one
native call, and the builder that checks a schedule's arguments with the
scheduler class."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from swiftlr import _swiftlr
from swiftlr.optim._swift_scheduler import _plain

__all__ = ["Schedule"]


_INT64_MAX = np.iinfo(np.int64).max

# Single steps (optax calls the schedule once per update) are read from a table
# of the first lrs, grown by doubling: stepping to step k costs k steps, so
# calls at 0, 1, 2, ... would otherwise cost a quadratic total.
_TABLE_LIMIT = 1 << 20


class Schedule:
    """The lr of a scheduler as a function of the step (see the module docs).

    Call it with an int (or numpy integer) for a float, or with an integer
    array (or a list of ints) for a float64 array of the same shape. Steps
    must be non-negative. Under ``jax.jit``, ``jax.vmap`` or ``jax.lax.scan``
    it takes a traced integer and returns a traced float (see :mod:`swiftlr._jax`).

    Made by the functions of this module, which check the arguments first;
    the constructor is internal.

    Args:
        kind (str): the core's scheduler name (a PyTorch class name).
        config (dict): the scheduler's arguments for the core, with
            ``base_lrs`` (one lr) and ``last_epoch``.
        inputs (list of float, optional): the per-step inputs, the same at
            every step; None if the scheduler takes none.
        function (str): the ``swiftlr.schedules`` function that made it.
        arguments (dict): that function's arguments, by name.
    """

    __slots__ = ("_kind", "_config", "_inputs", "_function", "_arguments", "_table", "__weakref__")

    def __init__(
        self, kind: str, config: dict[str, Any], inputs: list[float] | None, function: str, arguments: dict[str, Any]
    ) -> None:
        self._kind = kind
        self._config = config
        self._inputs = inputs
        self._function = function
        self._arguments = arguments
        self._table: np.ndarray | None = None

    @property
    def function(self) -> str:
        """The name of the ``swiftlr.schedules`` function that made this schedule."""
        return self._function

    @property
    def arguments(self) -> dict[str, Any]:
        """The arguments it was made with (a copy): ``getattr(schedules, s.function)(**s.arguments)`` remakes it."""
        return dict(self._arguments)

    @property
    def closed_form(self) -> bool:
        """Whether values are PyTorch's closed form (``step(k)``) rather than stepping's (``k`` calls of ``step()``)."""
        return bool(self._arguments.get("closed_form", False))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" if i else repr(v) for i, (k, v) in enumerate(self._arguments.items()))
        return f"{self._function}({shown})"

    def __call__(self, steps: Any) -> Any:
        jax = sys.modules.get("jax")
        if jax is not None and isinstance(steps, jax.core.Tracer):
            from swiftlr._jax import traced_values

            return traced_values(self, steps)
        if isinstance(steps, (bool, np.bool_)):
            raise TypeError("steps must be integers, got bool")
        scalar = np.ndim(steps) == 0
        array = np.asarray(steps)
        if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f" and not scalar):
            raise TypeError(f"steps must be integers, got an array of {array.dtype}")
        if array.dtype.kind == "u" and array.size and int(array.max()) > _INT64_MAX:
            raise ValueError(f"steps must be at most 2**53, got {int(array.max())}")
        if scalar and not self.closed_form and 0 <= int(array) < _TABLE_LIMIT:
            return float(self._first(int(array) + 1)[int(array)])
        values = self._values(np.ascontiguousarray(array, dtype=np.int64).reshape(-1))
        return float(values[0]) if scalar else values.reshape(array.shape)

    def _values(self, steps: np.ndarray) -> np.ndarray:
        """The lrs at ``steps`` (contiguous int64), in one native call."""
        out = np.empty(len(steps), dtype=np.float64)
        _swiftlr.schedule_values(self._kind, self._config, steps, self._inputs, self.closed_form, out)
        return out

    def _first(self, count: int) -> np.ndarray:
        """At least the first ``count`` values, from the table (grown by doubling)."""
        table = self._table
        if table is None or len(table) < count:
            size = max(count, 2 * len(table) if table is not None else 1024)
            try:
                table = self._values(np.arange(size, dtype=np.int64))
            except ValueError:  # a schedule that ends (OneCycleLR's total_steps) before `size`
                table = self._values(np.arange(count, dtype=np.int64))
            self._table = table  # one assignment: a concurrent caller sees the old table or the new one
        return table

    def to_jax(self, steps: int) -> Any:
        """A jittable function of the step for JAX / optax (``learning_rate=``):
        this schedule's first ``steps`` values as a table, clamped past its end.
        The schedule itself also works under ``jax.jit``; this is for a table
        on the device (no host callback per step)."""
        from swiftlr._jax import jax_schedule

        return jax_schedule(self, steps)

    def to_keras(self, steps: int | None = None) -> Any:
        """This schedule as a Keras 3 ``LearningRateSchedule`` (float32), saved
        by name and arguments (``keras.models.load_model`` rebuilds it). With
        ``steps``, the first ``steps`` values as a table, clamped past its end."""
        from swiftlr._keras import keras_schedule

        return keras_schedule(self, steps)


def make_schedule(
    name: str,
    kind: str,
    parameters: dict[str, Any],
    *,
    lr: str = "lr",
    fixed: dict[str, Any] | None = None,
    inputs: str | None = None,
) -> Schedule:
    """Makes the schedule ``name`` of the core's scheduler ``kind`` from a
    schedule function's ``parameters`` (its ``locals()``), which the core
    checks now, with its declared checks: the scheduler class's.

    ``lr`` names the parameter that is the base lr (for ``"lr"`` itself, not a
    scheduler argument); ``fixed`` adds arguments the function does not take
    (OneCycleLR's ``cycle_momentum=False``); ``inputs`` names the core field
    holding the per-step inputs (OneCycleLR's group values, which the core
    computes from the arguments). ``closed_form`` (a parameter of every
    schedule function) is the evaluation's, not the scheduler's. ``repr()``
    shows the call.
    """
    base = parameters[lr]
    if isinstance(base, bool) or not isinstance(base, (int, float, np.floating, np.integer)):
        raise TypeError(f"{lr} must be a float, got {type(base).__name__}")
    if not np.isfinite(float(base)):
        raise ValueError(f"{lr} must be finite, got {float(base)}")
    closed_form = parameters.get("closed_form", False)
    if not isinstance(closed_form, (bool, np.bool_)):
        raise TypeError(f"closed_form must be a bool, got {type(closed_form).__name__}")
    arguments = {k: v for k, v in parameters.items() if k not in ("lr", "closed_form")}
    config = _plain({**arguments, **(fixed or {})})
    config["base_lrs"] = [float(base)]
    config["last_epoch"] = -1
    core = _swiftlr.NativeScheduler(kind, config)  # the core's checks, now rather than at the first call
    values = core._core_get(inputs) if inputs is not None else None
    shown = {k: v for k, v in parameters.items() if k != "closed_form"}
    if closed_form:
        shown["closed_form"] = True
    return Schedule(kind, config, values, name, shown)
