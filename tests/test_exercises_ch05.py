"""Tests of chapter 5's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest

from mobilenet_tutorial.exercises import ch05

FACTOR = (1.2 * 1.1**2 * 1.15**2) ** 3
RESOLUTION = round(224 * 1.15**4)
PADDING = (1, 2)  # out 56; total (56 - 1) * 2 + 5 - 112 = 3
B4_BLOCKS = 2 + 4 + 4 + 6 + 6 + 8 + 2  # ceil of 1, 2, 2, 3, 3, 4, 1 times 1.8


@pytest.mark.parametrize(
    ("check", "right", "shown"),
    [
        (ch05.check_flops_factor, FACTOR, "7.08"),
        (ch05.check_compound_resolution, RESOLUTION, "392"),
        (ch05.check_same_padding, PADDING, "(1, 2)"),
        (ch05.check_b4_depth, B4_BLOCKS, "32"),
    ],
)
def test_right_answer_passes_and_none_gives_a_hint(check, right, shown, capsys):
    assert check(right) is True
    assert "correct" in capsys.readouterr().out
    assert check(None) is False
    out = capsys.readouterr().out
    assert "Hint:" in out
    assert shown not in out


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (ch05.check_flops_factor, 8, "2 ** phi"),
        (ch05.check_flops_factor, (1.2 * 1.1 * 1.15) ** 3, "square"),
        (ch05.check_flops_factor, 3.0, "power phi"),
        (ch05.check_compound_resolution, 380, "released B4"),
        (ch05.check_compound_resolution, 300, "gamma = 1.15"),
        (ch05.check_same_padding, (2, 1), "wrong side"),
        (ch05.check_same_padding, (2, 2), "symmetric"),
        (ch05.check_same_padding, (0, 1), "ceil(112 / 2)"),
        (ch05.check_same_padding, 3, "pair"),
        (ch05.check_b4_depth, 29, "per stage"),
        (ch05.check_b4_depth, 16, "round up"),
    ],
)
def test_wrong_answers_get_the_matching_hint(check, wrong, hint, capsys):
    assert check(wrong) is False
    assert hint in capsys.readouterr().out


def test_the_expected_values_are_the_hand_computed_ones():
    assert round(FACTOR, 4) == 7.0809  # to the digits written
    assert RESOLUTION == 392
    assert B4_BLOCKS == 32
