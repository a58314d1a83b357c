"""Unit tests of mobilenet_tutorial.bench with fake callables whose cost is known."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from mobilenet_tutorial.measure import timing


def _sleeper(seconds: float):
    return lambda: time.sleep(seconds)


class _Counter:
    """A callable that counts its calls and sleeps ``seconds`` each time."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds
        self.threads_seen: set[int] = set()

    def __call__(self) -> None:
        self.calls += 1
        self.threads_seen.add(torch.get_num_threads())
        if self.seconds:
            time.sleep(self.seconds)


def test_timing_median_and_iqr_are_exact():
    result = timing.Timing("t", [5.0, 1.0, 4.0, 2.0, 3.0], threads=1)
    assert result.median == 3.0
    assert result.iqr == 2.0  # quartiles 2 and 4 (linear interpolation): exact in binary
    assert "median 3000.000 ms" in str(result)


def test_measure_times_a_sleep_and_restores_the_thread_count():
    before = torch.get_num_threads()
    counter = _Counter(0.01)
    result = timing.measure(counter, label="sleep", threads=1, warmup=2, min_run_time=0.05)
    assert 0.0095 <= result.median < 0.05
    assert result.threads == 1 and result.label == "sleep"
    assert counter.threads_seen == {1}
    assert torch.get_num_threads() == before
    assert counter.calls >= 2 + 1 + len(result.times)  # warm-up, block-size estimate, blocks


def test_a_slow_callable_costs_warmup_plus_two_calls():
    # torch.utils.benchmark makes one untimed call to size its blocks, then at least one block.
    counter = _Counter(0.02)
    result = timing.measure(counter, warmup=1, threads=1, min_run_time=0.001)
    assert counter.calls == 1 + 2
    assert len(result.times) == 1


def test_min_run_time_zero_times_exactly_one_call_after_the_warmup():
    counter = _Counter(0.01)
    result = timing.measure(counter, warmup=2, threads=1, min_run_time=0)
    assert counter.calls == 2 + 1
    assert len(result.times) == 1 and result.times[0] >= 0.0095
    counter = _Counter(0.01)
    result = timing.compare({"a": counter}, rounds=2, warmup=0, threads=1, min_run_time=0)
    assert counter.calls == 2
    assert result.loc["a", "iqr_ms"] >= 0


def test_compare_gives_a_ratio_of_two_for_a_callable_twice_as_slow():
    result = timing.compare({"short": _sleeper(0.01), "long": _sleeper(0.02)}, rounds=3,
                           threads=1, warmup=1, min_run_time=0.04)
    assert list(result.index) == ["short", "long"]
    assert result.loc["short", "ratio"] == 1.0
    assert 1.5 < result.loc["long", "ratio"] < 2.6
    assert result.loc["long", "ratio_min"] <= result.loc["long", "ratio"] <= result.loc[
        "long", "ratio_max"]
    assert result.loc["long", "speedup"] == 1 / result.loc["long", "ratio"]  # the same division
    assert 9.5 <= result.loc["short", "median_ms"] < 50
    assert set(result["threads"]) == {1}


def test_compare_with_no_warmup_makes_two_calls_per_candidate_and_round():
    first, second = _Counter(0.02), _Counter(0.02)
    timing.compare({"a": first, "b": second}, rounds=3, warmup=0, threads=1, min_run_time=0.001)
    assert first.calls == second.calls == 3 * 2


def test_compare_warms_up_fully_only_in_the_first_round():
    counter = _Counter(0.02)
    timing.compare({"a": counter}, rounds=3, warmup=3, threads=1, min_run_time=0.001)
    assert counter.calls == (3 + 2) + 2 * (1 + 2)


def test_compare_runs_each_candidate_with_its_own_thread_count():
    one, two = _Counter(), _Counter()
    result = timing.compare({"one": one, "two": two}, rounds=1, threads={"one": 1, "two": 2},
                           warmup=0, min_run_time=0.001)
    assert one.threads_seen == {1} and two.threads_seen == {2}
    assert result["threads"].tolist() == [1, 2]


def test_single_calls_returns_one_time_per_call_first_call_included():
    state = {"calls": 0}

    def slow_first() -> None:
        state["calls"] += 1
        time.sleep(0.03 if state["calls"] == 1 else 0.002)

    times = timing.single_calls(slow_first, calls=5, threads=1)
    assert len(times) == 5 and state["calls"] == 5
    assert times[0] >= 0.03 and max(times[1:]) < times[0]
    assert timing.single_calls(slow_first, calls=2, warmup=3)[0] < 0.03
    assert state["calls"] == 5 + 3 + 2


def test_time_model_puts_the_model_in_eval_mode_and_names_it():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).train()
    result = timing.time_model(model, torch.zeros(1, 4), threads=1, min_run_time=0.01)
    assert not model.training
    assert result.label == "Sequential"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: timing.measure(42), "callable"),
        (lambda: timing.measure(_sleeper(0), threads=0), "threads"),
        (lambda: timing.measure(_sleeper(0), warmup=-1), "warmup"),
        (lambda: timing.measure(_sleeper(0), min_run_time=-1), "min_run_time"),
        (lambda: timing.compare({}), "at least one candidate"),
        (lambda: timing.compare({"a": _sleeper(0)}, rounds=0), "rounds"),
        (lambda: timing.compare({"a": _sleeper(0)}, threads={"b": 1}), "exactly the candidates"),
        (lambda: timing.single_calls(_sleeper(0), calls=0), "calls"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, "0.5", True])
def test_min_run_time_must_be_a_finite_number_of_seconds(bad):
    with pytest.raises(ValueError, match="min_run_time must be 0 or more seconds"):
        timing.measure(lambda: None, min_run_time=bad)


def test_compare_reports_the_fastest_block():
    table = timing.compare({"a": _sleeper(0.002)}, rounds=2, warmup=0, min_run_time=0.01)
    assert table.loc["a", "min_ms"] <= table.loc["a", "median_ms"]
    assert table.loc["a", "min_ms"] >= 2.0


def test_other_load_is_a_share_between_zero_and_one():
    with timing.other_load() as load:
        time.sleep(0.05)
    assert load.share != load.share or 0.0 <= load.share <= 1.0  # nan where not Linux


def test_peak_memory_sees_a_large_temporary_and_refuses_bad_calls():
    peak = timing.peak_memory_mb(lambda: torch.ones(20_000_000).sum(), calls=1)  # 80 MB
    assert peak != peak or peak >= 70.0
    with pytest.raises(ValueError, match="calls must be a positive integer"):
        timing.peak_memory_mb(lambda: None, calls=0)
    with pytest.raises(TypeError, match="callable"):
        timing.peak_memory_mb(3)


def test_keep_freed_memory_switches_and_restores():
    import sys

    changed = timing.keep_freed_memory(True)
    assert timing.keep_freed_memory(False) == changed
    if sys.platform == "linux":
        assert isinstance(changed, bool)


@pytest.mark.parametrize("calls", [0, 2.5, None, 10**400, True])
def test_peak_memory_names_bad_calls_instead_of_looping(calls):
    with pytest.raises(ValueError, match="calls must be a positive integer"):
        timing.peak_memory_mb(lambda: None, calls=calls)


@pytest.mark.parametrize("keep", [1, None, "yes"])
def test_keep_freed_memory_takes_a_boolean(keep):
    with pytest.raises(TypeError, match="keep must be True or False"):
        timing.keep_freed_memory(keep)
