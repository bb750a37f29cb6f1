"""Makes runnable copies of PyTorch's own scheduler tests that test swiftlr.

PyTorch's ``test/optim/test_lrscheduler.py`` (the version matching torch 2.15)
is the strongest reference for scheduler behaviour there is, but it is
PyTorch's code, so it is not in this repository: fetch it yourself and pass
its path. This script downloads nothing; it applies three mechanical
substitutions and changes no assertion:

1. the names of ``from torch.optim.lr_scheduler import (...)`` come from
   ``swiftlr.optim.lr_scheduler``;
2. ``SWALR`` comes from ``swiftlr.optim.swa_utils``;
3. qualified ``torch.optim.lr_scheduler.X`` uses point at swiftlr's ``X``.

It writes two files into the output directory:

* ``test_lrscheduler_swiftlr.py``: torch's optimizers (SGD, Adam, AdamW,
  Rprop) driven by swiftlr's schedulers;
* ``test_lrscheduler_swiftlr_sgd.py``: the same, with ``SGD`` replaced by a
  thin subclass of ``swiftlr.optim.SGD`` that wraps torch parameters as
  ``swiftlr.Parameter`` arrays sharing their memory.

Run them with torch 2.15 and swiftlr importable, outside the repository
(torch's test utilities also import ``expecttest``, a PyPI package)::

    python python/tests/integration/torch_suite/make_suite.py \\
        /path/to/test_lrscheduler.py /tmp/torchtests
    PYTHONPATH=python /path/to/torch215/bin/python -m pytest -q /tmp/torchtests

Last run (2026-12-07, PyTorch's file at commit 01f9ef3, torch 2.15.0): 190 of
190 pass in each file. Its extra warnings there are swiftlr's
``ScheduleDriftWarning``, when a state dict loads other hyperparameters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SCHEDULER_IMPORT = "from torch.optim.lr_scheduler import ("
SWA_IMPORT = "from torch.optim.swa_utils import SWALR"
QUALIFIED = "torch.optim.lr_scheduler."
OPTIMIZER_IMPORT = "from torch.optim import Adam, Rprop, SGD"

# Replaces `from torch.optim import Adam, Rprop, SGD` in the swiftlr-SGD variant.
SWIFTLR_SGD = '''from torch.optim import Adam, Rprop
import swiftlr.optim


def _as_swiftlr_parameter(param):
    """A swiftlr.Parameter sharing the memory of a (CPU, float) torch tensor."""
    if isinstance(param, swiftlr.Parameter):  # already wrapped (SGD.__init__ calls add_param_group)
        return param
    return swiftlr.Parameter(param.detach().numpy())


def _wrap_params(params):
    params = list(params)
    if params and isinstance(params[0], dict):
        return [dict(group, params=[_as_swiftlr_parameter(p) for p in group["params"]]) for group in params]
    return [_as_swiftlr_parameter(p) for p in params]


class SGD(swiftlr.optim.SGD):
    """swiftlr's SGD over torch parameters (gradients stay None: these tests only step lrs)."""

    def __init__(self, params, *args, **kwargs):
        super().__init__(_wrap_params(params), *args, **kwargs)

    def add_param_group(self, param_group):
        super().add_param_group(_wrap_params([param_group])[0])
'''


def substitute(source: str) -> str:
    """PyTorch's file with swiftlr's schedulers; raises if the file has changed shape."""
    for marker in (SCHEDULER_IMPORT, SWA_IMPORT, QUALIFIED):
        if marker not in source:
            raise ValueError(f"not PyTorch's scheduler test file (no {marker!r})")
    source = source.replace(SCHEDULER_IMPORT, "from swiftlr.optim.lr_scheduler import (", 1)
    source = source.replace(SWA_IMPORT, "from swiftlr.optim.swa_utils import SWALR", 1)
    source = source.replace(QUALIFIED, "swiftlr.optim.lr_scheduler.")
    return source.replace("import torch\n", "import torch\nimport swiftlr.optim.lr_scheduler\n", 1)


def with_swiftlr_sgd(source: str) -> str:
    if OPTIMIZER_IMPORT not in source:
        raise ValueError(f"not PyTorch's scheduler test file (no {OPTIMIZER_IMPORT!r})")
    return source.replace(OPTIMIZER_IMPORT, SWIFTLR_SGD, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pytorch_file", type=Path, help="PyTorch's test/optim/test_lrscheduler.py")
    parser.add_argument("out_dir", type=Path, help="where to write the two test files")
    args = parser.parse_args(argv)
    plain = substitute(args.pytorch_file.read_text())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "test_lrscheduler_swiftlr.py").write_text(plain)
    (args.out_dir / "test_lrscheduler_swiftlr_sgd.py").write_text(with_swiftlr_sgd(plain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
