"""swiftlr's benchmark suite: `python3 benchmarks/run.py [--rounds N] [--markdown]`.

Measures, side by side in one run, swiftlr against PyTorch (CPU, when it is
installed) and numpy / plain Python, and prints ratios: how many times faster
swiftlr is (>1 is faster). Contenders run interleaved and keep their best of
several rounds, since these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import scheduler_bench  # noqa: E402
import sgd_bench  # noqa: E402


def load_torch() -> Any:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: measuring swiftlr against numpy and the bandwidth limit only.\n")
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def ratio(times: dict[str, float], other: str) -> str:
    return f"{times[other] / times['swiftlr']:.1f}x" if other in times else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per figure (best is kept)")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds (a smoke test)")
    args = parser.parse_args()
    torch = load_torch()
    rounds = 3 if args.quick else args.rounds
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    print(f"swiftlr benchmarks, {datetime.date.today()}, {cpu}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ""))
    print()
    print("| figure | swiftlr | vs torch | vs numpy / Python | note |")
    print("|---|---|---|---|---|")
    for row in scheduler_bench.run(torch, rounds):
        if row.get("missing"):
            print(f"| {row['label']} | – | – | – | not implemented yet |")
            continue
        t = row["times"]
        torch_note = f"torch {t['torch'] * 1e6:.2f} µs" if "torch" in t else ""
        print(f"| {row['label']} | {t['swiftlr'] * 1e6:.3f} µs | {ratio(t, 'torch')} | {ratio(t, 'python')} | {torch_note} |")
    large = 10**6 if args.quick else 10**7
    small = (20, 5000) if args.quick else (200, 5000)
    for row in sgd_bench.run(torch, rounds, large=large, small=small):
        t = row["times"]
        best_torch = "torch foreach=False" if "1 x" in row["label"] else "torch foreach=True"
        note = (f"{row['gbps']:.1f} GB/s = {row['gbps'] / row['limit_gbps']:.2f} of the {row['limit_gbps']:.1f} GB/s "
                f"axpy limit; torch foreach=False {ratio(t, 'torch foreach=False')}, foreach=True "
                f"{ratio(t, 'torch foreach=True')}")
        print(f"| {row['label']} | {t['swiftlr'] * 1e3:.2f} ms | {ratio(t, best_torch)} | {ratio(t, 'numpy')} | {note} |")


if __name__ == "__main__":
    main()
