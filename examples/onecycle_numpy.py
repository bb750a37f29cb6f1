"""Logistic regression in numpy, trained with swiftlr's SGD and OneCycleLR.

Synthetic, linearly separable-ish data; the forward pass and the gradient are
numpy, the update (SGD with momentum) and the schedule run in swiftlr.
OneCycleLR steps after every batch: the lr rises from max_lr / 25 to max_lr
over the first 30% of the steps, then anneals to almost zero, while the
momentum cycles the other way (0.95 -> 0.85 -> 0.95). Prints each epoch's
mean loss and the lr and momentum at its end:

    python examples/onecycle_numpy.py
"""

from __future__ import annotations

import numpy as np

import swiftlr
from swiftlr import optim

FEATURES = 20
SAMPLES = 2048
BATCH = 64
EPOCHS = 8


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points labelled by a hidden linear rule, with 5% of the labels flipped."""
    x = rng.standard_normal((SAMPLES, FEATURES))
    w_true = rng.standard_normal(FEATURES)
    y = (x @ w_true + 0.5 > 0).astype(np.float64)
    flip = rng.random(SAMPLES) < 0.05
    y[flip] = 1.0 - y[flip]
    return x, y


def loss_and_backward(w: swiftlr.Parameter, b: swiftlr.Parameter, x: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of sigmoid(x @ w + b); sets ``w.grad`` and ``b.grad``."""
    logits = x @ w.data + b.data
    # log(1 + exp(z)) - y z, computed stably.
    loss = float(np.mean(np.logaddexp(0.0, logits) - y * logits))
    d_logits = (1.0 / (1.0 + np.exp(-logits)) - y) / len(y)
    w.grad = x.T @ d_logits
    b.grad = np.array([d_logits.sum()])
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    x, y = make_data(rng)
    w = swiftlr.Parameter(np.zeros(FEATURES))
    b = swiftlr.Parameter(np.zeros(1))
    optimizer = optim.SGD([w, b], lr=0.1, momentum=0.9)
    steps_per_epoch = SAMPLES // BATCH
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, epochs=EPOCHS, steps_per_epoch=steps_per_epoch)
    for epoch in range(EPOCHS):
        order = rng.permutation(SAMPLES)
        losses = []
        for i in range(steps_per_epoch):
            batch = order[i * BATCH : (i + 1) * BATCH]
            optimizer.zero_grad()
            losses.append(loss_and_backward(w, b, x[batch], y[batch]))
            optimizer.step()
            scheduler.step()
        group = optimizer.param_groups[0]
        print(
            f"epoch {epoch + 1}: loss = {np.mean(losses):.4f}  "
            f"lr = {scheduler.get_last_lr()[0]:.6f}  momentum = {group['momentum']:.4f}"
        )
    accuracy = float(np.mean(((x @ w.data + b.data) > 0) == (y > 0.5)))
    print(f"training accuracy = {accuracy:.3f}")


if __name__ == "__main__":
    main()
