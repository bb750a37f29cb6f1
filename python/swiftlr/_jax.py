"""JAX / optax: a :class:`swiftlr.schedules.Schedule` under ``jax.jit``,
``jax.vmap`` and ``jax.lax.scan`` as it is, and as a table on the device
(``Schedule.to_jax``), without making jax a dependency.

optax calls its ``learning_rate`` with the step count, which inside a jitted
update is a tracer: a value JAX has not computed yet, where the Swift core
cannot run. ``Schedule.__call__`` hands a tracer to :func:`traced_values`,
which asks JAX for a host callback (``jax.pure_callback``): when the compiled
step runs, JAX calls the schedule with the concrete steps (a numpy array of
any batch shape under ``vmap``), so the values are the eager ones, rounded to
JAX's float dtype (float32, or float64 with ``jax_enable_x64``). Single steps
come from the schedule's table of its first values, so a step of a training
loop costs one lookup. jax is imported when a traced step first arrives,
never by ``import swiftlr``.

What cannot work is an error at trace time: a traced float step (a schedule
is a function of an integer step). A step the schedule rejects (a negative
one, one past ``one_cycle_lr``'s ``total_steps``) raises inside the callback,
and JAX reports it, with the schedule's message, when the step runs.
``Schedule.to_jax(steps)`` is the other way: the first ``steps`` values as a
device array, clamped past its end (no callback, so it also serializes with
``jax.export``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np


def traced_values(schedule: Callable[[Any], Any], steps: Any) -> Any:
    """The schedule at traced integer ``steps``, through a host callback (see the module docs)."""
    jax = importlib.import_module("jax")
    jnp = importlib.import_module("jax.numpy")
    if not jnp.issubdtype(steps.dtype, jnp.integer):
        raise TypeError(
            f"steps must be integers, got a traced array of {steps.dtype}: a schedule is a function of the step "
            "count (optax passes its integer count)"
        )
    dtype = jnp.result_type(float)  # float64 under jax_enable_x64, else float32

    def host(concrete: Any) -> np.ndarray:
        return np.asarray(schedule(np.asarray(concrete)), dtype=dtype)

    # "expand_dims": under vmap the callback gets the batch as an array, once.
    return jax.pure_callback(host, jax.ShapeDtypeStruct(steps.shape, dtype), steps, vmap_method="expand_dims")


def jax_schedule(schedule: Callable[[Any], Any], steps: int) -> Callable[[Any], Any]:
    """A jittable ``count -> lr`` over ``schedule``'s first ``steps`` values.

    The table is float64; JAX keeps that with ``jax_enable_x64``, else
    rounds it to float32 as it does every float.
    """
    table, last = first_values(schedule, steps)

    def learning_rate(count: Any) -> Any:
        jnp = importlib.import_module("jax.numpy")  # not a static import: jax is optional, untyped here
        return jnp.asarray(table)[jnp.clip(count, 0, last)]

    learning_rate.table = table  # type: ignore[attr-defined]
    return learning_rate


def first_values(schedule: Callable[[Any], Any], steps: int) -> tuple[np.ndarray, int]:
    """The schedule's first ``steps`` lrs (float64), and the last index."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    return np.asarray(schedule(np.arange(int(steps), dtype=np.int64)), dtype=np.float64), int(steps) - 1
