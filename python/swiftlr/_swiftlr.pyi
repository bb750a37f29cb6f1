"""Type stub of ``swiftlr._swiftlr``, the compiled core (``Sources/_SwiftLRPython``).

Private: the public API is the ``swiftlr`` package. Kept in step with
``module.c`` (the function table), ``scheduler_*.c`` (``NativeScheduler``),
``schedules.c`` and ``sgd.c``.
"""

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any, SupportsFloat, TypeVar

from typing_extensions import disjoint_base

_T = TypeVar("_T")

# Anything with the buffer protocol: numpy arrays, bytearray, memoryview, ...
_Buffer = Any
# A param group: PyTorch's dict with at least "lr" (written in place).
_Group = MutableMapping[str, Any]

# PyTorch's warning texts (the C step warns with them).
EPOCH_DEPRECATION_WARNING: str
STEP_ORDER_WARNING: str
OVERRIDDEN_STEP_WARNING: str

# A C layout: a class cannot derive from it and another such type (PEP 800).
@disjoint_base
class NativeScheduler:
    """A scheduler of the Swift core, and the base class of swiftlr's schedulers.

    Built from a PyTorch class name (``kind``) and a dict of its arguments
    plus ``base_lrs`` and ``last_epoch``, either by ``NativeScheduler(kind,
    config)`` or, in a subclass, by ``NativeScheduler.__init__(self)`` and then
    ``self._init_core(kind, config)``.
    """

    # The PyTorch protocol state the core keeps beside the Swift scheduler.
    optimizer: Any
    _step_count: int
    _is_initial: bool
    _get_lr_called_within_step: bool
    _last_lr: list[Any]

    def __init__(self, kind: str | None = None, config: dict[str, Any] | None = None) -> None: ...
    def _init_core(
        self,
        kind: str,
        config: dict[str, Any],
        *,
        group_inputs: Sequence[str] = (),
        momentum_key: str | None = None,
        step_kind: str = "lr",
        python_inputs: bool = False,
    ) -> None:
        """Builds the Swift scheduler ``kind`` from ``config``; raises ValueError,
        TypeError or OverflowError (PyTorch's wording) for bad arguments.

        ``group_inputs``: keys of each param group read as step inputs at every
        step; ``momentum_key``: where cycled momenta go (``"momentum"`` or
        ``"betas"``); ``step_kind``: ``"lr"`` (PyTorch's ``LRScheduler.step``),
        ``"metric"`` (``step(metrics, epoch=None)``, as ReduceLROnPlateau) or
        ``"plain"`` (no warnings, no ``_step_count``); ``python_inputs``: the
        class computes step inputs in Python (``_step_inputs(epoch)``)."""
    def step(self, epoch: float | None = None) -> None:
        """PyTorch's ``scheduler.step()``; a step that raises changes nothing."""
    def _step_metrics(self, metrics: SupportsFloat, epoch: float | None = None) -> None:
        """The same C step with ReduceLROnPlateau's signature (its ``step``)."""
    def _update_lr(self, epoch: float | None = None) -> None:
        """PyTorch's ``_update_lr``: a step without warnings or ``_step_count``."""
    def _fast_forward(self, steps: int, /) -> None:
        """``steps`` calls of ``step()`` in one native call (no warnings), as one transaction."""
    def _core_step(
        self,
        inputs: Sequence[float] | None = None,
        epoch: float | None = None,
        groups: Sequence[_Group] | None = None,
    ) -> list[Any]:
        """Advances one step (or to ``epoch``), writes each group's new lr
        (``optimizer.param_groups``, or ``groups``) and returns the new
        ``_last_lr`` (floats, or clones of tensor lrs). On error nothing changes."""
    def _core_lrs(self, current: Sequence[float], closed_form: bool = False, /) -> list[float]:
        """``get_lr()`` (or the closed form) at the current ``last_epoch``, from
        the groups' ``current`` lrs, without stepping."""
    def _core_momenta(self) -> list[float] | None:
        """Each group's momentum, for schedulers that cycle it; else None."""
    def _core_get(self, name: str, /) -> Any:
        """A field's value; AttributeError for an unknown name."""
    def _core_update(self, fields: dict[str, Any], /) -> None:
        """Sets all the named fields, or none."""
    def _core_copy(self) -> NativeScheduler:
        """An independent bare ``NativeScheduler`` with the same core state and step bookkeeping."""
    def _core_assign(self, other: NativeScheduler, /) -> None:
        """Takes a copy of ``other``'s core state and step bookkeeping (deepcopy of a scheduler)."""
    def _core_save(self) -> object:
        """A token holding the core's state and step bookkeeping, for ``_core_restore``."""
    def _core_restore(self, token: object, /) -> None:
        """Puts back the state ``_core_save`` saved from this scheduler (a ChainedScheduler's rollback)."""
    def _core_load(
        self,
        fields: dict[str, Any],
        members: dict[str, Any],
        attributes: dict[str, Any],
        updates: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (),
        /,
    ) -> None:
        """``load_state_dict``'s commit, all or nothing: the core's ``fields``, the
        step bookkeeping (``members``), instance ``attributes``, then each
        ``(dict, values)`` of ``updates``; no Python code runs after the fields'
        conversion."""
    def _exclusive(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` holding the scheduler's lock: other threads' calls wait."""
    @property
    def _core_fields(self) -> tuple[str, ...]:
        """Names of the scheduler's fields."""
    @property
    def _core_config(self) -> dict[str, Any] | None:
        """A copy of the arguments the core was built from."""

def sgd_step(
    param_groups: Sequence[Mapping[str, Any]],
    state: MutableMapping[Any, dict[str, Any]],
    zeros_like: Callable[[Any], Any],
    relayout: Callable[[Any, Any], Any],
    fma: bool,
    /,
) -> None:
    """One SGD step of every parameter with a gradient in every group. New
    momentum buffers come from ``zeros_like(data)`` and join ``state`` before
    the update (taken back if that fails); a gradient in another memory order is copied by
    ``relayout(data, grad)``; ``fma`` rounds each ``x + a*y`` once (torch's
    AVX2/AVX-512 kernels) instead of twice (its default kernels). All inputs
    are checked before any write; the update runs without the GIL."""

def torch_capability() -> str:
    """The CPU capability torch would pick in this process: ``'default'``,
    ``'avx2'`` or ``'avx512'`` (``ATEN_CPU_CAPABILITY`` when it names one, else
    the widest this CPU has), read once, without importing torch."""

def adam_step(
    param_groups: Sequence[Mapping[str, Any]],
    state: MutableMapping[Any, dict[str, Any]],
    zeros_like: Callable[[Any], Any],
    relayout: Callable[[Any, Any], Any],
    new_step: Callable[[], Any],
    capability: int,
    /,
) -> None:
    """One Adam step of every parameter with a gradient in every group, bit
    for bit as torch's fused CPU kernel under ``capability`` (0 default, 1
    avx2, 2 avx512). A parameter without state gets ``new_step()`` and
    ``zeros_like(data)`` moments, which join ``state`` after the update. All inputs are checked before any write; the update
    runs without the GIL."""

def clip_grad_norm(
    parameters: Sequence[Any],
    max_norm: float | None,
    norm_type: float,
    error_if_nonfinite: bool,
    as_array: Callable[[Any], Any],
    /,
) -> tuple[float, bool]:
    """torch's total norm of the gradients of ``parameters`` and whether it is
    float64; then, unless ``max_norm`` is None, every gradient scaled by
    torch's clamped coefficient. ``as_array(grad)`` gives an array over a
    gradient without the buffer protocol. Runs without the GIL; a failed call
    changes nothing."""

def clip_grad_value(parameters: Sequence[Any], clip_value: float, as_array: Callable[[Any], Any], /) -> None:
    """Every gradient of ``parameters`` clamped into ``[-clip_value, clip_value]``."""

def sgd_number(value: Any, name: str, /) -> float:
    """An SGD or Adam hyperparameter as the step reads it (a number, numpy scalar, or
    0-d array or tensor), as a float."""

def sgd_check(values: dict[str, Any], /) -> None:
    """``torch.optim.SGD``'s constructor checks of ``values`` (``lr``,
    ``momentum``, ``dampening``, ``weight_decay``, ``nesterov``): the core's,
    raising PyTorch's ValueError in its words."""

def sgd_kernels() -> str:
    """The instruction set the SGD kernels run with here: ``'portable'``,
    ``'avx2'`` or ``'avx512'``."""

def axpy(a: _Buffer, b: _Buffer, scale: float, /) -> None:
    """``a += scale * b`` in place (float32 or float64 arrays alike), without the GIL."""

def schedule_values(
    kind: str,
    config: dict[str, Any],
    steps: _Buffer,
    inputs: Sequence[float] | None = None,
    closed_form: bool = False,
    out: _Buffer | None = None,
    /,
) -> Any:
    """The lr of group 0 of the scheduler ``kind`` after ``k`` calls of
    ``step()`` (with ``closed_form``, after ``step(k)``) for each ``k`` of
    ``steps`` (a contiguous int64 buffer): written into ``out`` (a float64
    buffer of the same length) and returned, or as native float64 bytes."""

REQUIRED: object
"""The default ``scheduler_arguments`` gives a required argument."""

def scheduler_arguments(kind: str, /) -> tuple[tuple[str, str, Any, bool], ...]:
    """The constructor arguments the Swift scheduler ``kind`` declares, in
    PyTorch's order: ``(name, conversion, default, checked_first)`` each, where
    ``conversion`` is ``'int'``, ``'float'``, ``'int_or_float'``, ``'bool'``, ``'str'``, ``'ints'``,
    ``'floats'`` or ``'per_group'`` and ``default`` is :data:`REQUIRED` for a
    required argument."""

def scheduler_fields(kind: str, /) -> tuple[str, ...]:
    """The state fields the Swift scheduler ``kind`` declares that are
    PyTorch's attributes, in declaration order: the Python class's state
    attributes (``_state_fields``) and the properties they back."""

def scheduler_group_inputs(kind: str, cycle_momentum: bool, /) -> tuple[str, ...]:
    """The param-group keys whose values a step of the Swift scheduler ``kind``
    takes as its inputs, one run per group in this order (``LRScheduler.groupInputKeys``:
    OneCycleLR's bounds, the momenta's only when ``cycle_momentum``; SWALR's ``swa_lr``)."""

def check_arguments(kind: str, values: dict[str, Any], /) -> None:
    """Runs the declared checks of the arguments in ``values`` (and no others),
    raising PyTorch's exception for the first bad one."""

def anneal_weight(strategy: str, t: float, /) -> float:
    """SWALR's annealing weight at ``t`` for ``'cos'`` or ``'linear'`` (NaN for another)."""

def cyclic_cycle(total_size: float, step: float, /) -> int:
    """CyclicLR's cycle number at ``step``, ``floor(1 + step / total_size)``: what a ``scale_fn`` gets."""

def cyclic_scale(mode: str, gamma: float, x: float, /) -> float:
    """A CyclicLR policy's scale at ``x``: ``'triangular'``, ``'triangular2'`` or ``'exp_range'``."""

def write_group(group: MutableMapping[str, Any], key: str, value: Any, /) -> None:
    """PyTorch's write of a param-group value, the one the C step makes: a tensor
    lr is filled in place with ``float(value)``, ``'beta1'`` replaces ``betas[0]``,
    anything else is assigned."""

def warn_step(optimizer: Any, step_count: int, epoch: Any, /) -> None:
    """PyTorch's warnings before a step (the call order at ``step_count`` 1, a
    deprecated ``epoch`` not None), the C step's own, for a user subclass's step."""
