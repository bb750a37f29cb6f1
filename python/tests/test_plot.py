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


def test_steps_log_scale_legend_outside_and_the_initial_lr() -> None:
    from swiftlr.plot import plot

    opt = optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    ax = plot(scheduler, 20, log_scale=True, include_initial=True)
    assert ax.get_yscale() == "log"
    (lr,) = ax.get_lines()
    assert lr.get_drawstyle() == "default"  # a curve: it changes at every step
    # Step 0: the constructor's lr (max_lr / div_factor, as PyTorch rounds it).
    assert lr.get_xdata()[0] == 0 and lr.get_ydata()[0] == opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["lr", "momentum"]
    assert legend.get_bbox_to_anchor().y1 < ax.get_window_extent().y0 + 1  # below the axes, not over a curve
    step = plot(lr_scheduler.MultiStepLR(optim.SGD([swiftlr.Parameter(np.zeros(1))], lr=0.1), milestones=[5, 12]), 20)
    assert step.get_lines()[0].get_drawstyle() == "steps-post"  # piecewise constant: drawn as steps
    assert step.get_legend() is None  # one line: nothing to tell apart
