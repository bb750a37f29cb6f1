"""The torch flavour (``swiftlr/_torch.py``): over a torch optimizer a swiftlr
scheduler is also PyTorch's class of the same name; elsewhere nothing changes,
and ``import swiftlr`` never imports torch."""

from __future__ import annotations

import copy
import inspect
import pickle
import subprocess
import sys
from typing import Any

import pytest
from conftest import make_optimizer

from swiftlr import _torch
from swiftlr.optim import lr_scheduler as S
from swiftlr.optim.swa_utils import SWALR


def schedulers(opt: Any) -> dict[str, Any]:
    """One of each swiftlr scheduler over ``opt``."""
    return {
        "StepLR": S.StepLR(opt, 3),
        "MultiStepLR": S.MultiStepLR(opt, [2, 4]),
        "ConstantLR": S.ConstantLR(opt),
        "LinearLR": S.LinearLR(opt),
        "ExponentialLR": S.ExponentialLR(opt, 0.9),
        "PolynomialLR": S.PolynomialLR(opt),
        "CosineAnnealingLR": S.CosineAnnealingLR(opt, 10),
        "LambdaLR": S.LambdaLR(opt, lambda e: 0.5**e),
        "MultiplicativeLR": S.MultiplicativeLR(opt, lambda e: 0.9),
        "SequentialLR": S.SequentialLR(opt, [S.ConstantLR(opt), S.ExponentialLR(opt, 0.9)], [2]),
        "ChainedScheduler": S.ChainedScheduler([S.ConstantLR(opt), S.ExponentialLR(opt, 0.9)]),
        "ReduceLROnPlateau": S.ReduceLROnPlateau(opt),
        "CyclicLR": S.CyclicLR(opt, 0.01, 0.1),
        "CosineAnnealingWarmRestarts": S.CosineAnnealingWarmRestarts(opt, 5),
        "OneCycleLR": S.OneCycleLR(opt, 1.0, total_steps=10),
        "SWALR": SWALR(opt, swa_lr=0.05),
        "WarmupCosineLR": S.WarmupCosineLR(opt, 2, 10),
        "InverseSqrtLR": S.InverseSqrtLR(opt, 2),
        "WarmupStableDecayLR": S.WarmupStableDecayLR(opt, 2, 2, 2),
        "PiecewiseLinearLR": S.PiecewiseLinearLR(opt, [0, 5], [1.0, 0.1]),
    }


def test_import_swiftlr_does_not_import_torch() -> None:
    code = "import sys, swiftlr, swiftlr.optim.lr_scheduler, swiftlr.schedules; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_numpy_user_gets_the_plain_classes() -> None:
    for name, scheduler in schedulers(make_optimizer([0.1], momentum=0.9)).items():
        assert "_torch_flavour_of" not in type(scheduler).__dict__, name
        assert all(not k.__module__.startswith("torch") for k in type(scheduler).__mro__), name


@pytest.fixture
def torch_opt(torch: Any) -> Any:
    model = torch.nn.Linear(2, 1)
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def test_over_a_torch_optimizer_every_scheduler_is_torchs(torch: Any, torch_opt: Any) -> None:
    import torch.optim.swa_utils

    lr_scheduler = torch.optim.lr_scheduler
    for name, scheduler in schedulers(torch_opt).items():
        assert isinstance(scheduler, lr_scheduler.LRScheduler), name
        torch_class = getattr(lr_scheduler, name, None) or getattr(torch.optim.swa_utils, name, None)
        if torch_class is not None:
            assert isinstance(scheduler, torch_class), name
        swiftlr_class = type(scheduler)._torch_flavour_of
        assert isinstance(scheduler, swiftlr_class) and type(scheduler).__name__ == name
    assert isinstance(S.ReduceLROnPlateau(torch_opt), lr_scheduler.ReduceLROnPlateau)


def test_swiftlr_classes_come_first_in_the_mro(torch: Any, torch_opt: Any) -> None:
    for name, scheduler in schedulers(torch_opt).items():
        mro = type(scheduler).__mro__
        first_torch = min(i for i, k in enumerate(mro) if k.__module__.startswith("torch."))
        assert all(not k.__module__.startswith("torch.") for k in mro[:first_torch]), name
        assert all(k.__module__.startswith("torch.") or k is object for k in mro[first_torch:]), name
        # every method swiftlr has resolves to swiftlr's
        for attr in ("step", "get_last_lr", "state_dict", "load_state_dict", "get_lr"):
            owner = next(k for k in mro if attr in k.__dict__)
            assert not owner.__module__.startswith("torch."), (name, attr)


def test_a_torch_flavoured_scheduler_steps_as_torchs(torch: Any) -> None:
    def run(lib: Any) -> list[Any]:
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = lib.OneCycleLR(opt, 1.0, total_steps=20)
        out = []
        for _ in range(20):
            opt.step()
            sched.step()
            out.append((sched.get_last_lr(), opt.param_groups[0]["momentum"]))
        return out

    assert run(S) == run(torch.optim.lr_scheduler)


def test_flavoured_schedulers_copy_and_pickle(torch: Any, torch_opt: Any) -> None:
    for name, scheduler in schedulers(torch_opt).items():
        if name in ("LambdaLR", "MultiplicativeLR"):
            continue  # lambdas do not pickle, in PyTorch either
        for clone in (copy.deepcopy(scheduler), pickle.loads(pickle.dumps(scheduler))):
            assert type(clone) is type(scheduler), name
            assert clone.state_dict().keys() == scheduler.state_dict().keys(), name


def test_a_flavour_name_resolves_only_to_a_class() -> None:
    with pytest.raises(AttributeError):
        _torch.__getattr__("not_a_flavour")
    with pytest.raises(AttributeError):
        _torch.__getattr__("TorchFlavour[swiftlr|__version__]")


def test_dynamo_skips_swiftlr_scheduler_files_as_it_skips_torchs(torch: Any, torch_opt: Any) -> None:
    """Torch's lr_scheduler.py is force-skipped (its optimizer.step wrapper
    recurses when traced); a flavour's files join it, whenever dynamo loads."""
    S.StepLR(torch_opt, 3)
    trace_rules = pytest.importorskip("torch._dynamo.trace_rules")
    skipped = trace_rules.FORCE_SKIP_FILES
    assert inspect.getfile(S.StepLR) in skipped
    assert inspect.getfile(_torch) in skipped
    assert inspect.getfile(S.SwiftScheduler) in skipped


def test_dynamo_loaded_after_the_scheduler_still_skips_its_files(torch: Any) -> None:
    code = (
        "import sys, torch, swiftlr.optim.lr_scheduler as S, inspect\n"
        "assert 'torch._dynamo.trace_rules' not in sys.modules\n"
        "S.StepLR(torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1), 3)\n"
        "import torch._dynamo.trace_rules as tr\n"
        "print(inspect.getfile(S.StepLR) in tr.FORCE_SKIP_FILES)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


class HalvingLR(S.LRScheduler):
    """A user's scheduler written in Python, as with PyTorch."""

    def get_lr(self) -> list[float]:
        return [group["lr"] * (0.5 if self.last_epoch > 0 else 1.0) for group in self.optimizer.param_groups]


def test_a_users_subclass_is_torchs_lrscheduler_and_pickles(torch: Any, torch_opt: Any) -> None:
    scheduler = HalvingLR(torch_opt)
    assert isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler) and isinstance(scheduler, HalvingLR)
    torch_opt.step()
    scheduler.step()
    assert scheduler.get_last_lr() == [0.05]
    clone = pickle.loads(pickle.dumps(scheduler))
    assert type(clone) is type(scheduler) and clone.get_last_lr() == [0.05]
