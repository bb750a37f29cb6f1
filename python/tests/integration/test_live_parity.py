"""Every registered scheduler against live PyTorch 2.15, on fresh random
cases (not the committed ones): learning rates must be equal to the last bit

* with swiftlr's schedulers driving swiftlr's SGD and driving torch.optim.SGD;
* through the pickled state-dict round trip each case makes midway;
* when swiftlr resumes from PyTorch's state dict, and PyTorch from swiftlr's.

and, with 0-d tensor lrs of every dtype torch accepts (float32, float16,
bfloat16, float64), with swiftlr's schedulers driving torch.optim.SGD, whose
tensor arithmetic rounds every operation to the lr's dtype.

Skipped without torch. ``LIVE_CASES`` cases per scheduler in ``scenarios.CASES``
(``TENSOR_CASES`` per dtype).
"""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import CASES, generate_cases, run_scheduler_case, swiftlr_api, torch_api

from swiftlr.optim import lr_scheduler

LIVE_CASES = 100
TENSOR_CASES = 15


def _differing(ours: dict[str, Any], theirs: dict[str, Any]) -> int:
    """How many recorded values (lrs and momenta) differ in any bit."""
    count = 0
    for key in ("lrs", "momenta"):
        if key not in theirs:
            continue
        assert len(ours[key]) == len(theirs[key])
        for a, b in zip(ours[key], theirs[key]):
            count += sum(x.hex() != y.hex() for x, y in zip(a, b)) + abs(len(a) - len(b))
    return count


@pytest.mark.parametrize("name", sorted(CASES))
def test_live_parity(name: str, torch: Any) -> None:
    torch.set_default_dtype(torch.float64)
    reference = torch.optim.lr_scheduler
    total_steps = 0
    for case in generate_cases(name, LIVE_CASES, seed=2015):
        theirs = run_scheduler_case(case, torch_api(), reference)
        runs = {
            "swiftlr SGD": run_scheduler_case(case, swiftlr_api(), lr_scheduler),
            "torch SGD": run_scheduler_case(case, torch_api(), lr_scheduler),
        }
        if theirs["checkpoint_state"] is not None:
            runs["resumed from torch"] = run_scheduler_case(
                case, swiftlr_api(), lr_scheduler, resume_state=theirs["checkpoint_state"]
            )
            ours_state = runs["swiftlr SGD"]["checkpoint_state"]
            runs["torch resumed from swiftlr"] = run_scheduler_case(
                case, torch_api(), reference, resume_state=ours_state
            )
        for label, ours in runs.items():
            assert _differing(ours, theirs) == 0, (label, case)
        total_steps += case["steps"]
    assert total_steps > 0


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_live_parity_tensor_lrs(name: str, dtype: str, torch: Any) -> None:
    torch.set_default_dtype(torch.float64)
    reference = torch.optim.lr_scheduler
    total_steps = 0
    for case in generate_cases(name, TENSOR_CASES, seed=2026):
        case = dict(case, lr_dtype=dtype)
        theirs = run_scheduler_case(case, torch_api(), reference)
        runs = {"torch SGD": run_scheduler_case(case, torch_api(), lr_scheduler)}
        if theirs["checkpoint_state"] is not None:
            runs["resumed from torch"] = run_scheduler_case(
                case, torch_api(), lr_scheduler, resume_state=theirs["checkpoint_state"]
            )
        for label, ours in runs.items():
            assert _differing(ours, theirs) == 0, (label, dtype, case)
        total_steps += case["steps"]
    assert total_steps > 0
