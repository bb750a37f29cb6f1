"""The top-level package: what ``import swiftlr`` offers, and what it does not import."""

from __future__ import annotations

import subprocess
import sys

import swiftlr


def test_exports() -> None:
    assert swiftlr.__all__ == [
        "LRFinderResult",
        "Parameter",
        "ScheduleDriftWarning",
        "lr_find",
        "nn",
        "optim",
        "plot",
        "schedules",
        "torch_safe_globals",
        "__version__",
    ]
    for name in swiftlr.__all__:
        assert hasattr(swiftlr, name)
    assert swiftlr.schedules.step_lr(0.1, step_size=10)(25) == 0.1 * 0.1**2
    assert callable(swiftlr.plot.plot)
    assert swiftlr.nn.utils.clip_grad_norm_ is swiftlr.nn.utils.clip_grad.clip_grad_norm_


def test_plot_is_lazy() -> None:
    """matplotlib is an optional extra: importing swiftlr (and swiftlr.plot) must not load it."""
    code = (
        "import sys, swiftlr\n"
        "from swiftlr.plot import plot\n"
        "assert callable(plot)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
