"""JAX / optax and Keras: a :class:`swiftlr.schedules.Schedule` as a jittable
function of the step (``Schedule.to_jax``) or a Keras ``LearningRateSchedule``
(``Schedule.to_keras``), without making either a dependency.

optax calls its ``learning_rate`` with the step count as a traced integer
under ``jax.jit``, where the Swift core cannot run. So the schedule is
evaluated once, natively, over steps ``0 .. steps-1``, and the function
indexes that table; steps past its end take the last value (a clamp, as
optax's own schedules hold their final value). jax is imported when the
function first runs, never by ``import swiftlr``. Keras (3, any backend)
gets the same table inside a ``LearningRateSchedule``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np


def jax_schedule(schedule: Callable[[Any], Any], steps: int) -> Callable[[Any], Any]:
    """A jittable ``count -> lr`` over ``schedule``'s first ``steps`` values.

    The table is float64; JAX keeps that with ``jax_enable_x64``, else
    rounds it to float32 as it does every float.
    """
    table, last = _table(schedule, steps)

    def learning_rate(count: Any) -> Any:
        jnp = importlib.import_module("jax.numpy")  # not a static import: jax is optional, untyped here
        return jnp.asarray(table)[jnp.clip(count, 0, last)]

    learning_rate.table = table  # type: ignore[attr-defined]
    return learning_rate


def _table(schedule: Callable[[Any], Any], steps: int) -> tuple[Any, int]:
    """The schedule's first ``steps`` lrs (float64), and the last index."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    return np.asarray(schedule(np.arange(int(steps), dtype=np.int64)), dtype=np.float64), int(steps) - 1


def keras_schedule(schedule: Callable[[Any], Any], steps: int) -> Any:
    """A Keras ``LearningRateSchedule`` over the same table (float32, Keras' lr dtype)."""
    table, last = _table(schedule, steps)
    keras = importlib.import_module("keras")
    base: Any = keras.optimizers.schedules.LearningRateSchedule

    class TableSchedule(base):  # type: ignore[misc]
        def __call__(self, step: Any) -> Any:
            ops = keras.ops
            return ops.take(ops.convert_to_tensor(table, dtype="float32"), ops.clip(ops.cast(step, "int32"), 0, last))

        def get_config(self) -> dict[str, Any]:
            return {"table": table.tolist()}

    return TableSchedule()
