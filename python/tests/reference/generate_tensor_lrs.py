"""Writes PyTorch 2.15's tensor-lr arithmetic as Swift test data.

    /path/to/torch215/bin/python python/tests/reference/generate_tensor_lrs.py

Writes ``Tests/SwiftLRTests/TensorLRReference.swift``: for 0-d lr tensors of
each dtype (float32, float16, bfloat16; float64 as a control), the result of
every operation PyTorch's schedulers apply to an lr (``lr * x``, ``lr / x``,
``lr + x``, ``lr - x``, ``x * lr``, ``x + lr``, ``lr + lr``, ``lr - lr``,
``fill_(x)``) on random operands, and each scheduler's lrs over steps from a
tensor lr. The Swift tests (``TensorLRTests``) replay them through
``TensorLR`` and the schedulers' rules, bit for bit, without torch.
"""

from __future__ import annotations

import math
import random
import sys
import warnings
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "Tests" / "SwiftLRTests" / "TensorLRReference.swift"
DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
OPS = {
    "lr*x": lambda t, x, u: t * x,
    "lr/x": lambda t, x, u: t / x,
    "lr+x": lambda t, x, u: t + x,
    "lr-x": lambda t, x, u: t - x,
    "x*lr": lambda t, x, u: x * t,
    "x+lr": lambda t, x, u: x + t,
    "lr+lr": lambda t, x, u: t + u,
    "lr-lr": lambda t, x, u: t - u,
    "fill": lambda t, x, u: t.clone().fill_(x),
}
OPERANDS = 40
STEPS = 15

# (class, kwargs, Swift config, per-step inputs as a function of (step index k, last_epoch)).
RULES: list[tuple[str, dict[str, Any], Any]] = [
    ("StepLR", {"step_size": 3, "gamma": 0.7}, None),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}, None),
    ("ConstantLR", {"factor": 0.37, "total_iters": 4}, None),
    ("LinearLR", {"start_factor": 0.27, "end_factor": 0.9, "total_iters": 6}, None),
    ("ExponentialLR", {"gamma": 0.93}, None),
    ("PolynomialLR", {"total_iters": 7, "power": 1.7}, None),
    ("CosineAnnealingLR", {"T_max": 6, "eta_min": 0.013}, None),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, None),
    ("SWALR", {"swa_lr": 0.021, "anneal_epochs": 4}, lambda epoch: [0.021]),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.91}, lambda epoch: [1.0 if epoch == 0 else 0.91]),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95**e}, lambda epoch: [0.95**epoch]),
]


def swift_double(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"no Swift literal for {x}")
    return x.hex() if x != 0 else ("-0.0" if math.copysign(1, x) < 0 else "0.0")


def swift_value(v: Any) -> str:
    if isinstance(v, bool):
        return f".bool({str(v).lower()})"
    if isinstance(v, int):
        return f".int({v})"
    if isinstance(v, float):
        return f".double({swift_double(v)})"
    if isinstance(v, list):
        return f".ints([{', '.join(map(str, v))}])"
    if isinstance(v, str):
        return f'.string("{v}")'
    raise TypeError(v)


def op_cases(rng: random.Random) -> list[str]:
    lines = []
    for name, dtype in DTYPES.items():
        if dtype is torch.float64:
            continue
        for _ in range(OPERANDS):
            t = torch.tensor(rng.uniform(1e-4, 2.0) * 10 ** rng.randint(-3, 0), dtype=dtype)
            u = torch.tensor(rng.uniform(1e-4, 1.0) * 10 ** rng.randint(-3, 0), dtype=dtype)
            x = rng.uniform(-1.5, 1.5) * 10 ** rng.randint(-4, 1)
            for op, f in OPS.items():
                result = f(t, x, u).item()
                lines.append(
                    f'  TensorLROp(.{name}, "{op}", {swift_double(t.item())}, {swift_double(x)}, '
                    f"{swift_double(u.item())}, {swift_double(result)}),"
                )
    return lines


def rule_traces(rng: random.Random) -> list[str]:
    lines = []
    for cls_name, kwargs, inputs in RULES:
        module = torch.optim.swa_utils if cls_name == "SWALR" else torch.optim.lr_scheduler
        config = {k: v for k, v in kwargs.items() if k != "lr_lambda"}
        if cls_name == "SWALR":
            config = {"anneal_epochs": 4}
        for name, dtype in DTYPES.items():
            lr0 = rng.choice([0.1, 0.05, 1.0, 3e-4]) * rng.uniform(0.5, 2.0)
            param = torch.nn.Parameter(torch.zeros(2))
            optimizer = torch.optim.SGD([param], lr=torch.tensor(lr0, dtype=dtype))
            start = optimizer.param_groups[0]["lr"].item()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scheduler = getattr(module, cls_name)(optimizer, **kwargs)
                lrs = [optimizer.param_groups[0]["lr"].item()]
                for _ in range(STEPS):
                    optimizer.step()
                    scheduler.step()
                    lrs.append(optimizer.param_groups[0]["lr"].item())
            entries = ", ".join(f'"{k}": {swift_value(v)}' for k, v in config.items())
            values = ", ".join(swift_double(v) for v in lrs)
            lines.append(
                f'  TensorLRTrace("{cls_name}", [{entries or ":"}], .{name}, start: {swift_double(start)}, '
                f'inputs: "{cls_name if inputs else ""}", lrs: [{values}]),'
            )
    return lines


def main() -> None:
    if not torch.__version__.startswith("2.15."):
        raise SystemExit(f"reference values come from PyTorch 2.15, this is {torch.__version__}")
    rng = random.Random("tensor-lrs")
    text = "\n".join(
        [
            f"// Generated by python/tests/reference/generate_tensor_lrs.py from PyTorch {torch.__version__};",
            "// do not edit. Operands and results are exact (hex float literals).",
            "// swift-format-ignore-file",
            "",
            "@testable import SwiftLR",
            "",
            "let tensorLROps: [TensorLROp] = [",
            *op_cases(rng),
            "]",
            "",
            "let tensorLRTraces: [TensorLRTrace] = [",
            *rule_traces(rng),
            "]",
            "",
        ]
    )
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
