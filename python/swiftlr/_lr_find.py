"""``swiftlr.lr_find``: an lr range test for any training loop (swiftlr's own).

It sweeps the lr of every param group (keeping their ratios) while the user's
``train_step()`` trains, smooths the losses, and suggests an lr. It needs only
an object with ``param_groups`` (swiftlr's or torch's optimizers, a shim over
optax state) and a function returning the loss, so numpy, torch and JAX-style
loops all work. Afterwards the param groups are as they were; parameters and
optimizer state too, for the objects passed as ``restore``.

The suggestion (see :func:`suggest`): the lr ten times below the one where the
smoothed loss bottoms out, moved down to the descent when that is steeper than
the bottom. It was chosen on ``benchmarks/lr_find_bench.py`` (five problems:
final loss after a fixed budget, against Lightning's ``Tuner.lr_find`` and a
log-spaced grid; the README has the table).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from swiftlr import _swiftlr

__all__ = ["lr_find", "LRFinderResult"]

_MODES = ("exponential", "linear")


@dataclass(frozen=True)
class LRFinderResult:
    """What :func:`lr_find` found.

    Attributes:
        lrs (list of float): the first group's lr at each step that ran.
        losses (list of float): the smoothed loss after each of those steps.
        raw_losses (list of float): the losses ``train_step`` returned.
        suggestion (float): the suggested lr for the first group (scale the
            others by their ratios), or NaN when the sweep was too short.
    """

    lrs: list[float]
    losses: list[float]
    raw_losses: list[float] = field(repr=False)
    suggestion: float

    def plot(self, ax: Any = None) -> Any:
        """Draws the smoothed loss against the lr (log scale), marking the suggestion.

        Args:
            ax (matplotlib.axes.Axes, optional): where to draw; a new figure's
                axes when None. Default: None.

        Returns:
            matplotlib.axes.Axes: the axes drawn on.
        """
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.figure(figsize=(7, 3.6)).add_subplot()
        ax.plot(self.lrs, self.losses, label="smoothed loss")
        if math.isfinite(self.suggestion):
            ax.axvline(self.suggestion, color="tab:red", linestyle="--", label=f"suggestion {self.suggestion:.3g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.legend()
        return ax


def lr_find(
    optimizer: Any,
    train_step: Callable[[], Any],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exponential",
    smoothing: float = 0.98,
    diverge_factor: float = 4.0,
    restore: Iterable[Any] = (),
) -> LRFinderResult:
    """An lr range test: trains ``num_steps`` steps while the lr grows from
    ``start_lr`` to ``end_lr``, and suggests an lr.

    At step ``k`` every param group's lr is ``lr_k`` times its ratio to the
    first group's lr (so the groups keep their ratios), then ``train_step()``
    runs: the user's forward, backward and ``optimizer.step()``, returning the
    loss (a float, or anything ``float()`` takes). The losses are smoothed by an
    exponential moving average (``smoothing``, bias-corrected); the sweep stops
    early when the smoothed loss passes ``diverge_factor`` times its best, or
    is not finite.

    Afterwards every param group holds what it held before (lrs, momenta, any
    key). The training the sweep did is undone for the objects in ``restore``:
    swiftlr ``Parameter``\\s, numpy arrays and torch tensors get their values
    back, anything with ``state_dict()`` / ``load_state_dict()`` (torch
    modules, torch and swiftlr optimizers) its state. A JAX-style loop keeps
    its own parameters and needs nothing restored.

    Args:
        optimizer (Optimizer): anything with ``param_groups`` (swiftlr's or
            torch's optimizers).
        train_step (callable): one training step; returns the loss.
        start_lr (float): the first lr; positive. Default: 1e-7.
        end_lr (float): the last lr; above ``start_lr``. Default: 10.0.
        num_steps (int): steps of the sweep; at least 2. Default: 100.
        mode (str): ``"exponential"`` (log-spaced lrs) or ``"linear"``.
            Default: ``"exponential"``.
        smoothing (float): the moving average's weight of the past, in
            [0, 1). Default: 0.98.
        diverge_factor (float): stop when the smoothed loss exceeds this
            times its best; ``math.inf`` never stops. Default: 4.0.
        restore (iterable): what to put back afterwards, besides the param
            groups (see above). Default: ().

    Returns:
        LRFinderResult: ``.lrs``, ``.losses``, ``.suggestion``, ``.plot()``.

    Raises:
        ValueError: for arguments out of range (nothing has run then).
        TypeError: for an optimizer without ``param_groups`` or an object in
            ``restore`` that cannot be restored.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(256, 4)); y = x @ np.array([1.0, -2.0, 0.5, 3.0])
        >>> w = Parameter(np.zeros(4))
        >>> optimizer = SGD([w], lr=0.1)
        >>> def train_step():
        ...     error = x @ w.data - y
        ...     w.grad = 2 * x.T @ error / len(y)
        ...     optimizer.step()
        ...     return float(np.mean(error ** 2))
        >>> result = lr_find(optimizer, train_step, start_lr=1e-4, end_lr=10, num_steps=60, restore=[w])
        >>> 0.01 < result.suggestion < 1.0, optimizer.param_groups[0].get("lr"), float(np.abs(w.data).max())
        (True, 0.1, 0.0)
    """
    _check(optimizer, start_lr, end_lr, num_steps, mode, smoothing, diverge_factor)
    groups = optimizer.param_groups
    snapshots = [_snapshot(obj) for obj in restore]
    saved_groups = [{k: copy.deepcopy(v) for k, v in g.items() if k != "params"} for g in groups]
    first = float(groups[0]["lr"])
    ratios = [float(g["lr"]) / first if first != 0 else 1.0 for g in groups]
    lrs: list[float] = []
    raw: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    try:
        for k in range(num_steps):
            lr = _lr_at(k, num_steps, start_lr, end_lr, mode)
            for group, ratio in zip(groups, ratios):
                _swiftlr.write_group(group, "lr", lr * ratio)
            loss = float(train_step())
            average = smoothing * average + (1 - smoothing) * loss
            value = average / (1 - smoothing ** (k + 1))
            lrs.append(lr)
            raw.append(loss)
            smoothed.append(value)
            if not math.isfinite(value) or value > diverge_factor * best:
                break
            best = min(best, value)
    finally:
        for group, saved in zip(groups, saved_groups):
            for key, value in saved.items():
                _swiftlr.write_group(group, key, value)
        for snapshot in snapshots:
            snapshot()
    return LRFinderResult(lrs=lrs, losses=smoothed, raw_losses=raw, suggestion=suggest(lrs, smoothed))


def suggest(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """The suggested lr for a sweep's smoothed ``losses`` at ``lrs``.

    Where the smoothed loss is lowest (``lr_min``) the lr is already at the
    edge of divergence, and the steepest point of the curve is noisy (the
    weakness users report of Lightning's suggestion). So: a tenth of
    ``lr_min``, the classic rule, but never above the middle (in log lr) of
    the descent into the minimum, the stretch where the loss falls from
    near its start to near its minimum. NaN for fewer than 5 points.
    """
    finite = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    if len(finite) < 5:
        return math.nan
    k_min = min(range(len(finite)), key=lambda k: finite[k][1])
    start = finite[0][1]
    bottom = finite[k_min][1]
    drop = start - bottom
    lr_min = finite[k_min][0]
    if drop <= 0:
        return lr_min / 10
    # The descent: from the last point still within 10% of the drop of the
    # start, to the first within 10% of the bottom.
    top = max((k for k in range(k_min + 1) if finite[k][1] >= start - 0.1 * drop), default=0)
    low = min((k for k in range(top, k_min + 1) if finite[k][1] <= bottom + 0.1 * drop), default=k_min)
    middle = math.sqrt(finite[top][0] * finite[low][0])
    return min(lr_min / 10, middle) if middle > 0 else lr_min / 10


def _check(
    optimizer: Any, start_lr: float, end_lr: float, num_steps: int, mode: str, smoothing: float, diverge: float
) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise TypeError(f"{type(optimizer).__name__} is not an optimizer: it needs param_groups with an lr")
    if not (isinstance(start_lr, (int, float)) and 0 < start_lr < math.inf):
        raise ValueError(f"start_lr must be a positive number, got {start_lr!r}")
    if not (isinstance(end_lr, (int, float)) and start_lr < end_lr < math.inf):
        raise ValueError(f"end_lr must be a number above start_lr ({start_lr!r}), got {end_lr!r}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"num_steps must be an integer of at least 2, got {num_steps!r}")
    if mode not in _MODES:
        raise ValueError(f"mode must be 'exponential' or 'linear', got {mode!r}")
    if not (isinstance(smoothing, (int, float)) and 0 <= smoothing < 1):
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    if not (isinstance(diverge, (int, float)) and diverge > 1):
        raise ValueError(f"diverge_factor must be a number above 1, got {diverge!r}")


def _lr_at(k: int, n: int, start: float, end: float, mode: str) -> float:
    t = k / (n - 1)
    return start * (end / start) ** t if mode == "exponential" else start + (end - start) * t


def _snapshot(obj: Any) -> Callable[[], None]:
    """A function that puts ``obj`` back as it is now."""
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
        state = copy.deepcopy(obj.state_dict())
        return lambda: obj.load_state_dict(state)
    if hasattr(obj, "detach") and hasattr(obj, "copy_"):  # a torch tensor
        saved = obj.detach().clone()
        return lambda: obj.data.copy_(saved)
    data = getattr(obj, "data", obj)
    if hasattr(data, "copy") and hasattr(data, "__setitem__") and hasattr(data, "shape"):  # numpy, swiftlr Parameter
        saved = data.copy()

        def put_back() -> None:
            data[...] = saved

        return put_back
    raise TypeError(
        f"cannot restore a {type(obj).__name__}: pass swiftlr Parameters, numpy arrays, torch tensors, "
        "or objects with state_dict() and load_state_dict() (torch modules, optimizers)"
    )
