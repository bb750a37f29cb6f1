"""PyTorch attributes and old checkpoint formats of the cycling schedulers.

PyTorch's own tests (and real checkpoints) reach into a few private
attributes of ``CyclicLR`` and ``OneCycleLR`` and into states written by
older PyTorch versions. These mixins give ``_cyclic``'s classes those
attributes and load those states, apart from the schedulers' rules:

* ``CyclicLR._scale_fn_ref``: the built-in scaling policy of ``mode`` (never
  saved), and the three policies as static methods;
* ``OneCycleLR._annealing_cos`` / ``_annealing_linear``, a deletable
  ``_anneal_func_type``, and checkpoints from before PyTorch 2.2 that hold the
  function ``anneal_func`` instead of ``_anneal_func_type``;
* a state saved with ``cycle_momentum=True`` (which records ``use_beta1``)
  loading into a scheduler built without cycling momentum.

(``CosineAnnealingWarmRestarts.T_cur`` needs nothing here: the core keeps it
as an int or a float, as PyTorch does.)
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

__all__ = ["CyclicCompat", "OneCycleCompat"]


class _MomentumStateCompat:
    """Loads states that record ``use_beta1`` into a scheduler that has none."""

    def _load_state(self, state_dict: dict[str, Any], attributes: dict[str, Any], updates: tuple[Any, ...]) -> None:
        if isinstance(state_dict, dict) and "use_beta1" in state_dict and "use_beta1" not in self.__dict__:
            # PyTorch updates __dict__ with it; the next momentum write reads it.
            attributes = {**attributes, "use_beta1": bool(state_dict["use_beta1"])}
        super()._load_state(state_dict, attributes, updates)  # type: ignore[misc]


class CyclicCompat(_MomentumStateCompat):
    """``CyclicLR``'s built-in scaling policies, as PyTorch names them."""

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return float(1 / (2.0 ** (x - 1)))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        return float(gamma**x)

    @property
    def _scale_fn_ref(self) -> Any:
        """The built-in policy of ``mode`` (PyTorch's attribute; not state, so never saved)."""
        mode = getattr(self, "mode", "triangular")
        if mode == "exp_range":
            return partial(CyclicCompat._exp_range_scale_fn, getattr(self, "gamma", 1.0))
        if mode == "triangular2":
            return CyclicCompat._triangular2_scale_fn
        return CyclicCompat._triangular_scale_fn


#: Marks a OneCycleLR whose ``_anneal_func_type`` was deleted (as PyTorch's tests do to
#: mimic a scheduler from before 2.2); kept out of the state dict.
_DELETED = "_anneal_func_type_deleted"

#: PyTorch's annealing functions by name, as a pre-2.2 checkpoint refers to them.
_STRATEGIES = {"_annealing_cos": "cos", "_annealing_linear": "linear"}


def _anneal_get(self: Any) -> str:
    if self.__dict__.get(_DELETED):
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '_anneal_func_type'")
    value: str = self._core_get("_anneal_func_type")
    return value


def _anneal_set(self: Any, value: str) -> None:
    self._core_update({"_anneal_func_type": value})
    self.__dict__.pop(_DELETED, None)


def _anneal_delete(self: Any) -> None:
    _anneal_get(self)  # AttributeError when already deleted, as for any attribute
    self.__dict__[_DELETED] = True


class OneCycleCompat(_MomentumStateCompat):
    """``OneCycleLR``'s annealing functions and its pre-2.2 checkpoints."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # After SwiftScheduler made its plain core property for the field: this one can be deleted.
        cls._anneal_func_type = property(  # type: ignore[attr-defined]
            _anneal_get, _anneal_set, _anneal_delete, doc="``'cos'`` or ``'linear'``, held by the Swift core."
        )

    @staticmethod
    def _annealing_cos(start: float, end: float, pct: float) -> float:
        """Cosine anneal from ``start`` to ``end`` as ``pct`` goes from 0.0 to 1.0."""
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    @staticmethod
    def _annealing_linear(start: float, end: float, pct: float) -> float:
        """Linear anneal from ``start`` to ``end`` as ``pct`` goes from 0.0 to 1.0."""
        return (end - start) * pct + start

    def _private_keys(self) -> tuple[str, ...]:
        keys: tuple[str, ...] = super()._private_keys()  # type: ignore[misc]
        return (*keys, _DELETED)

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = super().state_dict()  # type: ignore[misc]
        if self.__dict__.get(_DELETED):
            state.pop("_anneal_func_type", None)
        return state

    def _load_state(self, state_dict: dict[str, Any], attributes: dict[str, Any], updates: tuple[Any, ...]) -> None:
        """Also loads a pre-2.2 state: ``anneal_func`` (PyTorch's ``_annealing_cos``
        or ``_annealing_linear``) is kept, and, as in PyTorch, anneals only a
        scheduler without ``_anneal_func_type``."""
        state = state_dict
        if isinstance(state_dict, dict) and "anneal_func" in state_dict:
            fn = state_dict["anneal_func"]
            name = getattr(fn, "__name__", "")
            if name not in _STRATEGIES:
                raise ValueError(
                    f"anneal_func must be OneCycleLR._annealing_cos or OneCycleLR._annealing_linear, got {fn!r}"
                    " (swiftlr anneals in its core, without calling Python functions)"
                )
            state = dict(state_dict)
            if self.__dict__.get(_DELETED) and "_anneal_func_type" not in state:
                state["_anneal_func_type"] = _STRATEGIES[name]  # set with the other core fields, or none
            attributes = {**attributes, "anneal_func": fn}  # kept in __dict__, as PyTorch keeps it
        super()._load_state(state, attributes, updates)
