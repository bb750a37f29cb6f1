"""Types shared by the public signatures: what a scheduler accepts as its
optimizer, and the exact strings each mode argument takes.

The ``Literal`` aliases list the values the constructors accept at run time, so
mypy refuses ``anneal_strategy="cosine"`` before the ``ValueError`` would.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = [
    "SupportsParamGroups",
    "CyclicMode",
    "CyclicScaleMode",
    "OneCycleAnnealStrategy",
    "PlateauMode",
    "PlateauThresholdMode",
    "SWAAnnealStrategy",
    "WSDDecayType",
    "FloatArray",
]


@runtime_checkable
class SupportsParamGroups(Protocol):
    """Anything a scheduler can drive: an object with PyTorch-style ``param_groups``.

    ``swiftlr.optim.SGD``, every ``torch.optim`` optimizer and a hand-written
    class with a ``param_groups`` list of dicts all match. A read-only property
    so that classes exposing ``param_groups`` as a property match too.
    """

    @property
    def param_groups(self) -> list[dict[str, Any]]: ...


CyclicMode = Literal["triangular", "triangular2", "exp_range"]
"""``CyclicLR(mode=...)``: the built-in amplitude scaling policies."""
CyclicScaleMode = Literal["cycle", "iterations"]
"""``CyclicLR(scale_mode=...)``: whether ``scale_fn`` sees the cycle number or the iteration."""
OneCycleAnnealStrategy = Literal["cos", "linear"]
"""``OneCycleLR(anneal_strategy=...)``."""
PlateauMode = Literal["min", "max"]
"""``ReduceLROnPlateau(mode=...)``: whether the metric should fall or rise."""
PlateauThresholdMode = Literal["rel", "abs"]
"""``ReduceLROnPlateau(threshold_mode=...)``: relative or absolute improvement."""
SWAAnnealStrategy = Literal["cos", "linear"]
"""``SWALR(anneal_strategy=...)``."""
WSDDecayType = Literal["linear", "cosine", "1-sqrt"]
"""``WarmupStableDecayLR(decay_type=...)``: the shape of the final decay."""

FloatArray = npt.NDArray[np.float64]
"""What ``preview()`` and the pure schedules return: float64 learning rates."""
