"""Keras 3 (jax backend in CI): a model compiled with ``Schedule.to_keras()``
trains with the schedule's lrs, saves the schedule as its name and arguments,
and ``keras.models.load_model`` reloads it (in a fresh process too) and keeps
training with the same lrs."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from swiftlr import schedules  # noqa: E402

from . import readme  # noqa: E402

X = np.ones((8, 2), np.float32)
Y = np.ones((8, 1), np.float32)


def compiled(learning_rate: Any) -> Any:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def lrs_while_fitting(model: Any, batches: int) -> list[float]:
    """The lr of each of ``batches`` jitted train steps, read before each (between
    steps: inside ``fit`` the JAX trainer holds the variables elsewhere)."""
    seen: list[float] = []
    for _ in range(batches):
        seen.append(float(model.optimizer.learning_rate))
        model.train_on_batch(X, Y)
    return seen


def save(model: Any, path: Path) -> None:
    """``model.save``; keras 3.15 itself warns while saving any model under the jax
    backend (numpy 2's ``__array__`` copy keyword), which this suite makes an error."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "__array__ implementation doesn't accept a copy keyword", DeprecationWarning)
        model.save(path)


def test_fit_save_load_and_keep_training(tmp_path: Path) -> None:
    sched = schedules.step_lr(0.1, step_size=3, gamma=0.5)
    model = compiled(sched.to_keras())
    assert lrs_while_fitting(model, 4) == np.float32(sched(np.arange(4))).tolist()
    path = tmp_path / "model.keras"
    save(model, path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))["compile_config"]["optimizer"]["config"]["learning_rate"]
    assert config["registered_name"] == "swiftlr>Schedule"
    assert config["config"] == {
        "function": "step_lr",
        "arguments": {"lr": 0.1, "step_size": 3, "gamma": 0.5},
        "steps": None,
    }
    reloaded = keras.models.load_model(path)
    assert int(reloaded.optimizer.iterations) == 4
    assert lrs_while_fitting(reloaded, 4) == np.float32(sched(np.arange(4, 8))).tolist()


def test_a_fresh_process_reloads_it(tmp_path: Path) -> None:
    sched = schedules.warmup_cosine_lr(0.05, warmup_steps=2, total_steps=20, closed_form=True)
    model = compiled(sched.to_keras())
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    save(model, path)
    code = (
        "import keras, numpy as np\n"
        "from swiftlr import schedules\n"  # keras imported first: swiftlr registers its class
        f"m = keras.models.load_model({str(path)!r})\n"
        "m.fit(np.ones((8, 2), np.float32), np.ones((8, 1), np.float32), batch_size=4, epochs=1, verbose=0)\n"
        "print(int(m.optimizer.iterations), float(m.optimizer.learning_rate))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4", repr(float(np.float32(sched(4))))]


def test_a_table_of_the_first_steps_clamps_and_saves_its_length() -> None:
    sched = schedules.step_lr(0.1, step_size=3, gamma=0.5)
    lr = sched.to_keras(steps=5)
    assert lr.get_config() == {
        "function": "step_lr",
        "arguments": {"lr": 0.1, "step_size": 3, "gamma": 0.5},
        "steps": 5,
    }
    assert [float(lr(k)) for k in range(8)] == np.float32(sched(np.minimum(np.arange(8), 4))).tolist()


def test_config_is_plain_and_checked() -> None:
    lr = schedules.multi_step_lr(0.1, milestones=(np.int64(2), 5)).to_keras()
    assert lr.get_config()["arguments"] == {"lr": 0.1, "milestones": [2, 5], "gamma": 0.1}
    assert json.dumps(lr.get_config())
    assert schedules.KerasSchedule is type(lr)
    with pytest.raises(ValueError, match="unknown swiftlr.schedules function 'eval'"):
        schedules.KerasSchedule("eval", {})
    with pytest.raises(ValueError, match="step_size must be positive"):
        schedules.KerasSchedule.from_config({"function": "step_lr", "arguments": {"lr": 0.1, "step_size": 0}})


def test_the_readme_example_runs(tmp_path: Path) -> None:
    assert readme.run(readme.block("import keras"), tmp_path) == ["0.004"]
    assert (tmp_path / "model.keras").exists()
