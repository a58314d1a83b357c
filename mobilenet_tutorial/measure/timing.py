"""Timing done properly: warm-up, a fixed thread count, repeated runs, median and spread.

Built on :mod:`torch.utils.benchmark`.  Absolute times on a shared machine are
noisy; what carries over from one run to the next is a *ratio* measured in the
same run.  :func:`compare` therefore interleaves the candidates round after
round and reports each one's time as a ratio to the first, with its spread.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from statistics import median

import pandas as pd
import torch

from .. import checks

# Importing torch.utils.benchmark imports torch.utils.cpp_extension, which logs a warning
# about CUDA_HOME on CPU-only machines that have a CUDA compiler; it is irrelevant here.
_cpp_logger = logging.getLogger("torch.utils.cpp_extension")
_previous_level = _cpp_logger.level
_cpp_logger.setLevel(logging.ERROR)
try:
    from torch.utils import benchmark
finally:
    _cpp_logger.setLevel(_previous_level)

__all__ = ["Timing", "measure", "compare", "time_model", "single_calls", "OtherLoad",
           "other_load", "peak_memory_mb", "keep_freed_memory"]


@dataclass(frozen=True)
class Timing:
    """Repeated timings of one callable, in seconds per call."""

    label: str
    times: list[float] = field(repr=False)
    threads: int

    @property
    def median(self) -> float:
        """Median seconds per call."""
        return float(median(self.times))

    @property
    def iqr(self) -> float:
        """Interquartile range of seconds per call (a robust measure of spread)."""
        q = torch.tensor(self.times, dtype=torch.float64).quantile(
            torch.tensor([0.25, 0.75], dtype=torch.float64)
        )
        return float(q[1] - q[0])

    def __str__(self) -> str:
        return (f"{self.label}: median {self.median * 1e3:.3f} ms, IQR {self.iqr * 1e3:.3f} ms "
                f"over {len(self.times)} blocks, {self.threads} thread(s)")


def _check(fn: Callable[[], object], threads: int, warmup: int) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be a callable taking no arguments, got {type(fn).__name__}")
    checks.positive_int("threads", threads)
    if warmup < 0:
        raise ValueError(f"warmup must be 0 or more, got {warmup}")


@contextlib.contextmanager
def _warmed_up(fn: Callable[[], object], threads: int, warmup: int) -> Iterator[None]:
    """Run with ``threads`` intra-op threads and no autograd, after ``warmup`` calls of ``fn``."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            for _ in range(warmup):
                fn()
            yield
    finally:
        torch.set_num_threads(previous)


def _seconds_of(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(fn: Callable[[], object], label: str = "", threads: int | None = None,
            warmup: int = 3, min_run_time: float = 0.5) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``torch.utils.benchmark`` blocks.

    Args:
        fn: a callable with no arguments (wrap arguments in a ``lambda``).
        label: a name for the result.
        threads: number of intra-op threads; defaults to ``torch.get_num_threads()``.
        warmup: untimed calls first (the first call often pays for allocation and
            kernel selection).
        min_run_time: seconds of timed calls at least; more gives a steadier median.
            ``0`` times exactly one call after the warm-up (the cheapest measurement,
            for slow callables in a quick run; it has no spread).

    Raises:
        TypeError: if ``fn`` is not callable.
        ValueError: if ``threads`` is below 1, or ``warmup`` or ``min_run_time`` negative.
    """
    threads = torch.get_num_threads() if threads is None else threads
    _check(fn, threads, warmup)
    if (isinstance(min_run_time, bool) or not isinstance(min_run_time, (int, float))
            or not math.isfinite(min_run_time) or min_run_time < 0):
        raise ValueError(f"min_run_time must be 0 or more seconds (a finite number), got "
                         f"{min_run_time!r}")
    with _warmed_up(fn, threads, warmup):
        if min_run_time == 0:
            times = [_seconds_of(fn)]
        else:
            timer = benchmark.Timer(stmt="with torch.inference_mode(): fn()",
                                    globals={"fn": fn, "torch": torch},
                                    num_threads=threads, label=label)
            times = list(timer.blocked_autorange(min_run_time=min_run_time).times)
    return Timing(label=label, times=times, threads=threads)


def time_model(model: torch.nn.Module, example: torch.Tensor, label: str = "",
               threads: int | None = None, warmup: int = 3,
               min_run_time: float = 0.5) -> Timing:
    """Time ``model(example)`` in eval mode, without autograd.  See :func:`measure`."""
    model.eval()
    return measure(lambda: model(example), label=label or type(model).__name__,
                   threads=threads, warmup=warmup, min_run_time=min_run_time)


def compare(candidates: Mapping[str, Callable[[], object]], rounds: int = 5,
            threads: int | Mapping[str, int] | None = None, warmup: int = 3,
            min_run_time: float = 0.2) -> pd.DataFrame:
    """Time several callables side by side, interleaved over ``rounds`` rounds.

    Each round times every candidate once (see :func:`measure`) and divides each
    median by the first candidate's median of the same round.  Interleaving makes
    the ratios robust to the machine getting faster or slower during the run.
    The first round makes ``warmup`` untimed calls per candidate, later rounds
    ``min(warmup, 1)``.  For slow callables, ``warmup=0`` with a small ``min_run_time``
    makes two calls per candidate and round (``torch.utils.benchmark`` makes one
    untimed call to choose its block size); ``warmup=0, min_run_time=0`` makes one.
    ``threads`` is one count for all candidates, or a mapping from every label to
    its own count (to compare thread counts themselves).

    Returns:
        A ``DataFrame`` indexed by label with columns ``median_ms``, ``iqr_ms`` and
        ``min_ms`` (over all timed blocks; the fastest block is the least disturbed by
        other programs), ``ratio`` (median over rounds of time divided by
        the first candidate's time), and ``ratio_min`` and ``ratio_max`` (its range
        over rounds).  ``speedup`` is ``1 / ratio``; ``threads`` is the thread count.
    """
    if not candidates:
        raise ValueError("compare needs at least one candidate")
    checks.positive_int("rounds", rounds)
    labels = list(candidates)
    times: dict[str, list[float]] = {label: [] for label in labels}
    ratios: dict[str, list[float]] = {label: [] for label in labels}
    if isinstance(threads, Mapping):
        if set(threads) != set(labels):
            raise ValueError(f"threads must give a count for exactly the candidates' labels "
                             f"{labels}, got {list(threads)}")
        used_threads = {label: int(threads[label]) for label in labels}
    else:
        count = torch.get_num_threads() if threads is None else threads
        used_threads = {label: count for label in labels}
    for round_index in range(rounds):
        medians = {}
        for label in labels:
            timing = measure(candidates[label], label=label, threads=used_threads[label],
                             warmup=warmup if round_index == 0 else min(warmup, 1),
                             min_run_time=min_run_time)
            times[label].extend(timing.times)
            medians[label] = timing.median
        for label in labels:
            ratios[label].append(medians[label] / medians[labels[0]])
    rows = []
    for label in labels:
        timing = Timing(label, times[label], used_threads[label])
        ratio = float(median(ratios[label]))
        rows.append({"label": label, "median_ms": timing.median * 1e3, "iqr_ms": timing.iqr * 1e3,
                     "min_ms": min(timing.times) * 1e3,
                     "ratio": ratio, "ratio_min": min(ratios[label]),
                     "ratio_max": max(ratios[label]), "speedup": 1.0 / ratio,
                     "threads": used_threads[label]})
    return pd.DataFrame(rows).set_index("label")


def single_calls(fn: Callable[[], object], calls: int, threads: int | None = None,
                 warmup: int = 0) -> list[float]:
    """Seconds taken by each of ``calls`` separate calls of ``fn()``, in order.

    Unlike :func:`measure`, nothing is averaged into blocks: with ``warmup=0``
    the first entry is the cost of the very first call, and the list shows how
    much single calls scatter.  Use it to *show* noise; use :func:`measure` or
    :func:`compare` to report a time.

    Raises:
        ValueError: if ``calls`` is less than 1 (or ``threads``, ``warmup`` are invalid).
    """
    threads = torch.get_num_threads() if threads is None else threads
    _check(fn, threads, warmup)
    checks.positive_int("calls", calls)
    with _warmed_up(fn, threads, warmup):
        return [_seconds_of(fn) for _ in range(calls)]


def _busy_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat; None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


@dataclass
class OtherLoad:
    """The share of all CPUs' time that *other* processes used while a block ran.

    ``share`` is ``nan`` where /proc/stat does not exist (not Linux).
    """

    share: float = float("nan")


@contextlib.contextmanager
def other_load() -> Iterator[OtherLoad]:
    """Measure how busy the other processes kept the CPUs during the ``with`` block.

    The machine's busy time (from /proc/stat) minus this process's own CPU time,
    as a fraction of the wall time of all CPUs.  A thread count measured while this
    is large says more about the other programs than about the threads.
    """
    result = OtherLoad()
    before, own_before, start = _busy_ticks(), time.process_time(), time.perf_counter()
    try:
        yield result
    finally:
        after, own_after = _busy_ticks(), time.process_time()
        wall = time.perf_counter() - start
        if before is not None and after is not None and after[1] > before[1] and wall > 0:
            cpus = os.cpu_count() or 1
            hertz = (after[1] - before[1]) / (wall * cpus)  # ticks per second per CPU
            others = (after[0] - before[0]) / hertz - (own_after - own_before)
            result.share = min(1.0, max(0.0, others / (wall * cpus)))


def _vm_kilobytes(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory_mb(fn: Callable[[], object], calls: int = 3) -> float:
    """Megabytes of resident memory that ``calls`` calls of ``fn()`` add at their peak.

    Memory freed earlier is returned to the system first (glibc's ``malloc_trim``), and
    the process's high-water mark of resident memory is reset (Linux's
    ``/proc/self/clear_refs``); it is read after the calls, and the resident memory before
    them is subtracted.  ``nan`` where this is not possible.

    Raises:
        ValueError: if ``calls`` is not a whole number from 1 to ``checks.LARGEST_INT``.
    """
    _check(fn, 1, 0)
    checks.positive_int("calls", calls, "such as 3")
    try:  # give memory that was freed earlier back to the system, so that reuse shows
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return float("nan")
    before = _vm_kilobytes("VmRSS")
    with torch.inference_mode():
        for _ in range(calls):
            fn()
    peak = _vm_kilobytes("VmHWM")
    if before is None or peak is None:
        return float("nan")
    return max(0, peak - before) / 1e3


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_GLIBC_DEFAULT_THRESHOLD = 128 * 1024


def keep_freed_memory(keep: bool = True) -> bool:
    """Let glibc's ``malloc`` reuse freed memory for large blocks (``True``), or not (``False``).

    By default glibc serves every block above a threshold (at most 32 MB) with a fresh
    ``mmap`` and returns it to the system when it is freed.  A network at a large batch
    allocates activations of hundreds of megabytes in every call, so each call page-faults
    and zero-fills all of them again.  With ``keep=True`` large blocks come from the heap
    and freed memory stays there for the next call; ``keep=False`` restores glibc's
    default thresholds.  Returns ``False`` (and changes nothing) where the C library is not
    glibc.
    """
    if not isinstance(keep, bool):
        raise TypeError(f"keep must be True or False, got {checks.shown(keep)}")
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mmap_threshold = 2**30 if keep else _GLIBC_DEFAULT_THRESHOLD
    trim_threshold = 2**31 - 1 if keep else _GLIBC_DEFAULT_THRESHOLD
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
                and mallopt(_M_TRIM_THRESHOLD, trim_threshold))
