"""A numpy MLP trained as transformers' Trainer trains: AdamW, linear warmup
then cosine decay, gradient clipping to norm 1, all from swiftlr.

A two-layer tanh network (float32) fits a noisy nonlinear function; the
forward and backward passes are numpy, and swiftlr does the rest: the
clipping (``swiftlr.nn.utils.clip_grad_norm_``), the update (``AdamW``, weight
decay 0.01) and the schedule (``LinearLR`` then ``CosineAnnealingLR`` in a
``SequentialLR``, stepped every batch). Prints each epoch's mean loss, the lr
at its end and its last gradient norm before clipping:

    python examples/adamw_mlp.py

Where PyTorch is installed, the same loop runs again with torch's
``clip_grad_norm_``, fused ``AdamW`` and schedulers on the same numpy
gradients, and its figures print beside swiftlr's: every loss, lr, norm and
weight is the same to the last bit (the script checks and says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import swiftlr

FEATURES, HIDDEN = 8, 32
SAMPLES, BATCH, EPOCHS = 1024, 32, 12
WARMUP = 30  # steps of linear warmup, of EPOCHS * SAMPLES / BATCH = 384
MAX_NORM = 1.0


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((SAMPLES, FEATURES)).astype(np.float32)
    direction = (rng.standard_normal((FEATURES, 1)) * FEATURES**-0.5).astype(np.float32)  # x @ direction ~ N(0, 1)
    y = np.sin(x @ direction) + 0.1 * rng.standard_normal((SAMPLES, 1)).astype(np.float32)
    return x, y.astype(np.float32)


def initial_weights(rng: np.random.Generator) -> list[np.ndarray]:
    scale1, scale2 = np.float32(FEATURES**-0.5), np.float32(HIDDEN**-0.5)
    return [
        (rng.standard_normal((FEATURES, HIDDEN)) * scale1).astype(np.float32),
        np.zeros(HIDDEN, np.float32),
        (rng.standard_normal((HIDDEN, 1)) * scale2).astype(np.float32),
        np.zeros(1, np.float32),
    ]


def loss_and_grads(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean squared error of tanh(x @ w1 + b1) @ w2 + b2, and its gradients."""
    w1, b1, w2, b2 = weights
    hidden = np.tanh(x @ w1 + b1)
    error = hidden @ w2 + b2 - y
    d_out = error * np.float32(2 / len(x))
    d_hidden = (d_out @ w2.T) * (1 - hidden * hidden)
    grads = [x.T @ d_hidden, d_hidden.sum(axis=0), hidden.T @ d_out, d_out.sum(axis=0)]
    return float(np.mean(error * error)), grads


class Library:
    """What the loop needs from one library: parameters, gradients, the
    optimizer, the schedule and the clipping."""

    def __init__(self, name: str, optim: Any, clip: Any, param: Any, data: Any, set_grad: Any) -> None:
        self.name, self.optim, self.clip = name, optim, clip
        self.param, self.data, self.set_grad = param, data, set_grad


def train(lib: Library, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, **adamw: Any) -> dict[str, Any]:
    """The training loop, the same code for either library; returns what it printed and the final weights."""
    params = [lib.param(w.copy()) for w in weights]
    optimizer = lib.optim.AdamW(params, lr=1e-2, weight_decay=0.01, **adamw)
    steps = EPOCHS * (SAMPLES // BATCH)
    schedulers = lib.optim.lr_scheduler
    warmup = schedulers.LinearLR(optimizer, start_factor=0.01, total_iters=WARMUP)
    cosine = schedulers.CosineAnnealingLR(optimizer, T_max=steps - WARMUP)
    scheduler = schedulers.SequentialLR(optimizer, [warmup, cosine], milestones=[WARMUP])
    order_rng = np.random.default_rng(1)
    history = []  # (loss, gradient norm, lr after the step) of every step
    for _ in range(EPOCHS):
        order = order_rng.permutation(SAMPLES)
        for start in range(0, SAMPLES, BATCH):
            batch = order[start : start + BATCH]
            loss, grads = loss_and_grads([lib.data(p) for p in params], x[batch], y[batch])
            for p, g in zip(params, grads):
                lib.set_grad(p, g)
            norm = float(lib.clip(params, MAX_NORM))
            optimizer.step()
            scheduler.step()
            history.append((loss, norm, scheduler.get_last_lr()[0]))
    return {"history": history, "weights": [lib.data(p).copy() for p in params]}


def epoch_lines(history: list[tuple[float, float, float]]) -> list[str]:
    """Per epoch: mean loss, the lr at its end, its last gradient norm."""
    per_epoch = len(history) // EPOCHS
    lines = []
    for k in range(EPOCHS):
        steps = history[k * per_epoch : (k + 1) * per_epoch]
        loss = float(np.mean([s[0] for s in steps]))
        lines.append(f"{loss:.6f}  {steps[-1][2]:.4e}  {steps[-1][1]:.6f}")
    return lines


def swiftlr_library() -> Library:
    from swiftlr import optim
    from swiftlr.nn.utils import clip_grad_norm_

    def set_grad(p: swiftlr.Parameter, g: np.ndarray) -> None:
        p.grad = g

    return Library("swiftlr", optim, clip_grad_norm_, swiftlr.Parameter, lambda p: p.data, set_grad)


def torch_library() -> Library | None:
    try:
        import torch
    except ImportError:
        return None

    def set_grad(p: Any, g: np.ndarray) -> None:
        p.grad = torch.from_numpy(g)

    def param(w: np.ndarray) -> Any:
        return torch.nn.Parameter(torch.from_numpy(w))

    return Library("torch", torch.optim, torch.nn.utils.clip_grad_norm_, param, lambda p: p.detach().numpy(), set_grad)


def same_bits(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a).view(np.uint8), np.asarray(b).view(np.uint8)))


def main() -> None:
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    weights = initial_weights(rng)
    ours = train(swiftlr_library(), weights, x, y)
    torch_lib = torch_library()
    # torch's fused kernel is the path swiftlr's AdamW equals bit for bit.
    theirs = train(torch_lib, weights, x, y, fused=True) if torch_lib else None
    print("epoch  loss      lr          grad norm" + ("  | torch: loss  lr          grad norm" if theirs else ""))
    ours_lines = epoch_lines(ours["history"])
    theirs_lines = epoch_lines(theirs["history"]) if theirs else []
    for k, line in enumerate(ours_lines):
        print(f"{k + 1:5d}  {line}" + (f"  |        {theirs_lines[k]}" if theirs else ""))
    if theirs is None:
        print("PyTorch is not installed: the comparison with torch is skipped.")
        return
    identical = same_bits(np.array(ours["history"]), np.array(theirs["history"])) and all(
        same_bits(a, b) for a, b in zip(ours["weights"], theirs["weights"], strict=True)
    )
    print(f"identical bits to torch at every step (losses, norms, lrs, weights): {identical}")


if __name__ == "__main__":
    main()
