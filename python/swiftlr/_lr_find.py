"""``swiftlr.lr_find``: an lr range test for any training loop (swiftlr's own).

It sweeps the lr of every param group (keeping their ratios) while the user's
``train_step()`` trains, smooths the losses, and suggests an lr. It needs only
an object with ``param_groups`` (swiftlr's or torch's optimizers, a shim over
optax state) and a function returning the loss, so numpy, torch and JAX-style
loops all work. Afterwards the param groups are as they were; parameters and
optimizer state too, for the objects passed as ``restore``.

The suggestion comes in two stages when the start can be restored: the sweep
locates the bottom of the loss curve, then a short constant-lr trial of each lr
on a half-decade ladder below it, from the restored start, picks the one whose
loss falls furthest, refined by a parabolic step (:func:`refine_candidates`). A sweep's loss at an lr is the
result of training at every smaller lr first (a warmup), so where it bottoms
out says how far the edge of stability is, not which constant lr trains best:
on ``benchmarks/lr_find_bench.py`` the best constant lr lies 3x to 30x below
the bottom depending on the problem, which no fixed rule over the curve fits.
Without ``restore`` only the sweep's rule (:func:`suggest`) can run.
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
_LADDER = 5  # second-stage trials: the sweep's bottom and four half-decades below it


@dataclass(frozen=True)
class LRFinderResult:
    """What :func:`lr_find` found.

    Attributes:
        lrs (list of float): the first group's lr at each step that ran.
        losses (list of float): the smoothed loss after each of those steps.
        raw_losses (list of float): the losses ``train_step`` returned.
        suggestion (float): the suggested lr for the first group (scale the
            others by their ratios), or NaN when the sweep was too short.
        candidates (list of (float, float)): the second stage's ``(lr, score)``
            pairs (mean loss of the trial's second half; inf when it diverged),
            empty when that stage did not run.
    """

    lrs: list[float]
    losses: list[float]
    raw_losses: list[float] = field(repr=False)
    suggestion: float
    candidates: list[tuple[float, float]] = field(default_factory=list)

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
    refine_steps: int | None = None,
) -> LRFinderResult:
    """An lr range test: trains ``num_steps`` steps while the lr grows from
    ``start_lr`` to ``end_lr``, and suggests an lr.

    At step ``k`` every param group's lr is ``lr_k`` times its ratio to the
    first group's lr (so the groups keep their ratios), then ``train_step()``
    runs: the user's forward, backward and ``optimizer.step()``, returning the
    loss (a float, or anything ``float()`` takes). The losses are smoothed by an
    exponential moving average (``smoothing``, bias-corrected); the sweep stops
    early when the smoothed loss passes ``diverge_factor`` times its best
    (after the sweep's first tenth, whose average has seen too few losses), or
    is not finite.

    When ``restore`` is given, a second stage picks the suggestion: from the
    restored start, each lr of a half-decade ladder from the sweep's bottom
    (the lr where the smoothed loss is lowest, after the sweep's first tenth)
    down to a hundredth of it trains
    ``refine_steps`` steps at that constant lr; the lr whose mean loss over
    the second half of its steps is lowest wins (an lr whose loss passes
    ``diverge_factor`` times its first loss is dropped), moved to the vertex of
    the parabola through its and its neighbours' scores (:func:`refine_candidates`). This costs up
    to ``5 * refine_steps`` more calls of ``train_step``. Without ``restore``,
    the sweep's curve alone gives the suggestion (:func:`suggest`).

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
        refine_steps (int, optional): steps of each second-stage trial; 0
            skips the second stage; it needs ``restore``. Default: None
            (``num_steps // 2`` when ``restore`` is given, else 0).

    Returns:
        LRFinderResult: ``.lrs``, ``.losses``, ``.suggestion``, ``.candidates``,
        ``.plot()``.

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
        >>> 0.01 < result.suggestion < 1.0, len(result.candidates)
        (True, 5)
        >>> optimizer.param_groups[0].get("lr"), float(np.abs(w.data).max())
        (0.1, 0.0)
    """
    _check(optimizer, start_lr, end_lr, num_steps, mode, smoothing, diverge_factor)
    restore = list(restore)
    trial_steps = _trial_steps(refine_steps, num_steps, restore)
    groups = optimizer.param_groups
    snapshots = [_snapshot(obj) for obj in restore]
    saved_groups = [{k: copy.deepcopy(v) for k, v in g.items() if k != "params"} for g in groups]
    first = float(groups[0]["lr"])
    ratios = [float(g["lr"]) / first if first != 0 else 1.0 for g in groups]
    lrs: list[float] = []
    raw: list[float] = []
    smoothed: list[float] = []
    candidates: list[tuple[float, float]] = []
    average, best = 0.0, math.inf
    try:
        for k in range(num_steps):
            lr = _lr_at(k, num_steps, start_lr, end_lr, mode)
            _set_lrs(optimizer, ratios, lr)
            loss = float(train_step())
            average = smoothing * average + (1 - smoothing) * loss
            value = average / (1 - smoothing ** (k + 1))
            lrs.append(lr)
            raw.append(loss)
            smoothed.append(value)
            if not math.isfinite(value) or value > diverge_factor * best:
                break
            if k >= num_steps // 10:  # the average of the first tenth has seen too few losses to be a best
                best = min(best, value)
        suggestion = suggest(lrs, smoothed)
        # The bottom, past the sweep's first tenth: there the average has seen
        # too few losses, and one lucky batch can be its lowest point.
        settled = [(v, lr) for lr, v in zip(lrs[num_steps // 10 :], smoothed[num_steps // 10 :]) if math.isfinite(v)]
        if trial_steps and math.isfinite(suggestion) and settled:
            bottom = min(settled)[1]
            for j in range(_LADDER):
                lr = bottom * 10 ** (-j / 2)
                for snapshot in snapshots:
                    snapshot()
                candidates.append((lr, _trial(optimizer, train_step, ratios, lr, trial_steps, diverge_factor)))
            suggestion = refine_candidates(candidates, fallback=suggestion)
    finally:
        for snapshot in snapshots:
            snapshot()
        # Re-read the groups: loading a torch optimizer's state replaces its group dicts.
        for group, saved in zip(optimizer.param_groups, saved_groups):
            for key, value in saved.items():
                _swiftlr.write_group(group, key, value)
    return LRFinderResult(lrs=lrs, losses=smoothed, raw_losses=raw, suggestion=suggestion, candidates=candidates)


def refine_candidates(candidates: Sequence[tuple[float, float]], fallback: float) -> float:
    """The second stage's choice among ``(lr, score)`` pairs (lower scores are
    better), or ``fallback`` when every trial diverged.

    The lr of the lowest finite score (the largest lr on a tie), moved to the
    vertex of the parabola through its score and its two neighbours' (in
    log lr) when both are finite: a step of successive parabolic
    interpolation, as a line search takes, which stays within half a ladder
    step of the winner. The ladder is coarse (half a decade), and the winner
    of a short trial tends to be the ladder's largest lr that is still
    stable; the vertex leans away from whichever neighbour did worse.

    Each score is the mean training loss over the second half of a trial at a
    constant lr from the restored start: what the user's run will do, measured
    directly, where the sweep could only bound it.
    """
    ladder = sorted(candidates)
    finite = [(score, -k) for k, (_, score) in enumerate(ladder) if math.isfinite(score)]
    if not finite:
        return fallback
    k = -min(finite)[1]
    lr = ladder[k][0]
    if not 0 < k < len(ladder) - 1 or not (math.isfinite(ladder[k - 1][1]) and math.isfinite(ladder[k + 1][1])):
        return lr
    (x0, y0), (x1, y1), (x2, y2) = ((math.log(a), b) for a, b in ladder[k - 1 : k + 2])
    denominator = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    if not denominator < 0:  # three points on a line (or not a valley): no vertex to move to
        return lr
    vertex = x1 - 0.5 * ((x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)) / denominator
    return math.exp(min(max(vertex, (x0 + x1) / 2), (x1 + x2) / 2))


def _trial(
    optimizer: Any, train_step: Callable[[], Any], ratios: list[float], lr: float, steps: int, diverge: float
) -> float:
    """Trains ``steps`` steps at ``lr``; the mean loss of the second half, or inf once it diverges."""
    _set_lrs(optimizer, ratios, lr)
    losses: list[float] = []
    for _ in range(steps):
        loss = float(train_step())
        if not math.isfinite(loss) or (losses and loss > diverge * losses[0]):
            return math.inf
        losses.append(loss)
    tail = losses[steps // 2 :]
    return math.fsum(tail) / len(tail)


def suggest(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """The suggested lr for a sweep's smoothed ``losses`` at ``lrs``, from the
    curve alone (what :func:`lr_find` suggests when it cannot restore the start).

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


def _set_lrs(optimizer: Any, ratios: list[float], lr: float) -> None:
    for group, ratio in zip(optimizer.param_groups, ratios):
        _swiftlr.write_group(group, "lr", lr * ratio)


def _trial_steps(refine_steps: int | None, num_steps: int, restore: list[Any]) -> int:
    if refine_steps is None:
        return num_steps // 2 if restore else 0
    if isinstance(refine_steps, bool) or not isinstance(refine_steps, int) or refine_steps < 0:
        raise ValueError(f"refine_steps must be a non-negative integer, got {refine_steps!r}")
    if refine_steps and not restore:
        raise ValueError(
            f"refine_steps={refine_steps} needs restore: each trial starts from the restored parameters and state"
        )
    return refine_steps


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
