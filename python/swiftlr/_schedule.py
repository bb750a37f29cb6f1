"""The :class:`Schedule` type of ``swiftlr.schedules``: a scheduler's closed
form as a pure function of the step, evaluated in one native call, and the
builder that checks a schedule's arguments with the scheduler class."""

from __future__ import annotations

from typing import Any

import numpy as np

from swiftlr import _swiftlr
from swiftlr.optim._swift_scheduler import _plain

__all__ = ["Schedule"]


_INT64_MAX = np.iinfo(np.int64).max


class Schedule:
    """The lr of a scheduler as a function of the step (see the module docs).

    Call it with an int (or numpy integer) for a float, or with an integer
    array (or a list of ints) for a float64 array of the same shape. Steps
    must be non-negative.

    Made by the functions of this module, which check the arguments first;
    the constructor is internal.

    Args:
        kind (str): the core's scheduler name (a PyTorch class name).
        config (dict): the scheduler's arguments for the core, with
            ``base_lrs`` (one lr) and ``last_epoch``.
        inputs (list of float, optional): the per-step inputs, the same at
            every step; None if the scheduler takes none.
        text (str): what ``repr()`` shows, e.g. ``step_lr(0.1, step_size=10)``.
    """

    __slots__ = ("_kind", "_config", "_inputs", "_repr")

    def __init__(self, kind: str, config: dict[str, Any], inputs: list[float] | None, text: str) -> None:
        self._kind = kind
        self._config = config
        self._inputs = inputs
        self._repr = text

    def __repr__(self) -> str:
        return self._repr

    def __call__(self, steps: Any) -> Any:
        if isinstance(steps, (bool, np.bool_)):
            raise TypeError("steps must be integers, got bool")
        scalar = np.ndim(steps) == 0
        array = np.asarray(steps)
        if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f" and not scalar):
            raise TypeError(f"steps must be integers, got an array of {array.dtype}")
        if array.dtype.kind == "u" and array.size and int(array.max()) > _INT64_MAX:
            # Past int64 the array cannot cross as int64; the core's bound, and so
            # its message, is 2**53 (steps it holds exactly as doubles).
            raise ValueError(f"steps must be at most 2**53, got {int(array.max())}")
        flat = np.ascontiguousarray(array, dtype=np.int64).reshape(-1)
        values = np.frombuffer(_swiftlr.schedule_values(self._kind, self._config, flat, self._inputs), dtype=np.float64)
        return float(values[0]) if scalar else values.reshape(array.shape)

    def to_jax(self, steps: int) -> Any:
        """A jittable function of the step for JAX / optax (``learning_rate=``):
        this schedule's first ``steps`` values as a table, clamped past its end."""
        from swiftlr._jax import jax_schedule

        return jax_schedule(self, steps)

    def to_keras(self, steps: int) -> Any:
        """The same table as a Keras 3 ``LearningRateSchedule`` (float32), clamped past its end."""
        from swiftlr._jax import keras_schedule

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
    computes from the arguments). ``repr()`` shows the call.
    """
    base = parameters[lr]
    if isinstance(base, bool) or not isinstance(base, (int, float, np.floating, np.integer)):
        raise TypeError(f"{lr} must be a float, got {type(base).__name__}")
    if not np.isfinite(float(base)):
        raise ValueError(f"{lr} must be finite, got {float(base)}")
    arguments = {k: v for k, v in parameters.items() if k != "lr"}
    config = _plain({**arguments, **(fixed or {})})
    config["base_lrs"] = [float(base)]
    config["last_epoch"] = -1
    core = _swiftlr.NativeScheduler(kind, config)  # the core's checks, now rather than at the first call
    values = core._core_get(inputs) if inputs is not None else None
    shown = ", ".join([repr(base)] + [f"{k}={v!r}" for k, v in arguments.items() if k != lr])
    return Schedule(kind, config, values, f"{name}({shown})")
