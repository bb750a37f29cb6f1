"""accelerate: ``prepare(model, opt, loader, scheduler)`` wraps a swiftlr
scheduler in ``AcceleratedScheduler`` as it wraps PyTorch's, so with gradient
accumulation it steps once per optimizer step, not once per micro-batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .support import LIBRARIES, assert_same_lrs, dataset, model, torch

accelerate = pytest.importorskip("accelerate")
from accelerate.scheduler import AcceleratedScheduler  # noqa: E402
from accelerate.state import AcceleratorState, GradientState  # noqa: E402

SCHEDULERS: dict[str, Callable[[Any, Any], Any]] = {
    "OneCycleLR": lambda lib, opt: lib.OneCycleLR(opt, max_lr=0.5, total_steps=8),
    "CosineAnnealingLR": lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=8),
    "LambdaLR": lambda lib, opt: lib.LambdaLR(opt, lambda step: 1.0 / (1 + step)),
}


def train(lib_name: str, make: Callable[[Any, Any], Any], accumulation: int = 2, epochs: int = 2) -> list[Any]:
    AcceleratorState._reset_state(True)  # a fresh Accelerator per run
    GradientState._reset_state()
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=accumulation)
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scheduler = make(LIBRARIES[lib_name], opt)
    loader = torch.utils.data.DataLoader(dataset(), batch_size=4)
    net, opt, loader, scheduler = accelerator.prepare(net, opt, loader, scheduler)
    assert isinstance(scheduler, AcceleratedScheduler)
    lrs = []
    for _ in range(epochs):
        for x, y in loader:
            with accelerator.accumulate(net):
                loss = torch.nn.functional.mse_loss(net(x), y)
                accelerator.backward(loss)
                opt.step()
                scheduler.step()
                opt.zero_grad()
            lrs.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
    lrs.append(scheduler.state_dict()["_step_count"])
    return lrs


@pytest.mark.parametrize("name", SCHEDULERS)
def test_gradient_accumulation_steps_once_per_optimizer_step(name: str) -> None:
    torch_lrs = train("torch", SCHEDULERS[name])
    assert_same_lrs(torch_lrs, train("swiftlr", SCHEDULERS[name]))
    # 16 micro-batches, 8 optimizer steps: the lr moves at every other micro-batch only
    lrs = [lr for lr, _ in torch_lrs[:-1]]
    changes = [i for i in range(1, len(lrs)) if lrs[i] != lrs[i - 1]]
    assert changes and all(i % 2 == 1 for i in changes)
