"""ReduceLROnPlateau: lower the lr when the validation loss stops improving.

A linear model is fitted by SGD to noisy data; the validation loss falls, then
stalls at the noise floor. ReduceLROnPlateau(patience=2, factor=0.5) watches
it and halves the lr after three epochs without a real improvement. Prints
every epoch's validation loss, and a line whenever the lr drops:

    python examples/plateau.py
"""

from __future__ import annotations

import numpy as np

import swiftlr
from swiftlr import optim

EPOCHS = 25
PATIENCE = 2


def mse(w: swiftlr.Parameter, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((x @ w.data - y) ** 2))


def main() -> None:
    rng = np.random.default_rng(1)
    w_true = rng.standard_normal(8)
    x_train, x_val = rng.standard_normal((256, 8)), rng.standard_normal((256, 8))
    y_train = x_train @ w_true + 0.5 * rng.standard_normal(256)
    y_val = x_val @ w_true + 0.5 * rng.standard_normal(256)

    w = swiftlr.Parameter(np.zeros(8))
    optimizer = optim.SGD([w], lr=0.02)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=PATIENCE)
    for epoch in range(1, EPOCHS + 1):
        for batch in np.array_split(rng.permutation(256), 8):
            optimizer.zero_grad()
            residual = x_train[batch] @ w.data - y_train[batch]
            w.grad = 2.0 * x_train[batch].T @ residual / len(batch)
            optimizer.step()
        val_loss = mse(w, x_val, y_val)
        before = scheduler.get_last_lr()[0]
        scheduler.step(val_loss)
        after = scheduler.get_last_lr()[0]
        print(f"epoch {epoch:2d}: val_loss = {val_loss:.5f}  lr = {after:.5f}")
        if after < before:
            print(f"epoch {epoch:2d}: no improvement for {PATIENCE + 1} epochs, lr {before:.5f} -> {after:.5f}")


if __name__ == "__main__":
    main()
