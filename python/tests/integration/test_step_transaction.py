"""A scheduler step is a transaction (param_groups.c): a step that fails
after the core stepped puts back the core's state, whether that step changed
only plain fields or replaced an array, on the cached fast path and off it;
and the group cache never hides a change made by Python code in the middle
of a step (group_cache.c)."""

from __future__ import annotations

import gc
import pickle

import pytest

from swiftlr.optim import lr_scheduler as L

# The groups belong to no optimizer that steps: PyTorch's step-order warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`:UserWarning")


class Groups:
    """An optimizer-like object: schedulers drive anything with param_groups."""

    def __init__(self, n: int = 3, lr: float = 0.1, **extra: float) -> None:
        self.param_groups = [{"lr": lr, **extra} for _ in range(n)]
        self.defaults = dict(extra)

    def step(self) -> None:
        pass


class Refusing(dict):  # type: ignore[type-arg]
    """A group whose lr writes fail while `armed`."""

    armed = False

    def __setitem__(self, key: str, value: object) -> None:
        if Refusing.armed and key == "lr":
            raise RuntimeError("read-only group")
        dict.__setitem__(self, key, value)


@pytest.fixture(autouse=True)
def disarmed() -> object:
    Refusing.armed = False
    yield
    Refusing.armed = False


def state(scheduler: L.LRScheduler, groups: Groups) -> bytes:
    return pickle.dumps((scheduler.state_dict(), scheduler.get_last_lr(), groups.param_groups))


def twin_steps(make: object, opt: Groups, twin_opt: Groups, scheduler: object, twin: object, step: object) -> None:
    """After the failure, `scheduler` steps exactly as `twin`, which never failed."""
    for _ in range(12):
        step(scheduler)
        step(twin)
        assert scheduler.get_last_lr() == twin.get_last_lr()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in twin_opt.param_groups]


def fail_then_match(
    make: object, step: object, prepare: object = lambda s: None, warmup: int = 3, **extra: float
) -> None:
    opt, twin_opt = Groups(**extra), Groups(**extra)
    opt.param_groups[2] = Refusing(opt.param_groups[2])
    scheduler, twin = make(opt), make(twin_opt)
    for _ in range(warmup):
        step(scheduler)
        step(twin)
    prepare(opt)
    prepare(twin_opt)
    before = state(scheduler, opt)
    Refusing.armed = True
    with pytest.raises(RuntimeError, match="read-only group"):
        step(scheduler)
    assert state(scheduler, opt) == before, "a failed step changed the scheduler or the groups"
    Refusing.armed = False
    twin_steps(make, opt, twin_opt, scheduler, twin, step)


def test_failed_write_puts_back_plain_fields() -> None:
    # Every ExponentialLR step writes: the failure comes after the core advanced last_epoch.
    fail_then_match(lambda o: L.ExponentialLR(o, gamma=0.5), lambda s: s.step())


def test_failed_write_puts_back_a_plateau_that_reduced() -> None:
    # patience 0: the second bad metric reduces; the failed step had counted it.
    fail_then_match(lambda o: L.ReduceLROnPlateau(o, patience=0, cooldown=2), lambda s: s.step(1.0), warmup=1)


def test_failed_write_puts_back_an_array_the_step_replaced() -> None:
    # New group values: OneCycleLR's step replaces the array it keeps them in;
    # its cycled momenta, written before the lrs, go back too.
    def new_max_lr(opt: Groups) -> None:
        for group in opt.param_groups:
            group["max_lr"] = 2.0

    fail_then_match(
        lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=100), lambda s: s.step(), prepare=new_max_lr, momentum=0.9
    )


def test_change_by_a_finalizer_after_the_writes_is_seen() -> None:
    """A collection in the allocation of the new `_last_lr` list runs a
    finalizer that sets a group's lr after the step wrote it: the next step
    chains from that value, not from a cached one."""
    opt = Groups(n=2, lr=1.0)
    scheduler = L.ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        scheduler.step()  # cached: every group is a plain dict of floats
    ran = []

    class Bomb:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            if not ran:
                ran.append(1)
                opt.param_groups[0]["lr"] = 0.75

    thresholds = gc.get_threshold()
    gc.disable()
    try:
        Bomb()
        # Lists come from a free list without counting as allocations: drain it.
        drained = [[] for _ in range(200)]
        gc.set_threshold(1, 1, 1)
        gc.enable()
        scheduler.step()
    finally:
        gc.set_threshold(*thresholds)
        gc.enable()
    del drained
    if not ran:
        pytest.fail("the finalizer did not run during the step")
    assert opt.param_groups[0]["lr"] == 0.75, "the finalizer ran before the step's writes"
    scheduler.step()
    assert opt.param_groups[0]["lr"] == 0.375
    assert opt.param_groups[1]["lr"] == 1.0 * 0.5**5


def test_change_between_steps_is_seen_on_the_fast_path() -> None:
    opt = Groups(n=4, lr=1.0)
    scheduler = L.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(4):
        scheduler.step()
    opt.param_groups[3]["lr"] = 0.3
    scheduler.step()  # last_epoch 5: no decay, the group keeps the value it was given
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.25, 0.25, 0.3]
    assert scheduler.get_last_lr() == [0.25, 0.25, 0.25, 0.3]
    scheduler.step()
    assert [g["lr"] for g in opt.param_groups] == [0.125, 0.125, 0.125, 0.15]


def test_new_group_dicts_then_cached_steps_report_the_groups_lrs() -> None:
    """A step over new group dicts (an optimizer's load_state_dict) reads
    them and hands its slots to the cache; the steps after it, read from the
    cache, report and change exactly what the groups hold."""
    opt = Groups(n=2, lr=1.0)
    scheduler = L.StepLR(opt, step_size=2, gamma=0.5)
    scheduler.step()
    opt.param_groups = [{"lr": 0.2}, {"lr": 0.4}]
    # A decay (written), then a step that writes nothing and keeps the groups' lr objects, then a decay.
    for expected in ([0.1, 0.2], [0.1, 0.2], [0.05, 0.1]):
        scheduler.step()
        assert [g["lr"] for g in opt.param_groups] == expected
        assert scheduler.get_last_lr() == expected
        assert all(lr is g["lr"] for lr, g in zip(scheduler.get_last_lr(), opt.param_groups))


def test_a_failed_beta1_write_puts_back_betas_and_lrs() -> None:
    # Adam-like groups: OneCycleLR cycles beta1 of `betas`, on the same route as every other step.
    fail_then_match(lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=100), lambda s: s.step(), betas=(0.9, 0.999))


@pytest.mark.parametrize("extra", [{"momentum": 0.9}, {"betas": (0.9, 0.999)}], ids=["momentum", "betas"])
def test_the_caches_write_policy_writes_as_the_general_one(extra: dict[str, object]) -> None:
    """Ordinary steps write through the cache's slots; a group touched
    before each step is read into the step's own slots. Both
    give the same lrs, momenta and betas, and the same objects in the groups."""
    cached, general = Groups(n=4, **extra), Groups(n=4, **extra)  # type: ignore[arg-type]
    make = lambda o: L.OneCycleLR(o, max_lr=[1.0, 0.5, 0.25, 2.0], total_steps=60)  # noqa: E731
    a, b = make(cached), make(general)
    for k in range(59):
        for g in general.param_groups:
            g["touched"] = k  # a new dict version: the cache does not know this group
        a.step()
        b.step()
        for x, y in zip(cached.param_groups, general.param_groups):
            assert {key: x[key] for key in ("lr", *extra)} == {key: y[key] for key in ("lr", *extra)}
            assert all(type(x[key]) is type(y[key]) for key in ("lr", *extra))
        assert a.get_last_lr() == b.get_last_lr()
        assert all(lr is g["lr"] for lr, g in zip(a.get_last_lr(), cached.param_groups))


class FakeTensor:
    """An lr with `fill_`, `clone` and `__float__`, as a 0-dim tensor has."""

    def __init__(self, value: float) -> None:
        self.value = value

    def fill_(self, value: object) -> FakeTensor:
        assert type(value) is float, "the writer fills with float(value)"
        self.value = value
        return self

    def clone(self) -> FakeTensor:
        return FakeTensor(self.value)

    def __float__(self) -> float:
        return self.value


def test_write_group_writes_as_the_step_does() -> None:
    """`_swiftlr.write_group`, every Python write of a group's lr, momentum or beta1."""
    from swiftlr import _swiftlr

    tensor = FakeTensor(0.5)
    group: dict[str, object] = {"lr": tensor, "momentum": 0.9, "betas": (0.9, 0.999)}
    _swiftlr.write_group(group, "lr", 2)
    assert group["lr"] is tensor and tensor.value == 2.0, "a tensor lr is filled in place"
    _swiftlr.write_group(group, "beta1", 0.8)
    assert group["betas"] == (0.8, 0.999)
    _swiftlr.write_group(group, "momentum", 0.7)
    assert group["momentum"] == 0.7
    plain: dict[str, object] = {}
    _swiftlr.write_group(plain, "lr", 3)
    assert plain == {"lr": 3}, "a missing or float lr is assigned as given"
    with pytest.raises(KeyError):
        _swiftlr.write_group(plain, "beta1", 0.5)
    with pytest.raises(TypeError, match="key must be a str"):
        _swiftlr.write_group(plain, 1, 0.5)
    with pytest.raises(TypeError, match="real number"):
        _swiftlr.write_group({"lr": FakeTensor(1.0)}, "lr", None)
