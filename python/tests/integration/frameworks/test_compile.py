"""torch.compile: a compiled ``optimizer.step()`` and a compiled
``opt.step(); sched.step()`` run with a swiftlr scheduler attached, with lrs
and weights equal to the same run with PyTorch's scheduler, and no graph break
that PyTorch's own scheduler does not cause."""

from __future__ import annotations

from typing import Any

import pytest

from .support import LIBRARIES, assert_same_lrs, model, torch

dynamo = pytest.importorskip("torch._dynamo")
from torch._dynamo.utils import counters  # noqa: E402

#: inductor's own imports use torch.jit, which warns from torch 2.13 on
pytestmark = pytest.mark.filterwarnings("ignore:.*torch.jit.*:DeprecationWarning")


def run(lib_name: str, mode: str, steps: int = 6) -> tuple[list[Any], Any, int]:
    dynamo.reset()
    counters.clear()
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = LIBRARIES[lib_name].CosineAnnealingLR(opt, T_max=4)
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
    if mode == "compiled optimizer.step":
        step = torch.compile(opt.step)

        def iteration() -> None:
            step()
            sched.step()
    else:

        @torch.compile
        def iteration() -> None:
            opt.step()
            sched.step()

    lrs = []
    for _ in range(steps):
        opt.zero_grad()
        net(x).sum().backward()
        iteration()
        lrs.append(opt.param_groups[0]["lr"])
    breaks = sum(counters["graph_break"].values())
    return lrs, net.weight.detach().clone(), breaks


@pytest.mark.parametrize("mode", ["compiled optimizer.step", "compiled opt.step(); sched.step()"])
def test_compiled_steps_match_torchs(mode: str) -> None:
    torch_lrs, torch_weight, torch_breaks = run("torch", mode)
    lrs, weight, breaks = run("swiftlr", mode)
    assert_same_lrs(torch_lrs, lrs)
    assert torch.equal(weight, torch_weight)
    assert breaks == torch_breaks, f"{breaks} graph breaks, PyTorch's scheduler {torch_breaks}"
