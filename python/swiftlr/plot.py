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


def with_initial(scheduler: Any, lrs: np.ndarray, momenta: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """A preview with a first row for step 0: the lrs (and momenta) the groups
    hold now, after the constructor: the ones the first optimizer step uses."""
    groups = scheduler.optimizer.param_groups
    lrs = np.vstack([[float(g["lr"]) for g in groups], lrs])
    if momenta is not None:
        momenta = np.vstack([[float(g.get("momentum", np.nan)) for g in groups], momenta])
    return lrs, momenta


def drawstyle(values: np.ndarray) -> str:
    """``"steps-post"`` for a piecewise-constant curve (its value changes at
    no more than half the steps: StepLR, MultiStepLR, ReduceLROnPlateau), so
    that each value is drawn flat until the step that changes it; else a line."""
    changes = np.count_nonzero(np.diff(values))
    return "steps-post" if changes <= (len(values) - 1) / 2 else "default"


def plot(
    scheduler: Any,
    steps: int,
    ax: Any = None,
    *,
    metrics: Sequence[float] | None = None,
    log_scale: bool = False,
    include_initial: bool = False,
) -> Any:
    """Draws the lrs the next ``steps`` calls of ``scheduler.step()`` would set.

    Nothing changes: the curve comes from ``scheduler.preview``. One line per
    param group, drawn as steps where the schedule is piecewise constant;
    where the scheduler cycles momentum (CyclicLR, OneCycleLR), the momentum
    is drawn too, on a second y axis. The legend sits below the axes, clear
    of the curves.

    Args:
        scheduler: any swiftlr scheduler.
        steps (int): how many steps to draw.
        ax (matplotlib.axes.Axes, optional): where to draw; a new figure if None.
        metrics (sequence of float, optional): the metric of each step, for
            ReduceLROnPlateau and for a SequentialLR or ChainedScheduler with
            a ReduceLROnPlateau stage.
        log_scale (bool): a logarithmic lr axis. Default: False.
        include_initial (bool): start at step 0, the lrs the groups hold now
            (after the constructor: the ones the first optimizer step uses).
            Default: False.

    Returns:
        matplotlib.axes.Axes: the axes drawn on.
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    kwargs = {"metrics": metrics} if metrics is not None else {}
    lrs, momenta = scheduler.preview(steps, with_momentum=True, **kwargs)
    epochs = np.arange(1, steps + 1)
    if include_initial:
        lrs, momenta = with_initial(scheduler, lrs, momenta)
        epochs = np.arange(0, steps + 1)
    lines = []
    for g in range(lrs.shape[1]):
        label = f"lr, group {g}" if lrs.shape[1] > 1 else "lr"
        lines += ax.plot(epochs, lrs[:, g], label=label, drawstyle=drawstyle(lrs[:, g]))
    ax.set_xlabel("epoch (scheduler steps)")
    ax.set_ylabel("learning rate")
    ax.set_title(type(scheduler).__name__)
    if log_scale:
        ax.set_yscale("log")
    if momenta is not None:
        twin = ax.twinx()
        for g in range(momenta.shape[1]):
            label = f"momentum, group {g}" if momenta.shape[1] > 1 else "momentum"
            lines += twin.plot(
                epochs, momenta[:, g], linestyle="--", color="tab:gray", label=label, drawstyle=drawstyle(momenta[:, g])
            )
        twin.set_ylabel("momentum", color="tab:gray")
    ax.grid(True, alpha=0.3)
    if len(lines) > 1:
        # Below the axes (under the x label), never over a curve.
        ax.legend(
            handles=lines,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18),
            ncol=min(len(lines), 4),
            frameon=False,
        )
    return ax
