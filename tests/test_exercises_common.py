"""The shared reporting of exercise checks."""

from __future__ import annotations

from mobilenet_tutorial.exercises import close_enough, report


def test_report_pass(capsys):
    assert report(True, "Exercise 1", "think about groups") is True
    out = capsys.readouterr().out
    assert "Exercise 1" in out and "correct" in out and "groups" not in out


def test_report_fail_prints_the_hint(capsys):
    assert report(False, "Exercise 2", "think about groups") is False
    out = capsys.readouterr().out
    assert "not yet" in out and "think about groups" in out


def test_close_enough():
    assert close_enough(1.0 + 1e-9, 1.0)
    assert not close_enough(1.01, 1.0)
    assert not close_enough(None, 1.0)
    assert not close_enough("abc", 1.0)
    assert close_enough("2", 2.0)


def test_is_number():
    from mobilenet_tutorial.exercises import is_number

    assert is_number(3) and is_number(2.5) and is_number("7")
    assert not is_number(None)
    assert not is_number(True)
    assert not is_number(float("nan")) and not is_number(float("inf"))
    assert not is_number("seven")
