"""Tests of chapter 4's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial import count_params
from mobilenet_tutorial.exercises import ch04
from mobilenet_tutorial.models import mobilenet_v3_small
from mobilenet_tutorial.models.blocks import SqueezeExcitation

SE_PARAMS = 2 * 96 * 24 + 96 + 24  # bottleneck make_divisible(96 // 4) = 24
HW = 14 * 14
BLOCK_MACS = HW * 48 * 144 + HW * 144 * 25 + 2 * 144 * 40 + HW * 144 * 48  # SE: 144 -> 40


def _se_share() -> float:
    model = mobilenet_v3_small()
    se = sum(count_params(m) for m in model.modules() if isinstance(m, SqueezeExcitation))
    return se / count_params(model)


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch04.check_se_params, SE_PARAMS, RIGHT),
    (ch04.check_se_params, None, "replace None"),
    (ch04.check_se_params, True, "whole number"),
    (ch04.check_se_params, 2 * 96 * 24, "biases"),
    (ch04.check_se_params, 4000, "weights and biases"),
    (ch04.check_hardswish_minimum, (-1.5, -0.375), RIGHT),
    (ch04.check_hardswish_minimum, [-1.5, -0.375], RIGHT),
    (ch04.check_hardswish_minimum, None, "pair"),
    (ch04.check_hardswish_minimum, (0.0, 0.0), "derivative"),
    (ch04.check_hardswish_minimum, (-1.5, 0.2), "hard-swish at your x"),
    (ch04.check_hardswish_minimum, -1.5, "pair"),
    (ch04.check_hardswish_minimum, {-1.5, -0.375}, "pair"),  # a set has no order
    (ch04.check_block_macs, BLOCK_MACS, RIGHT),
    (ch04.check_block_macs, None, "replace None"),
    (ch04.check_block_macs, BLOCK_MACS - 2 * 144 * 40, "SE layer"),
    (ch04.check_block_macs, BLOCK_MACS + 1, "H * W"),
    (ch04.check_se_param_share, _se_share(), RIGHT),
    (ch04.check_se_param_share, None, "replace None"),
    (ch04.check_se_param_share, 100 * _se_share(), "percentage"),
    (ch04.check_se_param_share, 0.5, "isinstance"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["4728", "0.375", "3426624"])


def test_the_expected_values_are_the_hand_computed_ones():
    assert SE_PARAMS == 4728
    assert BLOCK_MACS == 3_426_624
    # (expanded, squeeze) of Small's nine SE layers; each has 2 * C * S + C + S parameters
    layers = [(16, 8), (96, 24), (240, 64), (240, 64), (120, 32), (144, 40), (288, 72),
              (576, 144), (576, 144)]
    se_params = sum(2 * c * s + c + s for c, s in layers)
    assert _se_share() == se_params / 2_542_856  # the same integers divided
