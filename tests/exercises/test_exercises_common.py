"""The shared reporting of exercise checks, and the assertions every chapter's tests use.

The chapter tests (``test_exercises_chNN.py``) import :func:`assert_verdict` (or
:func:`assert_right` and :func:`assert_hint`) from here: a check passes with one
``correct`` line, or fails with a hint that names the clue and does not show the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from mobilenet_tutorial.exercises import close_enough, is_number, report


def assert_right(capsys: pytest.CaptureFixture[str], check: Callable[..., bool],
                 *args: object) -> None:
    """``check(*args)`` returns True and prints one line saying the exercise is correct."""
    assert check(*args) is True
    out = capsys.readouterr().out
    assert out.startswith("✅ Exercise ") and out.endswith(": correct.\n"), out
    assert out.count("\n") == 1, out


def assert_hint(capsys: pytest.CaptureFixture[str], check: Callable[..., bool], *args: object,
                clue: str = "Hint:", hidden: Iterable[str] = ()) -> str:
    """``check(*args)`` returns False and prints one hint containing ``clue``; return it.

    No string of ``hidden`` (an answer the hint must not give away) may appear in the
    hint, as printed or with the commas and underscores of grouped digits removed.
    """
    assert check(*args) is False
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise ") and ": not yet. Hint: " in out, out
    assert out.count("\n") == 1 and "correct" not in out, out
    assert clue in out, out
    plain = out.replace(",", "").replace("_", "")
    for answer in hidden:
        assert answer not in out and answer not in plain, (answer, out)
    return out


RIGHT = None
"""The clue of a right answer in a table of ``(check, answer, clue)``: it must pass."""


def assert_verdict(capsys: pytest.CaptureFixture[str], check: Callable[..., bool], answer: object,
                   clue: str | None, hidden: Iterable[str] = ()) -> None:
    """:func:`assert_right` if ``clue`` is :data:`RIGHT`, else :func:`assert_hint` with it."""
    if clue is RIGHT:
        assert_right(capsys, check, answer)
    else:
        assert_hint(capsys, check, answer, clue=clue, hidden=hidden)


def test_report_pass(capsys):
    assert report(True, "Exercise 1", "think about groups") is True
    out = capsys.readouterr().out
    assert out == "✅ Exercise 1: correct.\n"


def test_report_fail_prints_the_hint(capsys):
    assert report(False, "Exercise 2", "think about groups") is False
    out = capsys.readouterr().out
    assert out == "❌ Exercise 2: not yet. Hint: think about groups\n"


def test_close_enough():
    assert close_enough(1.0 + 1e-9, 1.0)
    assert not close_enough(1.01, 1.0)
    assert not close_enough(None, 1.0)
    assert not close_enough("abc", 1.0)
    assert close_enough("2", 2.0)
    assert close_enough(1.0 + 1e-9, 1.0, rel_tol=0) is False  # only 1e-12 absolute is left
    assert close_enough(10**400, 1.0) is False  # too large for a float: not close, no error


def test_is_number():
    assert is_number(3) and is_number(2.5) and is_number("7")
    assert not is_number(None)
    assert not is_number(True)
    assert not is_number(float("nan")) and not is_number(float("inf"))
    assert not is_number("seven")
    assert not is_number(10**400)  # OverflowError in float(): not a finite number


def _right_if_one(answer: object) -> bool:
    return report(answer == 1, "Exercise 9 (a test)", f"not {answer:,} but one")


def test_the_assertions_pass_where_they_should(capsys):
    assert_right(capsys, _right_if_one, 1)
    assert_verdict(capsys, _right_if_one, 1, RIGHT)
    assert_verdict(capsys, _right_if_one, 3, "but one", hidden=["1"])
    assert assert_hint(capsys, _right_if_one, 2, clue="but one", hidden=["1"]) == (
        "❌ Exercise 9 (a test): not yet. Hint: not 2 but one\n")


@pytest.mark.parametrize(("assertion", "answer", "options"), [
    (assert_right, 2, {}),  # a wrong answer does not pass
    (assert_hint, 1, {}),  # a right one gets no hint
    (assert_hint, 2, {"clue": "three"}),  # the clue is not in the hint
    (assert_hint, 1_000, {"hidden": ["1000"]}),  # printed as "1,000", still the answer
    (assert_hint, 2, {"hidden": ["not 2"]}),
    (assert_verdict, 2, {"clue": RIGHT}),
    (assert_verdict, 1, {"clue": "but one"}),
])
def test_the_assertions_fail_where_they_should(capsys, assertion, answer, options):
    with pytest.raises(AssertionError):
        assertion(capsys, _right_if_one, answer, **options)
