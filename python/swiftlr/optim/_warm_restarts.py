"""``CosineAnnealingWarmRestarts`` (SGDR): cosine annealing, restarted every ``T_i`` epochs."""

from __future__ import annotations

from swiftlr._typing import SupportsParamGroups
from swiftlr.optim._checkpoint_compat import WarmRestartsCompat
from swiftlr.optim._swift_scheduler import SwiftScheduler, arguments_of

__all__ = ["CosineAnnealingWarmRestarts"]


class CosineAnnealingWarmRestarts(WarmRestartsCompat, SwiftScheduler):
    r"""Sets the learning rate of each parameter group using a cosine annealing
    schedule with warm restarts (SGDR):

    .. math::
        \eta_t = \eta_{min} + \frac{1}{2}(\eta_{max} - \eta_{min})\left(1 +
        \cos\left(\frac{T_{cur}}{T_{i}}\pi\right)\right)

    where :math:`\eta_{max}` is the initial lr, :math:`T_{cur}` the epochs
    since the last restart and :math:`T_i` the epochs between two restarts.

    Args:
        optimizer (Optimizer): Wrapped optimizer.
        T_0 (int): Number of iterations until the first restart.
        T_mult (int, optional): A factor by which T_i increases after a
            restart. Default: 1.
        eta_min (float, optional): Minimum learning rate. Default: 0.
        last_epoch (int, optional): The index of the last epoch. Default: -1.

    ``step(epoch)`` takes fractional epochs (``epoch + i / iters``) and, as in
    PyTorch, gives no deprecation warning. ``T_cur`` has PyTorch's type (int or float).

    Example:
        >>> optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
        >>> # T_0=2: lr 0.1, 0.05, 0.1, 0.05, ... (eta_min=0)
        >>> scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=2)
        >>> scheduler.preview(4)[:, 0]  # by epoch; step(epoch + i / iters) goes by fractions of one
        array([0.05, 0.1 , 0.05, 0.1 ])
    """

    T_0: int
    T_i: int
    T_mult: int
    eta_min: float
    T_cur: float

    def __init__(
        self, optimizer: SupportsParamGroups, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        super().__init__(**arguments_of(locals()))

    #: PyTorch's own step: no warnings, no ``_step_count``, epochs may be fractional.
    _step_kind = "plain"

    def step(self, epoch: float | None = None) -> None:
        """Steps by one, or to ``epoch`` (which may be fractional); callable after every batch.

        Args:
            epoch (float, optional): the epoch to go to, >= 0.
        """
        super().step(epoch)
