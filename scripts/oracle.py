#!/usr/bin/env python3
"""The differential oracle, long: thousands of random programs run on torch
and swiftlr side by side (``python/tests/integration/oracle_machine.py``).

    ATEN_CPU_CAPABILITY=default /work/venvs/torch215/bin/python scripts/oracle.py --programs 2000

``--capability`` sets ``ATEN_CPU_CAPABILITY`` (which torch reads when it is
first imported) for this run: ``default`` (no FMA), ``avx2``, ``avx512``.
Parameters of swiftlr's SGD are compared bit for bit on every capability
(``--no-sgd-bits`` compares schedules only). The first difference stops the run and prints
the program that found it, shrunk (``--no-shrink`` prints it as found).
Prints how many programs ran.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, default=2000, help="random programs to run (default 2000)")
    parser.add_argument("--rules", type=int, default=40, help="rules per program, at most (default 40)")
    parser.add_argument("--capability", choices=["default", "avx2", "avx512"], help="ATEN_CPU_CAPABILITY for torch")
    parser.add_argument("--no-sgd-bits", action="store_true", help="do not compare SGD's parameters")
    parser.add_argument("--seed", type=int, help="hypothesis seed (default: random)")
    parser.add_argument("--no-shrink", action="store_true", help="report a failing program without shrinking it")
    args = parser.parse_args()
    if args.capability:
        os.environ["ATEN_CPU_CAPABILITY"] = args.capability
    if args.no_sgd_bits:
        os.environ["SWIFTLR_ORACLE_SGD_BITS"] = "0"
    sys.path[:0] = [str(ROOT / "python"), str(ROOT / "python" / "tests")]

    import warnings

    import torch
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import seed as with_seed
    from hypothesis.stateful import run_state_machine_as_test
    from integration import oracle_machine

    import swiftlr

    warnings.simplefilter("ignore")  # each call's warnings are recorded and compared by the machine
    counted = {"programs": 0}
    original_init = oracle_machine.OracleMachine.__init__

    def counting_init(self: oracle_machine.OracleMachine) -> None:
        counted["programs"] += 1
        original_init(self)

    oracle_machine.OracleMachine.__init__ = counting_init  # type: ignore[method-assign]
    counted.update(built=0, calls=0)
    by_scheduler: dict[str, int] = {}

    def counting_teardown(self: oracle_machine.OracleMachine) -> None:
        if len(self.log) > 1:
            counted["built"] += 1
            counted["calls"] += len(self.log) - 1
            by_scheduler[self.name] = by_scheduler.get(self.name, 0) + 1

    oracle_machine.OracleMachine.teardown = counting_teardown  # type: ignore[method-assign]
    phases = [Phase.explicit, Phase.generate] + ([] if args.no_shrink else [Phase.shrink])
    config = settings(
        max_examples=args.programs,
        stateful_step_count=args.rules,
        deadline=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    print(
        f"torch {torch.__version__} (capability {torch.backends.cpu.get_cpu_capability()}), swiftlr from "
        f"{Path(swiftlr.__file__).parent}, SGD bits compared: {oracle_machine.SGD_BITS}",
        flush=True,
    )
    start = time.monotonic()
    machine = oracle_machine.OracleMachine
    if args.seed is not None:
        machine.TestCase = with_seed(args.seed)(machine.TestCase)  # type: ignore[misc]
    try:
        run_state_machine_as_test(machine, settings=config)
    except BaseException as e:  # noqa: BLE001 - reported, then the exit status says it
        print(f"DIFFERENCE after {counted['programs']} programs ({time.monotonic() - start:.0f} s):\n{e}")
        return 1
    print(
        f"{counted['programs']} programs, no difference ({time.monotonic() - start:.0f} s); "
        f"{counted['built']} built a pair and made {counted['calls']} calls on both libraries"
    )
    print("programs by scheduler:", ", ".join(f"{k} {v}" for k, v in sorted(by_scheduler.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
