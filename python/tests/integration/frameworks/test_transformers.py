"""transformers: ``Trainer(optimizers=(opt, scheduler))`` with a swiftlr
scheduler (stepped per optimizer step), ReduceLROnPlateau stepped on
``metric_for_best_model`` after each evaluation, and ``save_steps`` +
``resume_from_checkpoint``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .support import LIBRARIES, assert_same_lrs, dataset, model, torch, warmup_plateau

transformers = pytest.importorskip("transformers")


class Regression(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.net = model()

    def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
        out = self.net(x)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


class Rows(torch.utils.data.Dataset):  # type: ignore[misc]
    def __init__(self, seed: int) -> None:
        self.data = dataset(seed=seed)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict[str, Any]:
        x, y = self.data[i]
        return {"x": x, "labels": y}


class RecordLR(transformers.TrainerCallback):  # type: ignore[misc]
    def __init__(self) -> None:
        self.lrs: list[float] = []

    def on_step_end(self, args: Any, state: Any, control: Any, optimizer: Any = None, **kwargs: Any) -> None:
        self.lrs.append(optimizer.param_groups[0]["lr"])


def train(
    lib_name: str, make: Callable[[Any, Any], Any], out: Path, epochs: int = 3, resume: Any = None, **arguments: Any
) -> list[float]:
    net = Regression()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    options: dict[str, Any] = {
        "output_dir": str(out),
        "per_device_train_batch_size": 8,
        "num_train_epochs": epochs,
        "report_to": "none",
        "use_cpu": True,
        "save_strategy": "no",
        "disable_tqdm": True,
        "seed": 0,
        "dataloader_num_workers": 0,
    }
    options.update(arguments)
    record = RecordLR()
    trainer = transformers.Trainer(
        model=net,
        args=transformers.TrainingArguments(**options),
        train_dataset=Rows(0),
        eval_dataset=Rows(1),
        optimizers=(opt, make(LIBRARIES[lib_name], opt)),
        callbacks=[record],
    )
    trainer.train(resume_from_checkpoint=resume)
    return record.lrs


SCHEDULERS: dict[str, Callable[[Any, Any], Any]] = {
    "OneCycleLR": lambda lib, opt: lib.OneCycleLR(opt, max_lr=0.5, total_steps=12),
    "WarmupCosine": lambda lib, opt: lib.SequentialLR(
        opt, [lib.LinearLR(opt, 0.1, total_iters=3), lib.CosineAnnealingLR(opt, T_max=9)], milestones=[3]
    ),
}

PLATEAU = {
    "eval_strategy": "steps",
    "eval_steps": 2,
    "metric_for_best_model": "loss",
}


def plateau(lib: Any, opt: Any) -> Any:
    return lib.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_trainer_steps_a_scheduler_as_torchs(name: str, tmp_path: Path) -> None:
    torch_lrs = train("torch", SCHEDULERS[name], tmp_path / "torch")
    assert_same_lrs(torch_lrs, train("swiftlr", SCHEDULERS[name], tmp_path / "swiftlr"))
    assert len(torch_lrs) == 12 and len(set(torch_lrs)) > 1


def test_trainer_steps_plateau_on_metric_for_best_model(tmp_path: Path) -> None:
    torch_lrs = train("torch", plateau, tmp_path / "torch", **PLATEAU)
    assert_same_lrs(torch_lrs, train("swiftlr", plateau, tmp_path / "swiftlr", **PLATEAU))
    assert len(set(torch_lrs)) > 1, "the plateau never reduced: the test would prove nothing"


def test_trainer_steps_warmup_then_plateau_as_by_hand(tmp_path: Path) -> None:
    """swiftlr's SequentialLR with a plateau stage, against the same schedule by hand with torch's classes."""
    by_hand = train("torch", warmup_plateau, tmp_path / "torch", epochs=6, **PLATEAU)
    assert_same_lrs(by_hand, train("swiftlr", warmup_plateau, tmp_path / "swiftlr", epochs=6, **PLATEAU))
    assert len(set(by_hand)) > 3, "warmup and reductions: the test would prove nothing otherwise"


@pytest.mark.parametrize("saved_by,resumed_by", [("swiftlr", "swiftlr"), ("torch", "swiftlr"), ("swiftlr", "torch")])
@pytest.mark.parametrize("name", ["OneCycleLR", "plateau"])
def test_save_steps_and_resume_from_checkpoint(name: str, saved_by: str, resumed_by: str, tmp_path: Path) -> None:
    make = plateau if name == "plateau" else SCHEDULERS[name]
    extra = PLATEAU if name == "plateau" else {}
    straight = train("torch", make, tmp_path / "straight", **extra)
    saving = {"save_strategy": "steps", "save_steps": 6, **extra}
    first = train(saved_by, make, tmp_path / "run", **saving)
    assert (tmp_path / "run" / "checkpoint-6").is_dir()
    resumed = train(resumed_by, make, tmp_path / "run", resume=str(tmp_path / "run" / "checkpoint-6"), **extra)
    assert_same_lrs(straight, first[:6] + resumed)


@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
def test_cooldown_equals_get_wsd_schedule_decay_live(decay_type: str) -> None:
    """swiftlr's CooldownLR, built where transformers' WSD schedule starts decaying, equals it bit for bit."""
    warmup, stable, decay, ratio = 5, 7, 23, 0.13

    def run(opt: Any, scheduler: Any, steps: int) -> list[float]:
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(steps):
            opt.step()
            scheduler.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs

    opt = torch.optim.SGD(model().parameters(), lr=0.37)
    wsd = transformers.get_wsd_schedule(
        opt, warmup, decay, num_stable_steps=stable, decay_type=decay_type, min_lr_ratio=ratio
    )
    expected = run(opt, wsd, warmup + stable + decay + 4)[warmup + stable :]
    opt = torch.optim.SGD(model().parameters(), lr=0.37)  # the stable phase's lr
    cooldown = LIBRARIES["swiftlr"].CooldownLR(opt, decay, decay_type=decay_type, min_lr_ratio=ratio)
    assert_same_lrs(expected, run(opt, cooldown, decay + 4))
