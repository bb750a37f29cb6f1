"""Keras 3: a :class:`swiftlr.schedules.Schedule` as a ``LearningRateSchedule``
that saves as its function's name and arguments (``get_config``) and that
``keras.models.load_model`` rebuilds, the class registered with Keras as
``swiftlr>Schedule``. The class is made (and registered) when first asked
for, so that importing this module needs no keras.

Keras finds a saved custom class only once it is registered, so this module
is imported (registering it) by ``Schedule.to_keras``, by
``swiftlr.schedules.KerasSchedule``, and by ``import swiftlr.schedules`` when
keras is already imported. A process that only loads a model imports keras,
then ``swiftlr.schedules`` (the usual order of imports), or names
``swiftlr.schedules.KerasSchedule`` before ``load_model``.

Under the jax backend the optimizer calls the schedule with a traced step
inside its jitted train step (the host callback of :mod:`swiftlr._jax`);
under the others, eagerly with a tensor. Keras keeps lrs in float32.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import numpy as np

from swiftlr import schedules
from swiftlr._jax import first_values


def _plain(value: Any) -> Any:
    """JSON-friendly arguments: numpy scalars and arrays, and tuples, as Python values and lists."""
    if isinstance(value, (np.ndarray, tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@functools.cache
def keras_class() -> Any:
    """The ``KerasSchedule`` class, made and registered with Keras on the first call."""
    keras: Any = importlib.import_module("keras")

    @keras.saving.register_keras_serializable(package="swiftlr", name="Schedule")
    class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):  # type: ignore[misc]
        """A ``swiftlr.schedules`` schedule as a Keras ``LearningRateSchedule``.

        Made by ``Schedule.to_keras(steps=None)``. Its config is the schedule's
        function name and arguments (and ``steps``), never the lrs.

        Args:
            function (str): the ``swiftlr.schedules`` function, e.g. ``"step_lr"``.
            arguments (dict): its arguments, by name.
            steps (int, optional): evaluate the first ``steps`` lrs once, into a
                table clamped past its end (no callback per step); None for the
                schedule at every step. Default: None.
        """

        def __init__(self, function: str, arguments: dict[str, Any], steps: int | None = None) -> None:
            if function not in schedules.__all__ or function == "Schedule":
                raise ValueError(f"unknown swiftlr.schedules function {function!r}")
            self.function = function
            self.arguments = {name: _plain(value) for name, value in arguments.items()}
            self.steps = steps
            self.schedule = getattr(schedules, function)(**self.arguments)
            self.table = None if steps is None else first_values(self.schedule, steps)

        def __call__(self, step: Any) -> Any:
            ops = keras.ops
            if self.table is not None:
                table, last = self.table
                return ops.take(
                    ops.convert_to_tensor(table, dtype="float32"), ops.clip(ops.cast(step, "int32"), 0, last)
                )
            if keras.backend.backend() == "jax":
                # The iterations variable's value: a tracer inside the jitted train step (the host callback).
                return ops.cast(self.schedule(ops.convert_to_tensor(step)), "float32")
            try:
                concrete = ops.convert_to_numpy(step)
            except Exception as error:  # a symbolic tensor (tf.function): no value to evaluate the schedule at
                raise TypeError(
                    f"{self.function} cannot run inside a {keras.backend.backend()} graph: use "
                    "schedule.to_keras(steps=N), a table of the first N lrs"
                ) from error
            return ops.convert_to_tensor(self.schedule(concrete), dtype="float32")

        def get_config(self) -> dict[str, Any]:
            return {"function": self.function, "arguments": self.arguments, "steps": self.steps}

    KerasSchedule.__qualname__ = "KerasSchedule"  # its public name: swiftlr._keras.KerasSchedule
    return KerasSchedule


def __getattr__(name: str) -> Any:
    if name == "KerasSchedule":
        return keras_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def keras_schedule(schedule: Any, steps: int | None) -> Any:
    """``schedule`` (a :class:`~swiftlr.schedules.Schedule`) as a ``KerasSchedule``."""
    return keras_class()(schedule.function, schedule.arguments, steps)
