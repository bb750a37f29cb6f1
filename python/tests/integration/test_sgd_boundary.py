"""SGD's native boundary under user code that runs mid-call (issue 10): a
hostile ``__float__``, a group list or state changed by another thread, an
array resized or freed meanwhile. Each case runs in its own process, since
the failure it guards against is a crash; each asserts a clean result."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import swiftlr

PRELUDE = """
import threading, weakref
import numpy as np
import swiftlr
from swiftlr import optim

def params(n=4, size=5):
    out = []
    for _ in range(n):
        p = swiftlr.Parameter(np.ones(size))
        p.grad = np.full(size, 0.5)
        out.append(p)
    return out
"""

CASES = {
    "float_clears_the_group_list": """
        ps = params()
        opt = optim.SGD([{"params": [p]} for p in ps], lr=0.1, momentum=0.9)
        class Evil:
            ndim = 0
            def __float__(self):
                del opt.param_groups[:]
                junk = [bytearray(64) for _ in range(10000)]
                return 0.1
        opt.param_groups[0]["lr"] = Evil()
        opt.step()  # reads the groups it was given: every parameter steps
        assert all((p.data == 0.95).all() for p in ps), [p.data for p in ps]
        assert opt.param_groups == []
    """,
    "float_replaces_params_state_and_arrays": """
        ps = params()
        opt = optim.SGD(ps, lr=0.1, momentum=0.9)
        class Evil:
            ndim = 0
            def __float__(self):
                opt.param_groups[0]["params"] = []
                opt.state.clear()
                for p in ps:
                    p.data = np.zeros(7)
                    p.grad = np.zeros(7)
                return 0.9
        opt.param_groups[0]["momentum"] = Evil()
        opt.step()  # momentum is read before the params: the new ones are empty
        assert all((p.data == 0).all() for p in ps)
    """,
    "grad_property_mutates_everything": """
        class P(swiftlr.Parameter):
            @property
            def grad(self):
                opt.param_groups.clear()
                opt.state.clear()
                self.data = np.zeros(5)
                return np.full(5, 0.5)
            @grad.setter
            def grad(self, value):
                pass
        ps = [P(np.ones(5)) for _ in range(3)]
        opt = optim.SGD(ps, lr=0.1, momentum=0.9)
        opt.step()
        assert all((p.data == -0.05).all() for p in ps), [p.data for p in ps]
        assert len(opt.state) == 3
    """,
    "state_entry_not_a_dict": """
        ps = params(2)
        opt = optim.SGD(ps, lr=0.1, momentum=0.9)
        opt.state[ps[1]] = 5
        try:
            opt.step()
        except TypeError as e:
            assert "must be a dict" in str(e)
        else:
            raise AssertionError("no error")
        assert (ps[0].data == 1).all() and ps[0] not in opt.state
    """,
    "another_thread_mutates_groups": """
        ps = params(50, 100)
        opt = optim.SGD(ps, lr=0.01, momentum=0.9)
        stop = threading.Event()
        def churn():
            while not stop.is_set():
                opt.param_groups.append({**opt.param_groups[0], "params": list(ps[:10])})
                del opt.param_groups[1:]
                opt.param_groups[0]["params"] = list(reversed(opt.param_groups[0]["params"]))
        t = threading.Thread(target=churn)
        t.start()
        for _ in range(2000):
            opt.step()
        stop.set()
        t.join()
        assert all(np.isfinite(p.data).all() for p in ps)
    """,
    "another_thread_resizes_arrays": """
        ps = params(4, 1 << 18)
        opt = optim.SGD(ps, lr=0.01, momentum=0.9)
        stop = threading.Event()
        refused = []
        def resize():
            while not stop.is_set():
                for p in ps:
                    try:
                        p.data.resize(10, refcheck=False)  # refused while a step holds it
                    except ValueError:
                        refused.append(1)
                    p.data = np.ones(1 << 18)
                    p.grad = np.full(1 << 18, 0.5)
        t = threading.Thread(target=resize)
        t.start()
        for _ in range(300):
            try:
                opt.step()
            except ValueError as e:
                assert "resized or retyped" in str(e) or "shape" in str(e), e
        stop.set()
        t.join()
    """,
}


@pytest.mark.parametrize("name", CASES)
def test_user_code_mid_step_never_crashes(name: str) -> None:
    code = PRELUDE + textwrap.dedent(CASES[name])
    python_dir = Path(swiftlr.__file__).resolve().parents[1]  # the swiftlr under test, installed or in-tree
    # os.environ too: a sanitizer build needs its LD_PRELOAD and options in the child.
    env = {**os.environ, "PYTHONPATH": str(python_dir), "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "error"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
