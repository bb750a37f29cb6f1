"""Exercises every public path of swiftlr N times: `python leak_probe.py N`.

Run under LeakSanitizer by .ci/sanitize at two N: memory that leaks per
operation makes the leak report grow with N; what the interpreter itself
keeps at exit does not.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "tests"))

from scenarios import CASES, generate_cases, run_scheduler_case, swiftlr_api  # noqa: E402

import swiftlr  # noqa: E402
from swiftlr import _swiftlr, optim  # noqa: E402
from swiftlr.optim import lr_scheduler  # noqa: E402


def sgd_paths() -> None:
    p = swiftlr.Parameter(np.zeros(64, np.float32))
    q = swiftlr.Parameter(np.zeros((4, 4)))
    p.grad, q.grad = np.ones(64, np.float32), np.ones((4, 4))
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, momentum=0.9, nesterov=True)
    for _ in range(3):
        opt.step()
    opt.load_state_dict(opt.state_dict())
    q._grad = np.ones(3)  # a failing step must release every buffer it took
    try:
        opt.step()
    except ValueError:
        pass
    _swiftlr.axpy(np.ones(8), np.ones(8), 0.5)


def scheduler_paths(cases: list[dict]) -> None:
    for case in cases:
        run_scheduler_case(case, swiftlr_api(), lr_scheduler)
    core = _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1, 0.2], "step_size": 2})
    for bad in ({"step_size": 0}, {"nope": 1}, {"base_lrs": [1.0]}, {"gamma": "x"}):
        try:
            core._core_update(bad)
        except (ValueError, TypeError, KeyError):
            pass
    core._core_copy()._core_get("base_lrs")
    try:
        _swiftlr.NativeScheduler("StepLR", {"base_lrs": [0.1]})
    except TypeError:
        pass


def main() -> None:
    n = int(sys.argv[1])
    cases = [c for name in sorted(CASES) for c in generate_cases(name, 1, seed=7)]
    for case in cases:
        case["steps"] = min(case["steps"], 30)
        if case.get("checkpoint") is not None:
            case["checkpoint"] = min(case["checkpoint"], 15)
    warnings.simplefilter("ignore")
    for _ in range(n):
        sgd_paths()
        scheduler_paths(cases)
    print(f"leak probe: {n} rounds over {len(cases)} scheduler cases")


if __name__ == "__main__":
    main()
