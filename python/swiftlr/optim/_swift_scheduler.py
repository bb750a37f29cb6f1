"""The bridge to the Swift core: :class:`SwiftScheduler`, the base of every
swiftlr scheduler, is one object with the C type ``_swiftlr.NativeScheduler``.

Its state attributes (``last_epoch``, ``base_lrs``, ``step_size``, ...) are
properties that read and write the Swift scheduler, generated from
``_state_fields``; ``step()`` is the C type's method, one native call that
reads and writes every group's ``lr`` as a transaction.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

from swiftlr import _swiftlr
from swiftlr._torch import flavour as _flavour
from swiftlr._typing import SupportsParamGroups
from swiftlr.optim import _resume_checks
from swiftlr.optim._scheduler_base import (
    LRScheduler,
    _check_last_epoch,
    _check_optimizer,
    _check_state_dict,
    _restore_groups_on_error,
)

__all__ = ["SwiftScheduler", "arguments_of", "per_group", "OMIT"]


def _core_property(name: str) -> property:
    def get(self: SwiftScheduler) -> Any:
        if name == "base_lrs":
            return self._base_lrs_as_groups()
        return self._core_get(name)

    def set(self: SwiftScheduler, value: Any) -> None:
        self._core_update({name: value})

    return property(get, set, doc=f"``{name}``, held by the Swift core.")


#: PyTorch's step bookkeeping, kept in the C object (not in ``__dict__``).
_STEP_MEMBERS = ("_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr")

#: Keys older PyTorch versions saved that no scheduler reads any more.
_TOLERATED_KEYS = frozenset({"verbose", "optimizer"})


class SwiftScheduler(_swiftlr.NativeScheduler, LRScheduler):
    """A scheduler whose rule and state live in the Swift core.

    A subclass is PyTorch's signature and docstring: it names its Swift
    scheduler (``_kind``: by default a swiftlr class's own name; a user's
    subclass keeps its base's) and passes its arguments
    on with ``super().__init__(**arguments_of(locals()))``. It
    checks none of them: the Swift scheduler declares each argument once
    (type, default, check, whether PyTorch checks it before the optimizer;
    ``_swiftlr.scheduler_arguments``), and its checks run here in PyTorch's
    order, before any param group is written. Its state attributes
    (``_state_fields``) are the fields the Swift scheduler declares as
    PyTorch's (``_swiftlr.scheduler_fields``), less those the class keeps in
    ``__dict__`` (``_held_fields``). Properties for the fields, ``step``,
    ``get_lr``, ``state_dict`` and ``load_state_dict`` come from here.

    ``step()`` is a C method of :class:`swiftlr._swiftlr.NativeScheduler` and
    the one owner of a step: PyTorch's warnings, the deprecated epoch, user
    functions (:meth:`_step_inputs`), the Swift rule and the param-group
    writes run there as one transaction, so a step that raises changes
    nothing.

    Args:
        optimizer (Optimizer): the optimizer whose learning rates this
            scheduler adjusts (anything with ``param_groups``).
        last_epoch (int): index of the last epoch seen; ``-1`` starts a new
            schedule. Default: -1.

    The keyword arguments after these are the scheduler's own, by PyTorch's
    names; they go to the Swift scheduler ``_kind`` as they are.
    """

    _kind: ClassVar[str]
    #: Derived from the Swift declaration by ``__init_subclass__``.
    _state_fields: ClassVar[tuple[str, ...]] = ()
    #: Declared fields the Python class keeps in ``__dict__`` as given (e.g.
    #: ReduceLROnPlateau's ``min_lrs``, a list the user may extend).
    _held_fields: ClassVar[tuple[str, ...]] = ()
    _common_fields: ClassVar[tuple[str, ...]] = ("base_lrs", "last_epoch")
    #: How ``step()`` behaves: ``"lr"`` (PyTorch's ``LRScheduler.step``),
    #: ``"metric"`` (``step(metrics, epoch=None)``, as ReduceLROnPlateau) or
    #: ``"plain"`` (no warnings, no ``_step_count``, as CosineAnnealingWarmRestarts).
    _step_kind: ClassVar[str] = "lr"
    #: State-dict keys that are core fields in another form (``_core_state``
    #: converts them), e.g. OneCycleLR's ``_schedule_phases``.
    _derived_keys: ClassVar[tuple[str, ...]] = ()
    #: Whether ``base_lrs`` follow the groups' tensor ``initial_lr`` (PyTorch's
    #: CyclicLR keeps its ``base_lr`` argument instead).
    _tensor_base_lrs: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_kind" not in cls.__dict__ and (not hasattr(cls, "_kind") or cls.__module__.startswith("swiftlr.")):
            cls._kind = cls.__name__  # a user's subclass (of StepLR, say) steps its base's rule
        cls._state_fields = _declared_fields(cls._kind, cls._held_fields)
        for name in cls._state_fields + cls._common_fields:
            if not isinstance(cls.__dict__.get(name), property):
                setattr(cls, name, _core_property(name))
        for name in _HELD_METHODS:
            method = getattr(cls, name)
            if not getattr(method, "_holds_lock", False):
                setattr(cls, name, _holding_lock(method))

    def __new__(cls, *args: Any, **kwargs: Any) -> SwiftScheduler:
        return _swiftlr.NativeScheduler.__new__(_flavour(cls, args, kwargs))  # see LRScheduler.__new__

    @_restore_groups_on_error
    def __init__(self, optimizer: SupportsParamGroups, last_epoch: int = -1, **arguments: Any) -> None:
        self._check_first(arguments)
        _check_optimizer(optimizer)
        _check_last_epoch(last_epoch)
        self._prepare(optimizer, arguments)
        # Built from the groups as they are: every check runs before anything is written.
        config = _plain(arguments)
        config["base_lrs"] = [
            float(g["lr"] if last_epoch == -1 else g.get("initial_lr", g["lr"])) for g in optimizer.param_groups
        ]
        config["last_epoch"] = last_epoch
        self._build_core(config)
        self._write_groups(optimizer, arguments, last_epoch)
        base_lrs = [float(lr) for lr in self._attach(optimizer, last_epoch)]
        if base_lrs != config["base_lrs"]:
            self._core_update({"base_lrs": base_lrs})
        self._finish_init()

    def _check_first(self, arguments: dict[str, Any]) -> None:
        """Runs the core's checks of the arguments PyTorch checks before it
        looks at the optimizer (e.g. ConstantLR's ``factor``)."""
        first = {name: arguments[name] for name in _checked_first(self._kind) if name in arguments}
        if first:
            _swiftlr.check_arguments(self._kind, _plain(first))

    def _prepare(self, optimizer: SupportsParamGroups, arguments: dict[str, Any]) -> None:
        """What the core's build needs from Python objects (e.g. whether cycled
        momenta go to ``momentum`` or ``betas``). Nothing by default."""

    def _write_groups(self, optimizer: SupportsParamGroups, arguments: dict[str, Any], last_epoch: int) -> None:
        """Writes what PyTorch's constructor writes into the param groups
        besides ``initial_lr`` (CyclicLR's lr, OneCycleLR's bounds, SWALR's
        ``swa_lr``); the arguments are checked by then. None by default."""

    def _build_core(self, config: dict[str, Any]) -> None:
        """Builds the Swift scheduler (the C object keeps ``config``, for pickles)."""
        self._init_core(self._kind, config, **self._core_options(config))

    def _core_options(self, config: dict[str, Any]) -> dict[str, Any]:
        """How the C ``step`` treats this scheduler, built from ``config``
        (see ``NativeScheduler._init_core``)."""
        return {
            # Keys of each param group the rule reads at every step (PyTorch reads
            # e.g. OneCycleLR's ``max_lr`` from the groups each time), as the core declares them.
            "group_inputs": _swiftlr.scheduler_group_inputs(self._kind, bool(config.get("cycle_momentum"))),
            "python_inputs": type(self)._step_inputs is not SwiftScheduler._step_inputs,
            "step_kind": self._step_kind,
        }

    def _step_inputs(self, epoch: float | None) -> Sequence[float] | None:
        """The values the next step takes from Python (user factors); none by
        default, and then the C step reads the core's group inputs from the groups.
        ``epoch`` is the explicit epoch of a deprecated ``step(epoch)`` call,
        else None (the step goes to ``last_epoch + 1``)."""
        return None

    def _apply_momenta(self) -> None:
        """Writes the momenta of a scheduler that cycles them (PyTorch's
        ``get_lr()`` side effect) into each group: beta1 of ``betas`` when
        ``use_beta1`` (an Adam-like optimizer), else ``momentum``."""
        momenta = self._core_momenta()
        if momenta is None:
            return
        key = "beta1" if getattr(self, "use_beta1", False) else "momentum"
        for group, momentum in zip(self.optimizer.param_groups, momenta):
            _swiftlr.write_group(group, key, momentum)

    def get_lr(self) -> list[float]:
        """PyTorch's ``get_lr()``: the chained rule at the current ``last_epoch``."""
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        lrs: list[float] = self._core_lrs([float(g["lr"]) for g in self.optimizer.param_groups])
        self._apply_momenta()
        return lrs

    def _get_closed_form_lr(self) -> list[float]:
        lrs: list[float] = self._core_lrs([float(g["lr"]) for g in self.optimizer.param_groups], True)
        return lrs

    def _base_lrs_as_groups(self) -> list[Any]:
        """``base_lrs`` as PyTorch holds them: a tensor (of the group's
        ``initial_lr``'s dtype) where ``initial_lr`` is one, else a float.
        The core's float64 holds every tensor lr's value exactly, and PyTorch's
        rules compute in the tensor's dtype from a tensor base lr (a state
        loaded into PyTorch must keep them tensors)."""
        values: list[Any] = self._core_get("base_lrs")
        if not self._tensor_base_lrs:
            return values
        groups = getattr(getattr(self, "optimizer", None), "param_groups", None) or ()
        for i, group in enumerate(groups[: len(values)]):
            like: Any = group.get("initial_lr") if isinstance(group, dict) else None
            if hasattr(like, "new_tensor"):
                values[i] = like.new_tensor(values[i])
        return values

    # MARK: checkpoints

    def _private_keys(self) -> tuple[str, ...]:
        return ("optimizer",)

    def state_dict(self) -> dict[str, Any]:
        state = {name: self._core_get(name) for name in self._state_fields + self._common_fields}
        state["base_lrs"] = self._base_lrs_as_groups()
        state.update((name, getattr(self, name)) for name in _STEP_MEMBERS)
        state.update((k, v) for k, v in self.__dict__.items() if k not in self._private_keys())
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a state saved by this scheduler or by PyTorch's of the same class.

        All or nothing: a bad value, or an exception from another thread or a
        signal handler at any point, leaves the whole old state or the whole new one.
        """
        self._load_state(state_dict, {}, ())

    def _load_state(self, state_dict: dict[str, Any], attributes: dict[str, Any], updates: tuple[Any, ...]) -> None:
        """``load_state_dict``, with what a subclass loads besides:
        ``attributes`` (set on the instance) and ``updates`` (``(dict,
        values)`` pairs, e.g. a saved callable's ``__dict__``). Everything is
        checked and converted first; one native call (``_core_load``) then
        sets it all, running no Python code."""
        _check_state_dict(state_dict)
        core_names = set(self._state_fields + self._common_fields + self._derived_keys)
        known = set(_STEP_MEMBERS) | set(self.__dict__) | set(attributes) | _TOLERATED_KEYS
        unknown = set(state_dict) - core_names - known
        if unknown:
            raise ValueError(
                f"state_dict has keys {type(self).__name__} does not have: {', '.join(sorted(map(str, unknown)))} "
                "(is it another scheduler's state?)"
            )
        core_state = self._core_state(state_dict)
        members = {k: state_dict[k] for k in _STEP_MEMBERS if k in state_dict}
        if "_step_count" in members:
            members["_step_count"] = _step_count(members["_step_count"])
        for flag in ("_is_initial", "_get_lr_called_within_step"):
            if flag in members:
                members[flag] = bool(members[flag])
        private = self._private_keys()
        rest = {k: v for k, v in state_dict.items() if k not in core_names and k not in members and k not in private}
        drift = _resume_checks.drift(self, state_dict, *self._drift_fields())  # swiftlr's resume checks
        self._core_load(core_state, members, {**rest, **attributes}, updates)
        _resume_checks.warn(drift)

    def _drift_fields(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        """The hyperparameters a load checks, and their values now (``_resume_checks``)."""
        fields = _resume_checks.hyperparameters(self)
        return fields, {name: self._core_get(name) for name in fields}

    def _core_state(self, state_dict: dict[str, Any]) -> dict[str, Any]:
        """The core's fields from a state dict, converted (a subclass adds
        the keys it stores in another form). May raise; changes nothing."""
        names = set(self._state_fields + self._common_fields)
        return {k: _plain(v) for k, v in state_dict.items() if k in names}

    # MARK: copies

    def __deepcopy__(self, memo: dict[int, Any]) -> SwiftScheduler:
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        clone._core_assign(self)
        clone.optimizer = copy.deepcopy(self.optimizer, memo)
        clone._last_lr = copy.deepcopy(self._last_lr, memo)
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone

    def __reduce_ex__(self, protocol: Any) -> Any:
        state = {
            "dict": self.__dict__,
            "optimizer": self.optimizer,
            "config": self._core_config,
            "core": self.state_dict(),
        }
        return (_unpickle_scheduler, (type(self),), state)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state["dict"])
        self.optimizer = state["optimizer"]
        self._build_core(state["config"])
        with _resume_checks.unchecked():
            self.load_state_dict(state["core"])


#: Methods made of several native calls that hold the scheduler's lock
#: throughout (``_exclusive``): atomic against other threads' steps.
_HELD_METHODS = ("state_dict", "load_state_dict")


def _holding_lock(method: Any) -> Any:
    @functools.wraps(method)
    def held(self: SwiftScheduler, *args: Any, **kwargs: Any) -> Any:
        return self._exclusive(method, self, *args, **kwargs)

    held._holds_lock = True  # type: ignore[attr-defined]
    return held


def _unpickle_scheduler(cls: type[SwiftScheduler]) -> SwiftScheduler:
    return cls.__new__(cls)


def _step_count(value: Any) -> int:
    """A loaded ``_step_count``, checked before anything changes."""
    count = int(value)
    if not -(2**63) <= count < 2**63:
        raise OverflowError(f"_step_count must fit in a signed 64-bit integer, got {count}")
    return count


def _plain(value: Any) -> Any:
    """A value as the core takes it: tensors and numpy scalars (as PyTorch
    checkpoints may hold) as Python numbers, any other iterable as a list,
    dicts value by value."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return value


@functools.cache
def _declared_fields(kind: str, held: tuple[str, ...]) -> tuple[str, ...]:
    """The Swift scheduler ``kind``'s fields that are PyTorch's attributes,
    less ``held``; none for a kind the core does not have (an abstract base)."""
    try:
        return tuple(name for name in _swiftlr.scheduler_fields(kind) if name not in held)
    except ValueError:
        return ()


@functools.cache
def _checked_first(kind: str) -> tuple[str, ...]:
    """The arguments of ``kind`` that PyTorch checks before the optimizer."""
    return tuple(name for name, _, _, first in _swiftlr.scheduler_arguments(kind) if first)


#: In ``arguments_of``'s overrides: leave this parameter out.
OMIT: Any = object()


def arguments_of(parameters: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A constructor's parameters as keyword arguments for
    ``SwiftScheduler.__init__``: ``locals()`` taken first thing in
    ``__init__``, without ``self`` (and ``__class__``, which ``super()``
    adds), with ``overrides`` applied (``OMIT`` drops a parameter, such as a
    Python callable the core does not take). So a class names each argument
    once, in its PyTorch signature."""
    arguments = {k: v for k, v in parameters.items() if k not in ("self", "__class__")}
    arguments.update(overrides)
    return {k: v for k, v in arguments.items() if v is not OMIT}


def per_group(optimizer: SupportsParamGroups, value: Any) -> list[Any]:
    """One value per param group, as PyTorch's ``_format_param`` gives them
    (tensors cloned); the core has checked the length of a list."""
    if isinstance(value, (list, tuple)):
        return [v.clone() if hasattr(v, "clone") else v for v in value]
    return [value.clone() if hasattr(value, "clone") else value for _ in optimizer.param_groups]
