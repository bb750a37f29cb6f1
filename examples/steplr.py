"""The StepLR example of the reference document, on swiftlr's Swift backend.

A Linear(10, 1) model trained on random data with MSE loss; the forward pass
and the gradient are written in numpy, the update and the schedule run in
swiftlr. Prints the document's 30 lines: 0.10000 for epochs 1-9, 0.09000 for
10-19, 0.08100 for 20-29 and 0.07290 for 30.

    python examples/steplr.py
"""

import numpy as np

import swiftlr
from swiftlr import optim


class Linear:
    """y = x @ weight.T + bias, initialised as torch.nn.Linear is."""

    def __init__(self, in_features: int, out_features: int, rng: np.random.Generator) -> None:
        bound = 1.0 / np.sqrt(in_features)
        self.weight = swiftlr.Parameter(rng.uniform(-bound, bound, (out_features, in_features)).astype(np.float32))
        self.bias = swiftlr.Parameter(rng.uniform(-bound, bound, (out_features,)).astype(np.float32))

    def parameters(self) -> list:
        return [self.weight, self.bias]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weight.data.T + self.bias.data


def mse_loss_and_backward(model: Linear, inputs: np.ndarray, targets: np.ndarray) -> float:
    """MSE loss; sets each parameter's .grad to d(loss)/d(param)."""
    outputs = model(inputs)
    diff = outputs - targets
    loss = float(np.mean(diff**2))
    d_outputs = (2.0 / diff.size) * diff  # d loss / d outputs
    model.weight.grad = (d_outputs.T @ inputs).astype(np.float32)
    model.bias.grad = d_outputs.sum(axis=0).astype(np.float32)
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    model = Linear(10, 1, rng)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.9)
    for epoch in range(30):  # Train for 30 epochs
        inputs = rng.standard_normal((5, 10)).astype(np.float32)
        targets = rng.standard_normal((5, 1)).astype(np.float32)
        optimizer.zero_grad()
        mse_loss_and_backward(model, inputs, targets)
        optimizer.step()
        scheduler.step()
        print(f"Epoch {epoch + 1}: Learning Rate = {scheduler.get_last_lr()[0]:.5f}")


if __name__ == "__main__":
    main()
