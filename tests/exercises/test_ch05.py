"""Tests of chapter 5's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial.exercises import ch05

FACTOR = (1.2 * 1.1**2 * 1.15**2) ** 3
RESOLUTION = round(224 * 1.15**4)
PADDING = (1, 2)  # out 56; total (56 - 1) * 2 + 5 - 112 = 3
B4_BLOCKS = 2 + 4 + 4 + 6 + 6 + 8 + 2  # ceil of 1, 2, 2, 3, 3, 4, 1 times 1.8


def test_the_expected_values_are_the_hand_computed_ones():
    assert round(FACTOR, 4) == 7.0809  # to the digits written
    assert RESOLUTION == 392
    assert B4_BLOCKS == 32


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch05.check_flops_factor, FACTOR, RIGHT),
    (ch05.check_flops_factor, None, "replace None"),
    (ch05.check_flops_factor, 8, "2 ** phi"),
    (ch05.check_flops_factor, (1.2 * 1.1 * 1.15) ** 3, "square"),
    (ch05.check_flops_factor, 3.0, "power phi"),
    (ch05.check_compound_resolution, RESOLUTION, RIGHT),
    (ch05.check_compound_resolution, None, "replace None"),
    (ch05.check_compound_resolution, 380, "released B4"),
    (ch05.check_compound_resolution, 300, "gamma = 1.15"),
    (ch05.check_same_padding, PADDING, RIGHT),
    (ch05.check_same_padding, [1.0, 2.0], RIGHT),
    (ch05.check_same_padding, None, "pair"),
    (ch05.check_same_padding, (2, 1), "wrong side"),
    (ch05.check_same_padding, (2, 2), "symmetric"),
    (ch05.check_same_padding, (0, 1), "ceil(112 / 2)"),
    (ch05.check_same_padding, 3, "pair"),
    (ch05.check_same_padding, (1.5, 2), "whole numbers"),  # once read as (1, 2), and passed
    (ch05.check_b4_depth, B4_BLOCKS, RIGHT),
    (ch05.check_b4_depth, None, "replace None"),
    (ch05.check_b4_depth, 29, "per stage"),
    (ch05.check_b4_depth, 16, "round up"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["7.08", "392", "(1, 2)", "32"])
