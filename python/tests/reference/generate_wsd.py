"""Writes transformers' ``get_wsd_schedule`` lrs, for CooldownLR's tests.

    /work/venvs/frameworks/bin/python python/tests/reference/generate_wsd.py

Writes ``reference/transformers/get_wsd_schedule.json``: for random warmup,
stable and decay lengths, decay types and ``min_lr_ratio`` values, the lrs of
``transformers.get_wsd_schedule`` (a torch ``LambdaLR``) at every step, as a
user's loop sees them. ``test_cooldown.py`` starts a ``CooldownLR`` where that
schedule starts decaying and compares bit for bit without transformers; the
frameworks suite compares live.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import torch
import transformers

OUT = Path(__file__).resolve().parent / "transformers" / "get_wsd_schedule.json"


def wsd_lrs(case: dict[str, Any]) -> list[list[float]]:
    torch.set_default_dtype(torch.float64)
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in case["lrs"]])
    scheduler = transformers.get_wsd_schedule(
        opt,
        num_warmup_steps=case["warmup"],
        num_decay_steps=case["decay"],
        num_stable_steps=case["stable"],
        decay_type=case["decay_type"],
        min_lr_ratio=case["min_lr_ratio"],
    )
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(case["warmup"] + case["stable"] + case["decay"] + 5):
        opt.step()
        scheduler.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


def cases() -> list[dict[str, Any]]:
    rng = random.Random(22)
    out = []
    for decay_type in ("linear", "cosine", "1-sqrt"):
        for _ in range(4):
            out.append(
                {
                    "lrs": [rng.choice([0.1, 3e-4, 1.0]) * rng.uniform(0.5, 2.0) for _ in range(rng.randint(1, 3))],
                    "warmup": rng.randint(0, 10),
                    "stable": rng.randint(0, 20),
                    "decay": rng.randint(1, 60),
                    "decay_type": decay_type,
                    "min_lr_ratio": rng.choice([0.0, 0.1, rng.random()]),
                }
            )
    return out


def main() -> None:
    data = {"transformers": transformers.__version__, "cases": [{**c, "lrs_by_step": wsd_lrs(c)} for c in cases()]}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['cases'])} cases)")


if __name__ == "__main__":
    main()
