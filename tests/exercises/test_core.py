"""Tests of mobilenet_tutorial.exercises.core, the checking core: exact values, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from mobilenet_tutorial.exercises import core

NAME = "Exercise 9 (a test)"
PASS = f"✅ {NAME}: correct.\n"


def _hint(text: str) -> str:
    return f"❌ {NAME}: not yet. Hint: {text}\n"


def test_every_public_name_is_there():
    assert all(hasattr(core, name) for name in core.__all__)
    assert {"report", "close_enough", "is_number"} <= set(core.__all__)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(("answer", "value"), [
    (3, 3.0), (-2.5, -2.5), ("7", 7.0), (" 2.5 ", 2.5), ("1e3", 1000.0),
    (np.float64(0.25), 0.25), (np.int64(32), 32.0), (torch.tensor(1.5), 1.5), (10**300, 1e300),
])
def test_as_number_reads_finite_reals(answer, value):
    assert core.as_number(answer) == value
    assert isinstance(core.as_number(answer), float)


@pytest.mark.parametrize("answer", [
    None, True, False, float("nan"), float("inf"), -float("inf"), "abc", "", "1,000", [1], (1,),
    {1}, complex(1, 0), 10**400, torch.tensor([1.0, 2.0]), object(), b"",
])
def test_as_number_refuses_everything_else(answer):
    assert core.as_number(answer) is None
    assert core.is_number(answer) is False


@pytest.mark.parametrize(("answer", "expected"), [
    ((1, 2), True), ([1], True), ({1}, True), (range(3), True), (np.array([1]), True),
    ("12", False), (b"12", False), (12, False), (None, False),
])
def test_is_collection(answer, expected):
    assert core.is_collection(answer) is expected


@pytest.mark.parametrize(("answer", "options", "numbers"), [
    ((1, 2), {"count": 2}, (1.0, 2.0)),
    ([0.5, "2"], {"count": 2}, (0.5, 2.0)),
    (np.array([3, 4]), {"count": 2}, (3.0, 4.0)),
    (torch.Size([160, 3, 3]), {}, (160.0, 3.0, 3.0)),
    ((v for v in (1, 2, 3)), {}, (1.0, 2.0, 3.0)),
    ((), {}, ()),
    (2.5, {"count": 1}, (2.5,)),
    ([2.5], {"count": 1}, (2.5,)),
    ((1.0, 2), {"count": 2, "whole": True}, (1, 2)),
    ({3, 5}, {"whole": True, "ordered": False}, (3, 5)),
])
def test_as_numbers_reads_collections_of_numbers(answer, options, numbers):
    got = core.as_numbers(answer, **options)
    assert got == numbers
    if options.get("whole"):
        assert all(type(v) is int for v in got)
    else:
        assert all(type(v) is float for v in got)


@pytest.mark.parametrize(("answer", "options"), [
    (None, {}),
    ("12", {}),  # a string is not a pair of digits
    (b"12", {"count": 2}),
    (3, {}),  # a bare number is a collection only of one
    (3, {"count": 2}),
    ((1, 2, 3), {"count": 2}),
    ((1,), {"count": 2}),
    ((1, True), {"count": 2}),
    ((1, float("nan")), {"count": 2}),
    ((1, "a"), {}),
    ([None], {}),
    ((1.5, 2), {"count": 2, "whole": True}),  # not read as (1, 2)
    ({1, 2}, {"count": 2}),  # a set has no order
    ({1: 2}, {}),
    (torch.tensor(3.0), {}),  # iterating a zero-dimensional tensor raises
])
def test_as_numbers_refuses_what_is_not_such_a_collection(answer, options):
    assert core.as_numbers(answer, **options) is None


# ---------------------------------------------------------------- tolerance and matching


@pytest.mark.parametrize(("tolerance", "value", "target", "accepted"), [
    (core.EXACT, 3.0, 3.0, True),
    (core.EXACT, 3.0 + 1e-13, 3.0, True),  # float rounding of an exact count
    (core.EXACT, 3.0 + 1e-11, 3.0, False),
    (core.EXACT, 204_929.0, 204_928.0, False),
    (core.Tolerance(relative=0.5), 2.0, 1.0, True),  # |2 - 1| = 0.5 * max(2, 1)
    (core.Tolerance(relative=0.5), 2.25, 1.0, False),
    (core.Tolerance(relative=2e-3), 0.0504, 0.050416666, True),
    (core.Tolerance(relative=2e-3), 0.05, 0.050416666, False),
    (core.Tolerance(absolute=0.5), 1.5, 1.0, True),
    (core.Tolerance(absolute=0.5), 1.5 + 1e-9, 1.0, False),
    (core.Tolerance(absolute=0.5), 0.5, 1.0, True),
    (core.Tolerance(relative=1e-3), 1e-13, 0.0, True),  # the absolute floor near zero
    (core.Tolerance(relative=1e-3), 1e-3, 0.0, False),
])
def test_tolerance_accepts(tolerance, value, target, accepted):
    assert tolerance.accepts(value, target) is accepted


def test_tolerance_defaults_are_exact():
    assert core.Tolerance() == core.EXACT == core.Tolerance(relative=0.0, absolute=1e-12)


@pytest.mark.parametrize("bounds", [{"relative": -0.1}, {"absolute": -1.0},
                                    {"relative": math.nan}, {"absolute": math.inf}])
def test_tolerance_refuses_bad_bounds(bounds):
    with pytest.raises(ValueError, match="finite and not negative"):
        core.Tolerance(**bounds)


@pytest.mark.parametrize(("answer", "target", "matched"), [
    (5.0, 5, True),
    (5.5, 5, False),
    ("5", 5, True),  # a parsed answer may still be a number written as text
    (None, 5, False),
    ((1, 2), (1, 2), True),
    ((1, 2), (2, 1), False),
    ((1, 2), (1, 2, 3), False),
    ([1, 2], (1, 2), False),  # the parsers give tuples; a list is not one
    ((7, 2), (core.ANY, 2), True),
    ((7, 3), (core.ANY, 2), False),
    ((1, (2, 3)), (1, (core.ANY, 3)), True),
    ("anything", core.ANY, True),
    (4.0, lambda v: v > 3, True),
    (2.0, lambda v: v > 3, False),
    ({3, 5}, {3, 5}, True),
    ({3, 5}, {3}, False),
    (1, True, True),  # a bool target is compared with ==, not as the number 1
    (1.0000001, True, False),
])
def test_matches(answer, target, matched):
    assert core.matches(answer, target) is matched


def test_matches_uses_the_tolerance_for_numbers_and_tuple_elements():
    loose = core.Tolerance(relative=1e-3)
    assert core.matches(1.0005, 1.0, loose) and not core.matches(1.0005, 1.0)
    pair = (1.0005, 7)
    assert core.matches(pair, (1.0, core.ANY), loose) and not core.matches(pair, (1.0, core.ANY))


def test_any_prints_as_its_name():
    assert repr(core.ANY) == "ANY"


def test_a_mistake_uses_its_own_tolerance_else_the_checks():
    own = core.Mistake(0.5, "a fraction", core.Tolerance(absolute=1e-4))
    assert own.matches(0.50009, core.Tolerance(absolute=0.1))
    assert not own.matches(0.5002, core.Tolerance(absolute=0.1))
    shared = core.Mistake(0.5, "a fraction")
    assert shared.matches(0.55, core.Tolerance(absolute=0.1))
    assert not shared.matches(0.55)


# ---------------------------------------------------------------- verdicts


MISTAKES = [core.Mistake(10, "ten is the first mistake"),
            core.Mistake(lambda v: v >= 10, "too big"), core.Mistake(-1, "negative")]


@pytest.mark.parametrize(("answer", "passed", "out"), [
    (4, True, PASS),
    (4.0000001, False, _hint("think again")),
    (10, False, _hint("ten is the first mistake")),  # the first matching mistake wins
    (11, False, _hint("too big")),
    (-1, False, _hint("negative")),
    (3, False, _hint("think again")),
])
def test_judge(answer, passed, out, capsys):
    assert core.judge(answer, NAME, 4, otherwise="think again", mistakes=MISTAKES) is passed
    assert capsys.readouterr().out == out


def test_judge_with_a_tolerance_for_the_answer_and_the_mistakes(capsys):
    tolerance = core.Tolerance(relative=0.01)
    assert core.judge(4.03, NAME, 4, otherwise="no", mistakes=MISTAKES, tolerance=tolerance)
    assert not core.judge(10.05, NAME, 4, otherwise="no", mistakes=MISTAKES, tolerance=tolerance)
    assert capsys.readouterr().out == PASS + _hint("ten is the first mistake")


def _declared(answer: object, calls: list[str]) -> bool:
    def expected() -> float:
        calls.append("expected")
        return 4.0

    def mistakes(value: float) -> list[core.Mistake]:
        calls.append(f"mistakes of {value}")
        return [core.Mistake(2 * value, "doubled")]

    return core.check_answer(answer, NAME, missing="give a number", expected=expected,
                        mistakes=mistakes, otherwise="no")


@pytest.mark.parametrize(("answer", "passed", "out", "calls"), [
    (4, True, PASS, ["expected", "mistakes of 4.0"]),
    ("8", False, _hint("doubled"), ["expected", "mistakes of 4.0"]),
    (5, False, _hint("no"), ["expected", "mistakes of 4.0"]),
    (None, False, _hint("give a number"), []),  # nothing is computed for an unusable answer
    (True, False, _hint("give a number"), []),
    ("four", False, _hint("give a number"), []),
])
def test_check_answer_computes_the_key_only_for_a_usable_answer(answer, passed, out, calls,
                                                                capsys):
    made: list[str] = []
    assert _declared(answer, made) is passed
    assert capsys.readouterr().out == out
    assert made == calls


def test_check_answer_with_a_parser_and_plain_values(capsys):
    def pair(answer: object) -> object:
        return core.as_numbers(answer, 2, whole=True)

    def check(answer: object) -> bool:
        mistakes = [core.Mistake((2, 1), "swapped"), core.Mistake((core.ANY, 2), "first")]
        return core.check_answer(answer, NAME, parse=pair, missing="a pair", expected=(1, 2),
                                 mistakes=mistakes, otherwise="no")

    results = [check(a) for a in [(1, 2), [1.0, 2.0], (2, 1), (5, 2), (5, 5), (1.5, 2), "12"]]
    assert results == [True, True, False, False, False, False, False]
    assert capsys.readouterr().out == "".join([
        PASS, PASS, _hint("swapped"), _hint("first"), _hint("no"), _hint("a pair"),
        _hint("a pair")])


# ---------------------------------------------------------------- running a student's code


def test_attempt_returns_the_result_or_the_error():
    assert core.attempt(lambda a, b: a + b, 2, 3) == (5, None)
    assert core.attempt(int, "x") == (None,
                                      "ValueError: invalid literal for int() with base 10: 'x'")
    assert core.attempt(lambda: 1 / 0) == (None, "ZeroDivisionError: division by zero")


def test_attempt_lets_an_interrupt_through():
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        core.attempt(interrupted)


class _Doubles(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert not self.training
        return 2 * x


class _Fails(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("no")


@pytest.mark.parametrize("training", [True, False])
def test_output_of_runs_in_eval_mode_without_gradients_and_restores_the_mode(training):
    module = _Doubles().train(training)
    x = torch.ones(2, requires_grad=True)
    out = core.output_of(module, x)
    assert torch.equal(out, torch.full((2,), 2.0)) and not out.requires_grad
    assert module.training is training


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_reports_a_failure_and_still_restores_the_mode(training):
    module = _Fails().train(training)
    assert core.evaluate(module, torch.ones(1)) == (None, "RuntimeError: no")
    assert module.training is training
    out, error = core.evaluate(_Doubles(), torch.ones(1))
    assert error is None and torch.equal(out, torch.tensor([2.0]))


@pytest.mark.parametrize(("value", "shape"), [
    (torch.zeros(1, 2, 3), (1, 2, 3)), (torch.tensor(1.0), ()), ([1, 2], "list"),
    (None, "NoneType"), ((torch.zeros(1),), "tuple"),
])
def test_shape_of(value, shape):
    assert core.shape_of(value) == shape


def test_copy_state_in_order_copies_by_position_not_by_name():
    torch.manual_seed(0)
    source = nn.Sequential(nn.Conv2d(2, 3, 1, bias=False), nn.BatchNorm2d(3))
    target = nn.Sequential()
    target.add_module("mine", nn.Conv2d(2, 3, 1, bias=False))
    target.add_module("norm", nn.BatchNorm2d(3))
    with torch.no_grad():
        source[1].running_var.fill_(2.0)
    assert core.copy_state_in_order(source, target)
    for a, b in zip(source.state_dict().values(), target.state_dict().values(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("target", [
    nn.Sequential(nn.Conv2d(2, 3, 1, bias=True), nn.BatchNorm2d(3)),  # one tensor more
    nn.Sequential(nn.Conv2d(2, 4, 1, bias=False), nn.BatchNorm2d(4)),  # other shapes
    nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(2, 3, 1, bias=False)),  # other order
])
def test_copy_state_in_order_refuses_and_copies_nothing(target):
    source = nn.Sequential(nn.Conv2d(2, 3, 1, bias=False), nn.BatchNorm2d(3))
    before = {k: v.clone() for k, v in target.state_dict().items()}
    assert core.copy_state_in_order(source, target) is False
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())


def test_same_output_allows_rounding_and_nothing_more():
    torch.manual_seed(0)
    reference = nn.Linear(64, 3)
    x = torch.randn(2, 64)
    expected = core.output_of(reference, x)
    # the same sums in another order: rounding differs, the function does not
    other_order = (x.flip(1) @ reference.weight.flip(1).T) + reference.bias
    assert core.same_output(other_order, expected, reference)
    assert core.same_output(expected.clone(), expected, reference)
    assert not core.same_output(expected + 1e-3, expected, reference)
    assert not core.same_output(expected[:1], expected, reference)
    assert not core.same_output(expected.reshape(3, 2), expected, reference)  # same numbers
    assert core.same_output(expected.double(), expected, reference)  # float64, same values
    assert not core.same_output(expected.tolist(), expected, reference)
    assert not core.same_output(None, expected, reference)


def test_endless_or_huge_iterables_are_no_answer():
    assert core.as_numbers(itertools.count(), 2) is None  # stops after three items
    assert core.as_numbers(itertools.count()) is None  # stops past the limit
    assert core.as_numbers(iter([1, 2]), 2) == (1.0, 2.0)
    assert core.as_numbers(range(core._MAX_ITEMS)) is not None
    assert core.as_numbers(range(core._MAX_ITEMS + 1)) is None
