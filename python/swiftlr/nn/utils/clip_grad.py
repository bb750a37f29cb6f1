"""`clip_grad_norm_` and `clip_grad_value_`: ``torch.nn.utils``'s gradient
clipping, computed in Swift in one call, rounded as torch's default CPU path."""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from swiftlr import _swiftlr
from swiftlr._parameter import Parameter

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "numel")


def _as_array(grad: Any) -> Any:
    """An array over a gradient's memory when it has no buffer protocol (a CPU
    torch tensor); anything else is returned for the buffer check to refuse."""
    if _is_tensor(grad):
        return grad.detach().numpy()
    return grad


def _parameter_list(parameters: Any) -> list[Any]:
    """The parameters as a list: one parameter (or tensor) alone is a list of one."""
    if isinstance(parameters, Parameter) or _is_tensor(parameters):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(
    parameters: Parameter | Iterable[Any],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Any:
    r"""Clip the gradient norm of an iterable of parameters.

    The norm is computed over the norms of the individual gradients of all
    parameters, as if the norms of the individual gradients were concatenated
    into a single vector. Gradients are modified in-place: each is multiplied
    by :math:`\min(\frac{max\_norm}{total\_norm + 10^{-6}}, 1)`.

    The total norm and every gradient are bit for bit torch's CPU result
    (``torch.nn.utils.clip_grad_norm_``) for the 2-norm and the inf norms at
    any size, and for other orders while each gradient has fewer than 32,768
    elements (above that torch's own result depends on its thread count).
    One call into the Swift core computes and clips every gradient, with the
    GIL released; it checks every gradient before it writes any.

    Args:
        parameters (Iterable[Parameter] or Parameter): the parameters whose
            ``.grad`` arrays (float32 or float64, C- or Fortran-contiguous) are
            clipped; CPU torch tensors are accepted too. Parameters whose grad
            is ``None`` are skipped.
        max_norm (float): max norm of the gradients.
        norm_type (float, optional): type of the used p-norm. Can be
            ``'inf'`` for infinity norm. Default: 2.0
        error_if_nonfinite (bool, optional): if True, a RuntimeError is raised
            if the total norm is ``nan``, ``inf``, or ``-inf`` (and no gradient
            changes). Default: False
        foreach (bool, optional): accepted for PyTorch compatibility; every
            path of torch's gives the same result on CPU. Default: None

    Returns:
        Total norm of the gradients (viewed as a single vector): a 0-d numpy
        array, float64 if any gradient is float64, else float32 (a torch
        tensor when the gradients are torch tensors). Without gradients, 0.

    Example:
        >>> w = Parameter(np.array([1.0, 2.0], dtype=np.float32))
        >>> w.grad = np.array([3.0, 4.0], dtype=np.float32)
        >>> clip_grad_norm_([w], max_norm=1.0)
        array(5., dtype=float32)
        >>> w.grad.round(6)  # scaled by 1 / (5 + 1e-6)
        array([0.6, 0.8], dtype=float32)
    """
    del foreach  # torch's foreach and per-tensor paths round alike on CPU
    if isinstance(parameters, types.GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    else:
        parameters = _parameter_list(parameters)
    norm_type = float(norm_type)
    # torch converts max_norm only once the norm is computed (and checked):
    # a bad max_norm raises after any non-finite error, and clips nothing.
    try:
        max_norm_value: float | None = float(max_norm)
        bad_max_norm: Exception | None = None
    except (TypeError, ValueError) as error:
        max_norm_value, bad_max_norm = None, error
    total, is_double = _swiftlr.clip_grad_norm(
        parameters, max_norm_value, norm_type, bool(error_if_nonfinite), _as_array
    )
    if bad_max_norm is not None:
        raise bad_max_norm
    result = np.array(total, dtype=np.float64 if is_double else np.float32)
    if any(_is_tensor(p) for p in parameters):
        import torch

        return torch.from_numpy(result)
    return result


def clip_grad_value_(
    parameters: Parameter | Iterable[Any],
    clip_value: float,
    foreach: bool | None = None,
) -> None:
    r"""Clip the gradients of an iterable of parameters at specified value.

    Gradients are modified in-place, bit for bit as torch's
    ``clip_grad_value_`` (NaN stays NaN; a negative ``clip_value`` sets every
    element to ``clip_value``). One call into the Swift core, GIL released.

    Args:
        parameters (Iterable[Parameter] or Parameter): the parameters whose
            ``.grad`` arrays are clipped (``None`` grads are skipped).
        clip_value (float): maximum allowed value of the gradients.
            The gradients are clipped in the range
            :math:`\left[\text{-clip\_value}, \text{clip\_value}\right]`
        foreach (bool, optional): accepted for PyTorch compatibility.
            Default: None

    Example:
        >>> w = Parameter(np.zeros(3))
        >>> w.grad = np.array([-2.0, 0.5, 3.0])
        >>> clip_grad_value_([w], clip_value=1.0)
        >>> w.grad
        array([-1. ,  0.5,  1. ])
    """
    del foreach
    parameters = _parameter_list(parameters)
    _swiftlr.clip_grad_value(parameters, float(clip_value), _as_array)
