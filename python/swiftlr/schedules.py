"""Pure learning-rate schedules, optax-style: a function of the step, evaluated
over whole arrays of steps in one native call.

Each function takes the base lr and the parameters of the scheduler of the
same name (same argument names and defaults) and returns a :class:`Schedule`:
a callable mapping a step (int) to its lr (float), or an integer array of
steps to a float64 array of the same shape::

    >>> from swiftlr import schedules
    >>> sched = schedules.step_lr(0.1, step_size=10, gamma=0.9)
    >>> sched(25)  # 0.1 * 0.9 * 0.9: the lr after 25 calls of scheduler.step()
    0.08100000000000002
    >>> sched(np.arange(10**6)).shape
    (1000000,)

Value ``k`` is the lr of the stateful scheduler after ``k`` calls of
``step()`` (value 0: after its constructor): the same recurrence, bit for
bit, as the scheduler stepped in a loop and as its ``preview()``. The
formulas in the functions' docs say what the lrs are; the chainable
schedulers (``StepLR``, ``CosineAnnealingLR``, ...) reach them by updating the
previous lr, which rounds differently from the formula (``CosineAnnealingLR``
from its fourth lr on). ``closed_form=True`` gives PyTorch's closed form instead
(the lr after ``step(k)``, the deprecated epoch argument), where PyTorch has
one, evaluated at each step directly::

    >>> cos = schedules.cosine_annealing_lr(0.1, T_max=10)
    >>> cos(4) - schedules.cosine_annealing_lr(0.1, T_max=10, closed_form=True)(4)
    1.3877787807814457e-17

Stepping takes every step up to the largest asked for (at most ``2**27``):
one native call steps once and hands out the values, in any order; single
steps come from a table of the first values kept by the schedule, so calling
it at 0, 1, 2, ... (as optax does) costs one step each. Every schedule goes
through one generic evaluator in the Swift core (``ScheduleEvaluation``),
which runs without the GIL: where the lr cannot change (``ConstantLR``,
``LinearLR``, ``PolynomialLR`` past their last change) it fills one value, and
the ``pow``/``cos`` calls that do not depend on the previous lr run on a
worker thread too, the same scalar calls as PyTorch's (so the same bits). Arguments are checked when the schedule is made,
exactly as the scheduler class checks them.

Parameters that do not affect the lr (momentum cycling, ``last_epoch``) are
not taken. Schedulers driven by Python callables or per-step values
(``LambdaLR``, ``MultiplicativeLR``, ``ReduceLROnPlateau``) and ``SWALR``
(whose lr starts from the optimizer's) have no schedule function.

Under ``jax.jit``, ``jax.vmap`` and ``jax.lax.scan`` a schedule takes the
traced step as it is (optax's ``learning_rate=schedule``); ``to_keras()``
makes a Keras ``LearningRateSchedule`` that ``keras.models.load_model``
rebuilds.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from swiftlr._schedule import Schedule, make_schedule

Schedule.__module__ = __name__  # its public home (docs, reprs, pickles)

__all__ = [
    "Schedule",
    "step_lr",
    "multi_step_lr",
    "exponential_lr",
    "constant_lr",
    "linear_lr",
    "polynomial_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "one_cycle_lr",
    "cyclic_lr",
    "warmup_cosine_lr",
    "inverse_sqrt_lr",
    "warmup_stable_decay_lr",
    "piecewise_linear_lr",
]


def step_lr(lr: float, step_size: int, gamma: float = 0.1, *, closed_form: bool = False) -> Schedule:
    """StepLR's lrs: ``lr * gamma ** (step // step_size)``.

    Args:
        lr (float): the lr before the first decay (the optimizer's lr).
        step_size (int): Period of learning rate decay.
        gamma (float): Multiplicative factor of learning rate decay.
            Default: 0.1.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.

    Example:
        >>> step_lr(0.1, step_size=2, gamma=0.5)(np.arange(6))
        array([0.1  , 0.1  , 0.05 , 0.05 , 0.025, 0.025])
    """
    return make_schedule("step_lr", "StepLR", locals())


def multi_step_lr(lr: float, milestones: Sequence[int], gamma: float = 0.1, *, closed_form: bool = False) -> Schedule:
    """MultiStepLR's lrs: ``lr * gamma ** (number of milestones <= step)``.

    Args:
        lr (float): the lr before the first milestone (the optimizer's lr).
        milestones (sequence of int): Epoch indices; a milestone listed
            ``n`` times decays by ``gamma ** n``.
        gamma (float): Multiplicative factor of learning rate decay.
            Default: 0.1.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("multi_step_lr", "MultiStepLR", locals())


def exponential_lr(lr: float, gamma: float, *, closed_form: bool = False) -> Schedule:
    """ExponentialLR's lrs: ``lr * gamma ** step``.

    Args:
        lr (float): the lr at step 0 (the optimizer's lr).
        gamma (float): Multiplicative factor of learning rate decay.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("exponential_lr", "ExponentialLR", locals())


def constant_lr(lr: float, factor: float = 1.0 / 3, total_iters: int = 5, *, closed_form: bool = False) -> Schedule:
    """ConstantLR's lrs: ``lr * factor`` before ``total_iters``, ``lr`` after.

    Args:
        lr (float): the lr from ``total_iters`` on (the optimizer's lr).
        factor (float): The factor until ``total_iters``, in (0, 1].
            Default: 1./3.
        total_iters (int): The number of steps multiplied by ``factor``.
            Default: 5.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("constant_lr", "ConstantLR", locals())


def linear_lr(
    lr: float,
    start_factor: float = 1.0 / 3,
    end_factor: float = 1.0,
    total_iters: int = 5,
    *,
    closed_form: bool = False,
) -> Schedule:
    """LinearLR's lrs: the factor moves linearly from ``start_factor`` to ``end_factor`` over ``total_iters``.

    Args:
        lr (float): the lr the factor multiplies (the optimizer's lr).
        start_factor (float): The factor at step 0, in (0, 1].
            Default: 1./3.
        end_factor (float): The factor from ``total_iters`` on, in [0, 1].
            Default: 1.0.
        total_iters (int): The number of steps of the change. Default: 5.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("linear_lr", "LinearLR", locals())


def polynomial_lr(lr: float, total_iters: int = 5, power: float = 1.0, *, closed_form: bool = False) -> Schedule:
    """PolynomialLR's lrs: ``lr * (1 - min(step, total_iters) / total_iters) ** power``.

    Args:
        lr (float): the lr at step 0, which decays to 0 (the optimizer's lr).
        total_iters (int): The number of steps of the decay. Default: 5.
        power (float): The power of the polynomial. Default: 1.0.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("polynomial_lr", "PolynomialLR", locals())


def cosine_annealing_lr(lr: float, T_max: int, eta_min: float = 0.0, *, closed_form: bool = False) -> Schedule:  # noqa: N803
    """CosineAnnealingLR's lrs: ``eta_min + (lr - eta_min) * (1 + cos(pi * step / T_max)) / 2``.

    Args:
        lr (float): the lr at step 0, the cosine's maximum (the optimizer's lr).
        T_max (int): Half the period: the lr reaches ``eta_min`` at ``T_max``.
        eta_min (float): Minimum learning rate. Default: 0.0.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("cosine_annealing_lr", "CosineAnnealingLR", locals())


def cosine_annealing_warm_restarts(
    lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0, *, closed_form: bool = False
) -> Schedule:  # noqa: N803
    """CosineAnnealingWarmRestarts' lrs (SGDR): cosine annealing restarted every ``T_i`` steps.

    Args:
        lr (float): the lr at each restart (the optimizer's lr).
        T_0 (int): Number of steps until the first restart.
        T_mult (int): A factor by which ``T_i`` increases after a restart.
            Default: 1.
        eta_min (float): Minimum learning rate. Default: 0.0.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("cosine_annealing_warm_restarts", "CosineAnnealingWarmRestarts", locals())


def one_cycle_lr(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    *,
    closed_form: bool = False,
) -> Schedule:
    """OneCycleLR's lrs: the 1cycle policy.

    The lr starts at ``max_lr / div_factor``; steps past ``total_steps``
    raise ValueError, as stepping the scheduler does.

    Args:
        max_lr (float): Upper learning rate boundary of the cycle.
        total_steps (int, optional): The total number of steps in the cycle;
            if None, ``epochs * steps_per_epoch``. Default: None.
        epochs (int, optional): The number of epochs to train for. Default: None.
        steps_per_epoch (int, optional): The number of steps per epoch.
            Default: None.
        pct_start (float): The fraction of the cycle spent increasing the lr.
            Default: 0.3.
        anneal_strategy (str): ``'cos'`` or ``'linear'``. Default: 'cos'.
        div_factor (float): initial_lr = max_lr / div_factor. Default: 25.0.
        final_div_factor (float): min_lr = initial_lr / final_div_factor.
            Default: 1e4.
        three_phase (bool): If True, a third phase annihilates the lr.
            Default: False.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule(
        "one_cycle_lr", "OneCycleLR", locals(), lr="max_lr", fixed={"cycle_momentum": False}, inputs="group_values"
    )


def cyclic_lr(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_mode: str = "cycle",
    *,
    closed_form: bool = False,
) -> Schedule:
    """CyclicLR's lrs: the cyclical learning rate policy.

    The built-in modes only: a custom ``scale_fn`` is a Python callable, not a pure schedule.

    Args:
        base_lr (float): Lower learning rate boundary of the cycle.
        max_lr (float): Upper learning rate boundary of the cycle.
        step_size_up (int): Steps in the increasing half of a cycle.
            Default: 2000.
        step_size_down (int, optional): Steps in the decreasing half; None
            for ``step_size_up``. Default: None.
        mode (str): ``'triangular'``, ``'triangular2'`` or ``'exp_range'``.
            Default: 'triangular'.
        gamma (float): Constant of ``'exp_range'``. Default: 1.0.
        scale_mode (str): ``'cycle'`` or ``'iterations'``. Default: 'cycle'.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("cyclic_lr", "CyclicLR", locals(), lr="base_lr", fixed={"cycle_momentum": False})


def warmup_cosine_lr(
    lr: float,
    warmup_steps: int,
    total_steps: int,
    eta_min: float = 0.0,
    warmup_start_factor: float = 0.0,
    *,
    closed_form: bool = False,
) -> Schedule:
    """Linear warmup, then cosine annealing to ``eta_min`` (see :class:`~swiftlr.optim.lr_scheduler.WarmupCosineLR`).

    Args:
        lr (float): the peak lr, reached at the end of the warmup (the optimizer's lr).
        warmup_steps (int): Steps of the linear warmup; 0 for none.
        total_steps (int): The step at which the lr reaches ``eta_min``.
        eta_min (float): Final learning rate (absolute). Default: 0.0.
        warmup_start_factor (float): Factor of ``lr`` at step 0, in [0, 1].
            Default: 0.0.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("warmup_cosine_lr", "WarmupCosineLR", locals())


def inverse_sqrt_lr(
    lr: float, warmup_steps: int, timescale: int | None = None, *, closed_form: bool = False
) -> Schedule:
    """Linear warmup, then inverse square-root decay (see :class:`~swiftlr.optim.lr_scheduler.InverseSqrtLR`).

    Args:
        lr (float): the peak lr, reached at the end of the warmup (the optimizer's lr).
        warmup_steps (int): Steps of the linear warmup; 0 for none.
        timescale (int, optional): Time scale of the decay. Default: None
            (``warmup_steps``, or 10000 when that is 0).
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("inverse_sqrt_lr", "InverseSqrtLR", locals())


def warmup_stable_decay_lr(
    lr: float,
    warmup_steps: int,
    stable_steps: int,
    decay_steps: int,
    decay_type: str = "cosine",
    min_lr_ratio: float = 0.0,
    *,
    closed_form: bool = False,
) -> Schedule:
    """Warmup, stable, decay (see :class:`~swiftlr.optim.lr_scheduler.WarmupStableDecayLR`).

    Args:
        lr (float): the lr of the stable phase (the optimizer's lr).
        warmup_steps (int): Steps of the warmup; 0 for none.
        stable_steps (int): Steps at ``lr``; 0 for none.
        decay_steps (int): Steps of the decay; positive.
        decay_type (str): ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
            Default: "cosine".
        min_lr_ratio (float): Final factor of ``lr``, in [0, 1]. Default: 0.0.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("warmup_stable_decay_lr", "WarmupStableDecayLR", locals())


def piecewise_linear_lr(
    lr: float, milestones: Sequence[int], factors: Sequence[float], *, closed_form: bool = False
) -> Schedule:
    """``lr`` times a factor interpolated between points (see :class:`~swiftlr.optim.lr_scheduler.PiecewiseLinearLR`).

    Args:
        lr (float): the lr the factors multiply (the optimizer's lr).
        milestones (sequence of int): Strictly increasing steps; at least one.
        factors (sequence of float): One non-negative factor per milestone.
        closed_form (bool): the lr after ``step(k)`` (PyTorch's closed form) instead of ``k`` calls of ``step()``. Default: False.
    """
    return make_schedule("piecewise_linear_lr", "PiecewiseLinearLR", locals())


def __getattr__(name: str) -> Any:
    """``KerasSchedule``: the Keras class of ``Schedule.to_keras``, registered
    with Keras when first named (importing keras)."""
    if name == "KerasSchedule":
        from swiftlr._keras import keras_class

        return keras_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if "keras" in sys.modules:  # keras first, then swiftlr: load_model finds the class without more
    from swiftlr._keras import keras_class

    keras_class()
