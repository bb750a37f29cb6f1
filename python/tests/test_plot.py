"""`swiftlr.plot.plot`: draws the preview, one line per group, momentum when it cycles."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import swiftlr
from swiftlr import optim
from swiftlr.optim import lr_scheduler

pytest.importorskip("matplotlib")


def test_one_line_per_group_and_nothing_changes() -> None:
    from swiftlr.plot import plot

    groups = [{"params": [swiftlr.Parameter(np.zeros(1))], "lr": lr} for lr in (0.1, 0.2)]
    opt = optim.SGD(groups, lr=0.1)
    s = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    ax = plot(s, 10)
    assert len(ax.get_lines()) == 2
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), s.preview(10)[:, 1])
    assert s.last_epoch == 0 and ax.get_title() == "StepLR"


def test_momentum_on_a_second_axis() -> None:
    from swiftlr.plot import plot

    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    ax = plot(lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=30), 30)
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_ylabel() == "momentum"


def test_plateau_takes_metrics() -> None:
    from swiftlr.plot import plot

    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=1.0)
    ax = plot(lr_scheduler.ReduceLROnPlateau(opt, patience=0), 3, metrics=[1.0, 1.0, 1.0])
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(0.01)


def test_missing_matplotlib_says_how_to_install() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import numpy as np, swiftlr\n"
        "from swiftlr import optim\n"
        "from swiftlr.plot import plot\n"
        "opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1)\n"
        "try:\n"
        "    plot(optim.lr_scheduler.StepLR(opt, step_size=1), 3)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'swiftlr[plot]'" in out.stdout
