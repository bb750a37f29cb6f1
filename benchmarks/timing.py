"""Timing that survives a shared, noisy machine: contenders run interleaved,
round after round, and each keeps its best round; where the memory's
bandwidth decides, contenders are compared round by round instead."""

from __future__ import annotations

import contextlib
import gc
import os
import random
import statistics
import threading
import time
from collections.abc import Callable

SETTLE_WINDOW = 2e-3  # seconds without another thread running that count as quiet
SETTLE_LIMIT = 0.1  # stop waiting after this long (a thread that never sleeps)


def thread_cpu(native_id: int) -> float:
    """CPU seconds used so far by the thread `native_id` of this process
    (Linux's CPU clock of a thread id, `pthread_getcpuclockid`'s encoding)."""
    return time.clock_gettime((~native_id << 3) | 6)


def _other_threads_cpu() -> float:
    """CPU seconds used so far by this process's other threads.

    Read per thread, not as process time minus this thread's: the process
    clock adds the other threads' time only at the scheduler's tick (every
    4 ms here), a thread's clock up to the nanosecond."""
    me = threading.get_native_id()
    total = 0.0
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != me:
            with contextlib.suppress(OSError):  # the thread ended meanwhile
                total += thread_cpu(int(tid))
    return total


def settle(window: float = SETTLE_WINDOW, limit: float = SETTLE_LIMIT) -> float:
    """Wait until no other thread of this process uses the CPU; return the seconds waited.

    A thread pool keeps its workers spinning for a while after each parallel
    call, so that the next call finds them awake: torch's OpenMP workers spin
    about 8 ms, swiftlr's 50 us. On a machine with few cores, a contender timed
    while another library's workers still spin runs with a core less (measured
    here, 2 cores, 1e6 float64 SGD: 250 us alone, 500 us right after torch).
    The caller busy-waits rather than sleeps, so that its core stays out of
    idle states, until the other threads have not run for `window` seconds.
    """
    start = quiet_since = time.perf_counter()
    others = _other_threads_cpu()
    while True:
        now = time.perf_counter()
        now_others = _other_threads_cpu()
        if now - start >= limit:  # a thread that never goes quiet: stop waiting
            return now - start
        if now_others - others > window / 50:  # another thread ran: start over
            others, quiet_since = now_others, now
        elif now - quiet_since >= window:
            return now - start


def interleaved_samples(
    contenders: dict[str, Callable[[], None]], rounds: int, repeat: int = 1
) -> dict[str, list[float]]:
    """Seconds per call of each contender in each of `rounds` rounds (the
    mean over `repeat` back-to-back calls): sample `r` of every contender was
    taken within the same round, moments apart. Each round runs every
    contender once, in turn (a new order each round), so a burst of noise
    hits all of them alike. Each sample starts once the previous contender's
    worker threads have stopped spinning (`settle`), then with one untimed
    call: it times steps that find their data where the previous step of the
    same loop left it (in cache when it fits) and their own workers awake,
    not the first step after the other contenders evicted it."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        order, shuffle = list(contenders), random.Random(0).shuffle
        for _ in range(rounds):
            # A new order each round (the same in every run): no contender
            # always runs after the same one, in the same place.
            shuffle(order)
            for name in order:
                fn = contenders[name]
                settle()
                fn()
                start = time.perf_counter()
                for _ in range(repeat):
                    fn()
                samples[name].append((time.perf_counter() - start) / repeat)
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def best_of_interleaved(contenders: dict[str, Callable[[], None]], rounds: int, repeat: int = 1) -> dict[str, float]:
    """Seconds per call of each contender: its best round of
    `interleaved_samples` (noise on a CPU-bound step only ever adds time)."""
    return {name: min(times) for name, times in interleaved_samples(contenders, rounds, repeat).items()}


def paired_ratio(samples: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """The median over rounds of `numerator`'s time over `denominator`'s in
    the same round.

    For steps that stream from memory: the host's memory bandwidth drifts by
    a fifth within minutes here (a 5e7-element float64 Adam step took 36 ms
    in one minute and 53 ms in the next), so each contender's best round
    says more about when its luckiest round fell than about the contender.
    Two samples of one round were taken moments apart, at the same
    bandwidth: their ratio cancels the drift, and the median discards the
    rounds a burst of noise hit one side of."""
    return statistics.median(n / d for n, d in zip(samples[numerator], samples[denominator], strict=True))
