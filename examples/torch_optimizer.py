"""A swiftlr scheduler driving ``torch.optim.SGD``: swap the import, keep the script.

swiftlr's schedulers work with any optimizer that has PyTorch's
``param_groups``, so a PyTorch training loop can take its schedules from
swiftlr. Two identical tiny models train side by side: one scheduled by
``swiftlr.optim.lr_scheduler``, one by ``torch.optim.lr_scheduler``, both
with a linear warmup then cosine annealing (SequentialLR). The lrs, and so
the trained weights, are the same to the last bit.

    python examples/torch_optimizer.py

Needs PyTorch; without it the script says so and exits 0.
"""

from __future__ import annotations

import sys
from typing import Any

from swiftlr.optim import lr_scheduler as swift_schedulers

EPOCHS = 20
WARMUP = 3


def make_schedule(schedulers: Any, optimizer: Any) -> Any:
    """Warmup for WARMUP epochs, then cosine annealing: the same code for either library."""
    warmup = schedulers.LinearLR(optimizer, start_factor=0.1, total_iters=WARMUP)
    cosine = schedulers.CosineAnnealingLR(optimizer, T_max=EPOCHS - WARMUP, eta_min=1e-4)
    return schedulers.SequentialLR(optimizer, [warmup, cosine], milestones=[WARMUP])


def main() -> int:
    try:
        import torch
    except ImportError:
        print("torch_optimizer.py needs PyTorch (pip install torch); skipping.")
        return 0

    torch.manual_seed(0)
    inputs = torch.randn(64, 4)
    targets = inputs @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(64, 1)
    model_a = torch.nn.Linear(4, 1)
    model_b = torch.nn.Linear(4, 1)
    model_b.load_state_dict(model_a.state_dict())

    runs = []
    for model, schedulers in ((model_a, swift_schedulers), (model_b, torch.optim.lr_scheduler)):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = make_schedule(schedulers, optimizer)
        lrs = []
        for _ in range(EPOCHS):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(inputs), targets)
            loss.backward()
            optimizer.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
        runs.append((lrs, loss.item()))

    (swift_lrs, swift_loss), (torch_lrs, torch_loss) = runs
    for epoch, (a, b) in enumerate(zip(swift_lrs, torch_lrs), start=1):
        print(f"epoch {epoch:2d}: swiftlr lr = {a:.6f}  torch lr = {b:.6f}")
    print(f"final loss: swiftlr {swift_loss:.6f}, torch {torch_loss:.6f}")
    same = swift_lrs == torch_lrs and torch.equal(model_a.weight, model_b.weight)
    print(f"identical lrs and weights: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
