"""`SGD`: stochastic gradient descent with momentum, ``torch.optim.SGD``'s math in Swift."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from swiftlr import _swiftlr
from swiftlr.optim._capability import FollowsTorchCapability
from swiftlr.optim.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(FollowsTorchCapability, Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum).

    For each parameter with a gradient, in float32 or float64 as the
    parameter is, exactly as ``torch.optim.SGD``:

    .. math::
        g &\leftarrow -\nabla \text{ if maximize else } \nabla \\
        g &\leftarrow g + \lambda \theta \quad (\lambda = \text{weight\_decay}) \\
        b &\leftarrow g \text{ at the first step, else } \mu b + (1 - \tau) g \\
        g &\leftarrow g + \mu b \text{ if nesterov else } b \\
        \theta &\leftarrow \theta - \gamma g

    One call into the Swift core updates every parameter of every group, in
    place, with the GIL released; inputs are checked before any write.

    Bit for bit, it follows ``torch.optim.SGD``'s default CPU path
    (``foreach=False``, one tensor at a time) under the CPU capability torch
    would pick in this process: torch's AVX2 and AVX-512 kernels round each
    ``x + a*y`` above (weight decay, the buffer's update after its ``mul_``,
    Nesterov, the parameter's update) once, as a fused multiply-add; its
    default kernels round the product and the sum. swiftlr finds that
    capability as torch does, without importing it (``ATEN_CPU_CAPABILITY``
    when it is ``default``, ``avx2`` or ``avx512``, else the widest this CPU
    has; :func:`swiftlr._swiftlr.torch_capability` shows it), or takes
    ``torch_capability``. Parameters whose memory overlaps (the same array
    twice, views, a transpose, a gradient that is the data) are updated one
    after another, in order, as PyTorch does.

    Args:
        params (iterable): iterable of :class:`swiftlr.Parameter`, of
            ``(name, parameter)`` pairs, or of dicts defining parameter groups.
        lr (float, optional): learning rate. Default: 1e-3.
        momentum (float, optional): momentum factor. Default: 0.
        dampening (float, optional): dampening for momentum. Default: 0.
        weight_decay (float, optional): weight decay (L2 penalty). Default: 0.
        nesterov (bool, optional): enables Nesterov momentum. Only applicable
            when momentum is non-zero. Default: False.
        maximize (bool, optional): maximize the objective with respect to the
            params, instead of minimizing. Default: False.
        foreach (bool, optional): accepted for PyTorch compatibility and
            ignored: swiftlr has one path, and torch's ``foreach=True``
            gives the same bits as its ``foreach=False``. Default: None.
        differentiable (bool, optional): accepted and ignored (there is no
            autograd). Default: False.
        fused (bool, optional): accepted and ignored: the result is
            ``foreach=False``'s. torch's fused CPU kernel equals it but in
            the last elements of each tensor that do not fill a vector, where
            with momentum it rounds the buffer's update differently (a few
            ulps; see the README). Default: None.
        torch_capability (str, optional): the CPU capability whose arithmetic
            to follow, ``'default'``, ``'avx2'`` or ``'avx512'`` (``None``:
            the one torch would pick here). Not in PyTorch. Default: None.

    Unlike PyTorch, a parameter is a :class:`swiftlr.Parameter` (a numpy
    array, float32 or float64); sparse gradients and complex parameters are
    not supported.

    Example:
        >>> w = Parameter(np.array([1.0, -2.0]))
        >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = 2 * w.data  # the gradient of sum(w ** 2)
        >>> optimizer.step()
        >>> w.data
        array([ 0.8, -1.6])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
        torch_capability: str | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            # Accepted for PyTorch compatibility; swiftlr has one fused path.
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        # PyTorch's checks are the core's (SGDOptions.check), in PyTorch's order and words.
        checked = {name: defaults[name] for name in ("lr", "momentum", "dampening", "weight_decay")}
        _swiftlr.sgd_check({**checked, "nesterov": bool(nesterov)})
        self.torch_capability = torch_capability
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        # Types only: like PyTorch, values are checked once, by the constructor,
        # so a schedule may drive an lr anywhere (even a hair below zero). The
        # conversion is the step's own, so what passes here steps.
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            _swiftlr.sgd_number(group[name], name)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Performs a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = closure() if closure is not None else None
        # One native call reads the groups, converts each hyperparameter once,
        # updates every parameter and records new momentum buffers.
        _swiftlr.sgd_step(self.param_groups, self.state, np.zeros_like, _in_layout_of, self._fma)
        return loss


def _in_layout_of(data: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad`` copied into the memory order of ``data`` (PyTorch accepts a
    gradient in any layout; the kernel walks both arrays in one order).

    A mismatch of dtype is left for the native checks to report, and a
    non-contiguous ``data`` is refused there: it cannot be updated in place.
    """
    if (
        not isinstance(grad, np.ndarray)
        or not isinstance(data, np.ndarray)
        or grad.dtype != data.dtype
        or not (data.flags.c_contiguous or data.flags.f_contiguous)
    ):
        return grad
    out = np.empty_like(data)
    out[...] = grad
    return out
