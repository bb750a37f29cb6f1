"""optax: a swiftlr schedule as ``learning_rate`` of ``optax.sgd`` inside a
jitted training step: the applied lrs are the schedule's (rounded to float32
as JAX does by default) and hold their last value past the table's end."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from swiftlr import schedules

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
