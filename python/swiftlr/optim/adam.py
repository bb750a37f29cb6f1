"""`Adam` and `AdamW`: ``torch.optim.Adam``/``AdamW``'s math in Swift, bit for
bit as torch's fused CPU kernel (``fused=True``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from swiftlr import _swiftlr
from swiftlr.optim._capability import FollowsTorchCapability
from swiftlr.optim.optimizer import Optimizer
from swiftlr.optim.sgd import _in_layout_of

__all__ = ["Adam", "AdamW"]


def _new_step() -> np.ndarray:
    """A parameter's step count: a float32 0-d array, as torch's step tensor."""
    return np.zeros((), dtype=np.float32)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "numel")


class Adam(FollowsTorchCapability, Optimizer):
    r"""Implements Adam (and, with ``decoupled_weight_decay``, AdamW).

    For each parameter with a gradient, in float32 or float64 as the
    parameter is, with :math:`t` its step count:

    .. math::
        g &\leftarrow -\nabla \text{ if maximize else } \nabla \\
        g &\leftarrow g + \lambda \theta \quad \text{(Adam, } \lambda \neq 0) \\
        \theta &\leftarrow \theta (1 - \gamma \lambda) \quad \text{(AdamW)} \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \hat v &\leftarrow \max(\hat v, v) \text{ if amsgrad else } v \\
        \theta &\leftarrow \theta - \frac{\gamma}{1 - \beta_1^t} \,
            \frac{m}{\sqrt{\hat v} / \sqrt{1 - \beta_2^t} + \epsilon}

    The result is bit for bit torch's fused CPU kernel (``fused=True``) on
    the same machine, whatever ``foreach`` and ``fused`` say here: torch's
    kernel rounds differently under each CPU capability (AVX-512, AVX2,
    default; ``ATEN_CPU_CAPABILITY``), and swiftlr follows torch's choice,
    or ``torch_capability``. One call into the Swift core updates every
    parameter of every group, in place, with the GIL released; inputs are
    checked before any write. Parameters whose memory overlaps (the same
    array twice, views, a transpose, a gradient that is the data) are
    updated one after another, in order, as PyTorch does.

    Args:
        params (iterable): iterable of :class:`swiftlr.Parameter` or of dicts
            defining parameter groups.
        lr (float, Tensor, optional): learning rate. Default: 1e-3.
        betas (tuple[float, float], optional): coefficients of the running
            averages of the gradient and its square. Default: (0.9, 0.999).
        eps (float, optional): term added to the denominator. Default: 1e-8.
        weight_decay (float, optional): weight decay (L2 penalty). Default: 0.
        amsgrad (bool, optional): use the AMSGrad variant. Default: False.
        foreach (bool, optional): accepted for PyTorch compatibility; swiftlr
            has one fused path. Default: None.
        maximize (bool, optional): maximize the objective with respect to the
            params, instead of minimizing. Default: False.
        capturable (bool, optional): accepted and ignored (no CUDA graphs).
            Default: False.
        differentiable (bool, optional): accepted (no autograd). Default: False.
        fused (bool, optional): accepted; swiftlr always runs torch's fused
            kernel's math. Default: None.
        decoupled_weight_decay (bool, optional): AdamW's weight decay, which
            does not enter the moments. Default: False.
        torch_capability (str, optional): the CPU capability whose fused
            kernel to follow, ``'default'``, ``'avx2'`` or ``'avx512'``
            (``None``: the one torch would pick here). Not in PyTorch.
            Default: None.

    State per parameter (as torch's): ``step`` (a float32 0-d array: it stops
    counting at 2**24, as torch's float32 tensor), ``exp_avg``,
    ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.

    Example:
        >>> w = Parameter(np.array([1.0, -2.0]))
        >>> optimizer = Adam([w], lr=0.1)
        >>> w.grad = 2 * w.data  # the gradient of sum(w ** 2)
        >>> optimizer.step()
        >>> w.data
        array([ 0.9, -1.9])
    """

    _scalar_state = {"step": np.float32}

    def __init__(
        self,
        params: Iterable[Any],
        lr: Any = 1e-3,
        betas: tuple[Any, Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
        torch_capability: str | None = None,
    ) -> None:
        if _is_tensor(lr):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (
            (isinstance(betas[0], float) and isinstance(betas[1], float))
            or (_is_tensor(betas[0]) and _is_tensor(betas[1]))
        ):
            raise ValueError("betas must be either both floats or both Tensors")
        for k in (0, 1):
            if _is_tensor(betas[k]):
                if not capturable and foreach:
                    raise ValueError(f"betas[{k}] as a Tensor is not supported for capturable=False and foreach=True")
                if betas[k].numel() != 1:
                    raise ValueError(f"Tensor betas[{k}] must be 1-element")
        betas = (float(betas[0]), float(betas[1]))
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            # Accepted for PyTorch compatibility; swiftlr has one fused path.
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        self.torch_capability = torch_capability
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _check_group(self, group: dict[str, Any]) -> None:
        # Types only: like PyTorch, values are checked once, by the constructor,
        # so a schedule may drive an lr (or betas[0]) anywhere. The conversion
        # is the step's own, so what passes here steps.
        for name in ("lr", "eps", "weight_decay"):
            _swiftlr.sgd_number(group[name], name)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}")
        _swiftlr.sgd_number(betas[0], "betas[0]")
        _swiftlr.sgd_number(betas[1], "betas[1]")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Performs a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = closure() if closure is not None else None
        # One native call reads the groups, converts each hyperparameter once,
        # updates every parameter and records new state.
        _swiftlr.adam_step(
            self.param_groups, self.state, np.zeros_like, _in_layout_of, _new_step, self._capability_code
        )
        return loss


class AdamW(Adam):
    """Implements AdamW: Adam whose weight decay does not enter the moments
    (``Adam(..., decoupled_weight_decay=True)``, as in torch 2.15).

    Args:
        params (iterable): as :class:`Adam`'s.
        lr (float, Tensor, optional): as Adam's. Default: 1e-3.
        betas (tuple[float, float], optional): as Adam's. Default: (0.9, 0.999).
        eps (float, optional): as Adam's. Default: 1e-8.
        weight_decay (float, optional): decoupled weight decay: each step
            first multiplies the parameter by ``1 - lr * weight_decay``.
            Default: 1e-2.
        amsgrad (bool, optional): as Adam's. Default: False.
        maximize (bool, optional): as Adam's. Default: False.
        foreach (bool, optional): accepted and ignored. Default: None.
        capturable (bool, optional): accepted and ignored. Default: False.
        differentiable (bool, optional): accepted and ignored. Default: False.
        fused (bool, optional): accepted and ignored. Default: None.
        torch_capability (str, optional): as Adam's. Not in PyTorch.
            Default: None.

    Example:
        >>> w = Parameter(np.array([1.0, -2.0]))
        >>> w.grad = 2 * w.data
        >>> AdamW([w], lr=0.1, weight_decay=0.5).step()  # w * (1 - 0.1 * 0.5), then Adam's step of 0.1
        >>> w.data
        array([ 0.85, -1.8 ])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: Any = 1e-3,
        betas: tuple[Any, Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        torch_capability: str | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
            torch_capability=torch_capability,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a state (of swiftlr or PyTorch); AdamW's groups stay decoupled."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
