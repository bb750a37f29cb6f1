"""Lightning: swiftlr schedulers returned from ``configure_optimizers`` as
users write them (bare, the dict with ``interval: 'step'``, ReduceLROnPlateau
with ``monitor``), ``LearningRateMonitor``, and ``ckpt_path=`` resume from
checkpoints written with either library's scheduler."""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .support import LIBRARIES, assert_same_lrs, dataset, model, torch, warmup_plateau

pl = pytest.importorskip("lightning.pytorch")

pytestmark = [
    # Lightning's advice for real runs (more dataloader workers, logging intervals)
    pytest.mark.filterwarnings("ignore::lightning.fabric.utilities.warnings.PossibleUserWarning"),
    # Lightning 2.6 on torch's pytree API
    pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning"),
]

SchedulerConf = Callable[[Any, Any], Any]  # (lr_scheduler module, optimizer) -> scheduler or dict


class Regression(pl.LightningModule):  # type: ignore[misc]
    def __init__(self, lib: Any, conf: SchedulerConf, lr: float = 0.1) -> None:
        super().__init__()
        self.net = model()
        self.lib, self.conf, self.lr = lib, conf, lr
        self.lrs: list[float] = []

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        self.lrs.append(self.optimizers().param_groups[0]["lr"])

    def configure_optimizers(self) -> Any:
        opt = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
        return {"optimizer": opt, "lr_scheduler": self.conf(self.lib, opt)}

    def train_dataloader(self) -> Any:
        return torch.utils.data.DataLoader(dataset(), batch_size=8)


def trainer(epochs: int, tmp_path: Path, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "accelerator": "cpu",
        "devices": 1,
        "max_epochs": epochs,
        "logger": False,
        "enable_checkpointing": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "default_root_dir": tmp_path,
    }
    options.update(kwargs)
    return pl.Trainer(**options)


def fit(lib_name: str, conf: SchedulerConf, tmp_path: Path, epochs: int = 6) -> list[float]:
    module = Regression(LIBRARIES[lib_name], conf)
    trainer(epochs, tmp_path / lib_name).fit(module)
    return module.lrs


CONFS: dict[str, SchedulerConf] = {
    "bare StepLR": lambda lib, opt: lib.StepLR(opt, step_size=2, gamma=0.5),
    "bare CosineAnnealingLR": lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=4),
    "interval step OneCycleLR": lambda lib, opt: {
        "scheduler": lib.OneCycleLR(opt, max_lr=0.5, total_steps=24),
        "interval": "step",
    },
    "interval step SequentialLR": lambda lib, opt: {
        "scheduler": lib.SequentialLR(
            opt, [lib.LinearLR(opt, 0.1, total_iters=4), lib.ExponentialLR(opt, 0.9)], milestones=[4]
        ),
        "interval": "step",
    },
    "plateau with monitor": lambda lib, opt: {
        "scheduler": lib.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5),
        "monitor": "train_loss",
    },
    # swiftlr's SequentialLR with a plateau stage against the same schedule by hand with torch's classes
    "warmup then plateau with monitor": lambda lib, opt: {
        "scheduler": warmup_plateau(lib, opt),
        "monitor": "train_loss",
    },
}


@pytest.mark.parametrize("name", CONFS)
def test_fit_lrs_equal_torchs(name: str, tmp_path: Path) -> None:
    conf = CONFS[name]
    torch_lrs = fit("torch", conf, tmp_path)
    assert_same_lrs(torch_lrs, fit("swiftlr", conf, tmp_path))
    assert len(set(torch_lrs)) > 1, "the schedule never moved: the test would prove nothing"


def test_learning_rate_monitor_logs_torchs_values(tmp_path: Path) -> None:
    def logged(lib_name: str) -> list[str]:
        conf = CONFS["interval step OneCycleLR"]
        module = Regression(LIBRARIES[lib_name], conf)
        logger = pl.loggers.CSVLogger(tmp_path / lib_name, name="run")
        monitor = pl.callbacks.LearningRateMonitor(logging_interval="step", log_momentum=True)
        trainer(3, tmp_path / lib_name, logger=logger, callbacks=[monitor], log_every_n_steps=1).fit(module)
        with open(Path(logger.log_dir) / "metrics.csv") as f:
            rows = list(csv.DictReader(f))
        assert {"lr-SGD", "lr-SGD-momentum"} <= set(rows[0])
        return [(row["lr-SGD"], row["lr-SGD-momentum"]) for row in rows if row["lr-SGD"]]

    assert_same_lrs(logged("torch"), logged("swiftlr"))


@pytest.mark.parametrize("saved_by,resumed_by", [("swiftlr", "swiftlr"), ("torch", "swiftlr"), ("swiftlr", "torch")])
@pytest.mark.parametrize("name", ["interval step OneCycleLR", "plateau with monitor"])
def test_ckpt_path_resume(name: str, saved_by: str, resumed_by: str, tmp_path: Path) -> None:
    conf = CONFS[name]
    straight = fit("torch", conf, tmp_path / "straight", epochs=3)

    first = Regression(LIBRARIES[saved_by], conf)
    run = trainer(2, tmp_path / "first")
    run.fit(first)
    checkpoint = tmp_path / "half.ckpt"
    run.save_checkpoint(checkpoint)

    second = Regression(LIBRARIES[resumed_by], conf)
    trainer(3, tmp_path / "second").fit(second, ckpt_path=checkpoint)
    assert_same_lrs(straight, first.lrs + second.lrs)


class Plain(pl.LightningModule):  # type: ignore[misc]
    """What ``Tuner.lr_find`` sweeps: SGD with momentum on the regression, no scheduler."""

    def __init__(self, data: Any) -> None:
        super().__init__()
        self.net, self.data = model(), data

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        return torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)

    def train_dataloader(self) -> Any:
        return torch.utils.data.DataLoader(self.data, batch_size=8)


def test_lr_find_suggestion_trains_at_least_as_well_as_tuners(tmp_path: Path) -> None:
    """swiftlr.lr_find and Lightning's ``Tuner.lr_find`` sweep the same module over the same batches; each
    suggestion then trains 60 steps from the same start: swiftlr's ends at a loss no higher than Lightning's."""
    import swiftlr

    data = dataset(n=8 * 60, seed=1)
    batches = list(torch.utils.data.DataLoader(data, batch_size=8))
    found = pl.tuner.Tuner(trainer(1, tmp_path)).lr_find(
        Plain(data), min_lr=1e-5, max_lr=10.0, num_training=60, update_attr=False
    )
    theirs = found.suggestion() if found is not None else None

    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    stream = itertools.cycle(batches)

    def train_step() -> Any:
        x, y = next(stream)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    ours = swiftlr.lr_find(opt, train_step, start_lr=1e-5, end_lr=10.0, num_steps=60, restore=[net, opt]).suggestion

    def final_loss(lr: float) -> float:
        trained = model()
        sgd = torch.optim.SGD(trained.parameters(), lr=lr, momentum=0.9)
        for x, y in batches:
            sgd.zero_grad()
            torch.nn.functional.mse_loss(trained(x), y).backward()
            sgd.step()
        with torch.no_grad():
            loss = float(torch.nn.functional.mse_loss(trained(data.tensors[0]), data.tensors[1]))
        return loss if math.isfinite(loss) else math.inf

    assert math.isfinite(ours) and 1e-5 < ours < 10.0
    ours_loss, theirs_loss = final_loss(ours), final_loss(theirs) if theirs is not None else math.inf
    print(f"swiftlr {ours:.3g}: {ours_loss:.4g}; Lightning {theirs}: {theirs_loss:.4g}")
    assert ours_loss <= theirs_loss and ours_loss < 0.1 * final_loss(0.0)
