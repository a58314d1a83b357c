"""Every exercise check runs under a time limit; a student's endless code ends in a hint."""

from __future__ import annotations

import importlib
import pkgutil
import signal
import time

import pytest
import torch
from torch import nn

import mobilenet_tutorial.exercises as exercises
from mobilenet_tutorial.exercises import core

CHAPTERS = [importlib.import_module(f"mobilenet_tutorial.exercises.{info.name}")
            for info in pkgutil.iter_modules(exercises.__path__) if info.name.startswith("ch")]
CHECKS = [(chapter, name) for chapter in CHAPTERS for name in chapter.__all__
          if name.startswith("check_")]


@pytest.mark.parametrize(("chapter", "name"), CHECKS,
                         ids=[f"{c.__name__.rsplit('.', 1)[1]}.{n}" for c, n in CHECKS])
def test_every_check_is_time_limited_and_keeps_its_documentation(chapter, name):
    check = getattr(chapter, name)
    assert getattr(check, "__wrapped__", None) is not None, f"{name} has no time limit"
    assert check.__doc__.startswith("Exercise "), f"{name}: the hint names the exercise"


class _Forever:
    """A number that never finishes becoming a float, and swallows ordinary exceptions."""

    def __float__(self) -> float:
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - what a careless student writes
                pass


class _EndlessLayer(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        while True:
            time.sleep(0.01)


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(core, "TIME_LIMIT_SECONDS", 0.3)


def test_an_endless_float_is_stopped_with_a_hint(short_limit, capsys):
    from mobilenet_tutorial.exercises import ch01

    start = time.perf_counter()
    assert ch01.check_conv_params(_Forever()) is False
    assert time.perf_counter() - start < 5
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 1: not yet. Hint: the check stopped after 0.3 s")


def test_an_endless_layer_is_stopped_even_inside_attempt(short_limit, capsys):
    from mobilenet_tutorial.exercises import ch01

    assert ch01.check_separable_layer(_EndlessLayer()) is False
    assert "the check stopped after 0.3 s" in capsys.readouterr().out


def test_the_previous_alarm_handler_is_restored_and_no_timer_is_left(short_limit):
    from mobilenet_tutorial.exercises import ch01

    def mine(signum, frame):
        raise AssertionError("not mine to call")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        assert ch01.check_conv_params(None) is False
        assert ch01.check_conv_params(_Forever()) is False
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_grader_timer_already_running_governs(short_limit):
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        with core._deadline(0.3) as limited:
            assert limited is False
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 30.0  # the grader's timer was left running
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_outside_the_main_thread_the_check_runs_without_a_limit():
    import threading

    seen = []
    thread = threading.Thread(target=lambda: seen.append(core._deadline(1.0).__enter__()))
    thread.start()
    thread.join()
    assert seen == [False]


def test_a_right_answer_still_passes_in_time(capsys):
    from mobilenet_tutorial.exercises import ch01
    from mobilenet_tutorial.measure import cost

    right = cost.conv2d_cost(64, 128, 5, 32, stride=2, padding=2, bias=True).params
    assert ch01.check_conv_params(right) is True
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_every_chapter_module_is_found():
    assert len(CHAPTERS) >= 8 and len(CHECKS) >= 33


@pytest.mark.parametrize(("chapter", "name"), CHECKS,
                         ids=[f"{c.__name__.rsplit('.', 1)[1]}.{n}" for c, n in CHECKS])
def test_no_check_changes_the_callers_random_numbers(chapter, name, capsys):
    check = getattr(chapter, name)
    answers = (None, 7, (1, 2, 3), nn.Conv2d(3, 8, 3), nn.Conv2d)  # built before seeding
    if name == "check_optimizer":  # its answer builds an optimizer for the model it is given
        answers += (lambda model: torch.optim.SGD(model.parameters(), lr=1e-3),)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    for answer in answers:
        check(answer)
    assert torch.equal(torch.rand(3), expected), f"{name} drew from torch's generator"
