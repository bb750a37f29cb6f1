"""``swiftlr/_jax.py``: a schedule as it is under ``jax.jit``, ``jax.vmap`` and
``jax.lax.scan`` (a host callback with the eager values), and
``Schedule.to_jax``, the schedule as a table-backed, jittable function of the
step, clamped past its end; jax imported only when needed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from swiftlr import schedules


def test_the_table_is_the_schedule_itself() -> None:
    sched = schedules.cosine_annealing_lr(0.1, T_max=50)
    fn = sched.to_jax(60)
    np.testing.assert_array_equal(fn.table, sched(np.arange(60)))


@pytest.mark.parametrize("steps", [0, -3, 2.5, True, "10"])
def test_steps_must_be_a_positive_integer(steps: object) -> None:
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        schedules.step_lr(0.1, step_size=3).to_jax(steps)  # type: ignore[arg-type]


def test_making_the_function_imports_no_jax() -> None:
    code = "import sys, swiftlr; swiftlr.schedules.step_lr(0.1, 3).to_jax(10); print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_under_jit_with_x64_it_is_exact_and_clamps() -> None:
    jax = pytest.importorskip("jax")
    sched = schedules.one_cycle_lr(0.5, total_steps=40)
    fn = sched.to_jax(40)
    with jax.enable_x64(True):
        jitted = jax.jit(fn)
        got = [float(jitted(jax.numpy.asarray(k))) for k in range(45)]
    want = list(sched(np.arange(40))) + [sched(39)] * 5
    assert got == want


def test_keras_optimizer_follows_the_schedule_and_clamps() -> None:
    keras = pytest.importorskip("keras")
    sched = schedules.step_lr(0.1, step_size=3, gamma=0.5)
    opt = keras.optimizers.SGD(learning_rate=sched.to_keras(8))
    var = keras.Variable(np.zeros(2, dtype=np.float32))
    got = []
    for _ in range(10):
        got.append(float(opt.learning_rate))
        opt.apply_gradients([(keras.ops.ones(2), var)])
    assert got == np.float32(sched(np.minimum(np.arange(10), 7))).tolist()
    assert opt.learning_rate.dtype == "float32" or str(opt.learning_rate.dtype).endswith("float32")


# A schedule as it is, under JAX's transformations (``traced_values``).


def test_a_schedule_under_jit_vmap_and_scan_gives_the_eager_values_in_float32() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    sched = schedules.cosine_annealing_lr(0.1, T_max=50)
    eager = np.float32(sched(np.arange(60)))
    jitted = jax.jit(sched)
    assert [jitted(k).item() for k in range(60)] == eager.tolist()
    assert jitted(3).dtype == jnp.float32
    assert jax.vmap(sched)(jnp.arange(60)).tolist() == eager.tolist()
    assert jax.jit(jax.vmap(sched))(jnp.arange(60).reshape(6, 10)).tolist() == eager.reshape(6, 10).tolist()
    _, scanned = jax.lax.scan(lambda carry, k: (carry, sched(k)), 0, jnp.arange(60))
    assert scanned.tolist() == eager.tolist()


def test_with_x64_the_values_are_the_eager_float64_bit_for_bit() -> None:
    jax = pytest.importorskip("jax")
    sched = schedules.one_cycle_lr(0.5, total_steps=40)  # stepping's lrs, a recurrence of 40 steps
    with jax.enable_x64(True):
        jitted = jax.jit(sched)
        got = [jitted(k).item() for k in range(41)]
        assert jitted(3).dtype == jax.numpy.float64
    assert got == sched(np.arange(41)).tolist()


def test_what_cannot_work_is_a_clear_error() -> None:
    jax = pytest.importorskip("jax")
    sched = schedules.step_lr(0.1, step_size=3)
    with pytest.raises(TypeError, match="steps must be integers, got a traced array of float32"):
        jax.jit(sched)(1.5)
    with pytest.raises(Exception, match="steps must be non-negative, got -1"):  # raised by the callback, when run
        jax.jit(sched)(-1).block_until_ready()


def test_tracing_imports_nothing_when_jax_is_absent() -> None:
    # No jax in sys.modules: a plain call never looks for a tracer type.
    code = "import sys, swiftlr.schedules as s; print(s.step_lr(0.1, 3)(2), 'jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0.1", "False"]
