"""DDP: two ranks over gloo on loopback (127.0.0.1 only), each with its own
swiftlr scheduler: every rank's lrs are identical and equal to PyTorch's, and
a checkpoint that rank 0 saves (``torch.save``) resumes on both ranks
(``torch.load(weights_only=True)``)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from .support import LIBRARIES, assert_same_lrs, dataset, model, torch

dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

WORLD = 2
STEPS = 8


def train(lib_name: str, ddp: Any, opt: Any, sched: Any, rank: int, steps: range) -> list[Any]:
    data = dataset(seed=rank)  # each rank its own shard
    lrs = []
    for step in steps:
        x, y = data[step * 4 : step * 4 + 4]
        opt.zero_grad()
        torch.nn.functional.mse_loss(ddp(x), y).backward()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def setup(lib_name: str) -> tuple[Any, Any, Any]:
    ddp = torch.nn.parallel.DistributedDataParallel(model())
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    sched = LIBRARIES[lib_name].OneCycleLR(opt, max_lr=0.5, total_steps=STEPS)
    return ddp, opt, sched


def worker(rank: int, port: int, out: str) -> None:
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # loopback only
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    try:
        result: dict[str, Any] = {}
        for lib_name in LIBRARIES:
            result[lib_name] = train(lib_name, *setup(lib_name), rank, range(STEPS))
        # half a run, a checkpoint from rank 0, both ranks resume from it
        ddp, opt, sched = setup("swiftlr")
        first = train("swiftlr", ddp, opt, sched, rank, range(STEPS // 2))
        checkpoint = Path(out) / "checkpoint.pt"
        if rank == 0:
            torch.save({"model": ddp.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, checkpoint)
        dist.barrier()
        saved = torch.load(checkpoint, weights_only=True)
        ddp, opt, sched = setup("swiftlr")
        ddp.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        sched.load_state_dict(saved["sched"])
        result["resumed"] = first + train("swiftlr", ddp, opt, sched, rank, range(STEPS // 2, STEPS))
        result["weight"] = ddp.module.weight.detach().flatten().tolist()
        (Path(out) / f"rank{rank}.json").write_text(json.dumps(result))
        # Both ranks finish before either tears gloo down: a rank that closes its
        # connections while the other still uses them aborts it (std::terminate).
        dist.barrier()
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_ranks_match_torch_and_resume_from_rank0s_checkpoint(tmp_path: Path) -> None:
    try:
        torch.multiprocessing.spawn(worker, args=(free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    except torch.multiprocessing.ProcessExitedException:
        # gloo (torch 2.13) sometimes aborts a rank while tearing its threads
        # down after the work is done; the results both ranks wrote are what
        # this test checks, so only a rank that never wrote them is a failure.
        if not all((tmp_path / f"rank{r}.json").exists() for r in range(WORLD)):
            raise
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(WORLD)]
    for rank in ranks:
        assert_same_lrs(rank["torch"], rank["swiftlr"])
        assert_same_lrs(rank["torch"], rank["resumed"])
    assert_same_lrs(ranks[0]["swiftlr"], ranks[1]["swiftlr"])
    assert ranks[0]["weight"] == ranks[1]["weight"]  # DDP kept the replicas in step
