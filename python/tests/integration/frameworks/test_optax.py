"""optax: a swiftlr schedule as ``learning_rate`` of ``optax.sgd`` inside a
jitted training step, as it is (under ``jit``, ``scan``, ``vmap``, with x64)
or as ``to_jax``'s table: the applied lrs are the schedule's (rounded to
float32 as JAX does by default) and a table holds its last value past its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from swiftlr import schedules

from . import readme

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy


def applied_lrs(learning_rate: Any, steps: int) -> list[float]:
    """The lr of each step of optax.sgd, read back from the update of a unit gradient."""
    opt = optax.sgd(learning_rate=learning_rate)
    params = jnp.zeros(3)
    state = opt.init(params)

    @jax.jit
    def update(state: Any) -> Any:
        updates, state = opt.update(jnp.ones(3), state, params)
        return -updates[0], state

    out = []
    for _ in range(steps):
        lr, state = update(state)
        out.append(float(lr))
    return out


def test_sgd_under_jit_applies_the_schedule() -> None:
    sched = schedules.warmup_cosine_lr(0.1, warmup_steps=5, total_steps=30)
    got = applied_lrs(sched.to_jax(30), 35)
    want = sched(np.minimum(np.arange(35), 29)).astype(np.float32).tolist()
    assert got == want
    assert len(set(got)) > 10


def test_values_match_optaxs_own_schedule() -> None:
    """The same cosine decay as optax's closed form, which optax computes in
    float32 (swiftlr's table is float64, rounded once)."""
    ours = applied_lrs(schedules.cosine_annealing_lr(0.1, T_max=20).to_jax(21), 21)
    theirs = applied_lrs(optax.cosine_decay_schedule(0.1, decay_steps=20), 21)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)
    assert ours[0] == np.float32(0.1) and ours[-1] == 0.0


def test_a_schedule_as_it_is_under_jit() -> None:
    """No table and no length: optax calls the schedule with its traced count."""
    sched = schedules.warmup_cosine_lr(0.1, warmup_steps=5, total_steps=30)
    assert applied_lrs(sched, 31) == sched(np.arange(31)).astype(np.float32).tolist()


def test_under_scan_and_vmap_in_a_training_loop() -> None:
    sched = schedules.one_cycle_lr(0.2, total_steps=24)
    opt = optax.sgd(learning_rate=sched)

    def step(state: Any, _: Any) -> Any:
        updates, state = opt.update(jnp.ones(2), state, jnp.zeros(2))
        return state, -updates[0]

    _, lrs = jax.lax.scan(step, opt.init(jnp.zeros(2)), None, length=24)
    assert lrs.tolist() == sched(np.arange(24)).astype(np.float32).tolist()
    # Several runs at once (vmap over the initial counts).
    counts = jnp.array([0, 5, 11])
    assert jax.vmap(sched)(counts).tolist() == sched(np.array([0, 5, 11])).astype(np.float32).tolist()


def test_with_x64_optax_applies_the_float64_lrs() -> None:
    sched = schedules.cosine_annealing_lr(0.1, T_max=20)
    with jax.enable_x64(True):
        got = applied_lrs(sched, 21)
    assert got == sched(np.arange(21)).tolist()


def test_the_readme_example_runs(tmp_path: Path) -> None:
    assert readme.run(readme.block("import optax"), tmp_path) == ["True"]
