"""Tests of chapter 8's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial.exercises import ch08

# Exercise 1: 1x1 convolution 160 -> 960 on 7 x 7, float32
MACS_1 = 49 * 160 * 960
BYTES_1 = 4 * (49 * 160 + 49 * 960 + 160 * 960)
BYTES_32 = 4 * (32 * 49 * (160 + 960) + 160 * 960)
INTENSITY = (MACS_1 / BYTES_1, 32 * MACS_1 / BYTES_32)  # about 9.03 and 31.5

# Exercise 2: scale 2 / sqrt(0.16) = 5; weight 0.5 * 5; bias (0 - 0.2) * 5 + 1.5
FOLDED = (2.5, 0.5)

# Exercise 3: min(100, 20 * 1.125) GMAC/s; ridge 100 / 20 MACs per byte
ROOFLINE = (22.5, 5.0)

# Exercise 4: 1 / (0.2 + 0.8 / 4)
AMDAHL = 2.5

# Exercise 5: w0 = 0.2 rounds to 0; w1 gains 0.2 * H01 / H11 = 0.1, so 0.8 rounds to 1.0
GPTQ = (0.0, 1.0, 1.5)


def test_the_constants_here_are_what_the_checks_expect():
    assert round(INTENSITY[0], 4) == 9.0253  # to the digits written
    assert round(INTENSITY[1], 3) == 31.528


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch08.check_pointwise_intensity, INTENSITY, RIGHT),
    (ch08.check_pointwise_intensity, [9.025, 31.53], RIGHT),
    (ch08.check_pointwise_intensity, None, "pair"),
    (ch08.check_pointwise_intensity, (INTENSITY[0], 9.0), "batch"),
    (ch08.check_pointwise_intensity, (34.29, 34.29), "weights must be read"),
    (ch08.check_pointwise_intensity, (1.0, 34.29), "weights must be read"),
    (ch08.check_pointwise_intensity, INTENSITY[0], "pair"),
    (ch08.check_folded_channel, FOLDED, RIGHT),
    (ch08.check_folded_channel, None, "pair"),
    (ch08.check_folded_channel, (2.5, 1.5), "the weight is right"),
    (ch08.check_folded_channel, (0.5, 0.5), "gamma / sqrt"),
    (ch08.check_folded_channel, ("a", "b"), "pair"),
    (ch08.check_roofline, ROOFLINE, RIGHT),
    (ch08.check_roofline, None, "pair"),
    (ch08.check_roofline, (100.0, 5.0), "ridge point"),
    (ch08.check_roofline, (22.5e9, 5.0), "min(peak"),
    (ch08.check_amdahl, AMDAHL, RIGHT),
    (ch08.check_amdahl, [AMDAHL], RIGHT),
    (ch08.check_amdahl, None, "one number"),
    (ch08.check_amdahl, 4.0, "other 20%"),
    (ch08.check_amdahl, 3.0, "new time"),
    (ch08.check_amdahl, True, "one number"),
    (ch08.check_gptq_row, GPTQ, RIGHT),
    (ch08.check_gptq_row, list(GPTQ), RIGHT),
    (ch08.check_gptq_row, None, "three numbers"),
    (ch08.check_gptq_row, (0.0, 0.5, 1.5), "round-to-nearest"),
    (ch08.check_gptq_row, (0.0, 0.8, 1.5), "round w0 first"),
    (ch08.check_gptq_row, (0.0, 1.0), "three numbers"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["9.02", "2.5", "22.5"])
