"""`swiftlr.plot`: draw a scheduler's preview with matplotlib (an optional extra)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "swiftlr.plot needs matplotlib: pip install 'swiftlr[plot]' (or pip install matplotlib)"
        ) from error
    # Without a display (a server, CI), draw off-screen unless the user chose already.
    if "matplotlib.pyplot" not in sys.modules and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(scheduler: Any, steps: int, ax: Any = None, *, metrics: Sequence[float] | None = None) -> Any:
    """Draws the lrs the next ``steps`` calls of ``scheduler.step()`` would set.

    Nothing changes: the curve comes from ``scheduler.preview``. One line per
    param group; where the scheduler cycles momentum (CyclicLR, OneCycleLR),
    the momentum is drawn too, on a second y axis.

    Args:
        scheduler: any swiftlr scheduler.
        steps (int): how many steps to draw.
        ax (matplotlib.axes.Axes, optional): where to draw; a new figure if None.
        metrics (sequence of float, optional): for ReduceLROnPlateau, the
            metric of each step.

    Returns:
        matplotlib.axes.Axes: the axes drawn on.
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    kwargs = {"metrics": metrics} if metrics is not None else {}
    lrs, momenta = scheduler.preview(steps, with_momentum=True, **kwargs)
    epochs = np.arange(1, steps + 1)
    for g in range(lrs.shape[1]):
        ax.plot(epochs, lrs[:, g], label=f"lr, group {g}" if lrs.shape[1] > 1 else "lr")
    ax.set_xlabel("epoch (scheduler steps)")
    ax.set_ylabel("learning rate")
    ax.set_title(type(scheduler).__name__)
    if momenta is not None:
        twin = ax.twinx()
        for g in range(momenta.shape[1]):
            twin.plot(epochs, momenta[:, g], linestyle="--", color="tab:gray", label="momentum")
        twin.set_ylabel("momentum", color="tab:gray")
    ax.grid(True, alpha=0.3)
    if lrs.shape[1] > 1:
        ax.legend()
    return ax
