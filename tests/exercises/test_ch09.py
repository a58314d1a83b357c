"""Chapter 9's exercise checks: right answers pass, wrong answers fail with a hint."""

from __future__ import annotations

import pytest
import torch
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial.exercises import ch09
from mobilenet_tutorial.layers import CrossNorm

# MobileNetV2's 17 blocks end in these widths: 16, 24 x 2, 32 x 3, 64 x 4, 96 x 3, 160 x 3, 320
OUTS = 16 + 24 * 2 + 32 * 3 + 64 * 4 + 96 * 3 + 160 * 3 + 320
TRIPLET = 17 * 3 * (2 * 7 * 7 + 2)
SELFNORM = 8 * OUTS


def test_the_expected_values_are_the_hand_computed_ones():
    assert (TRIPLET, SELFNORM) == (5_100, 12_032)


def good_cross_norm(x, perm):
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = (x.var(dim=(2, 3), keepdim=True) + 1e-5).sqrt()
    return (x - mean) / std * std[perm] + mean[perm]


def moves_images(x, perm):
    return x[perm]


def only_means(x, perm):
    mean = x.mean(dim=(2, 3), keepdim=True)
    return x - mean + mean[perm]


def no_op(x, perm):
    return x


def global_stats(x, perm):  # statistics over the whole image, not per channel
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True)
    return (x - mean) / std * std[perm] + mean[perm]


def crashes(x, perm):
    raise RuntimeError("oops")


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch09.check_triplet_params, TRIPLET, RIGHT),
    (ch09.check_triplet_params, float(TRIPLET), RIGHT),
    (ch09.check_triplet_params, None, "replace None"),
    (ch09.check_triplet_params, 300, "one block"),
    (ch09.check_triplet_params, 17 * 3 * 98, "scale and a shift"),
    (ch09.check_triplet_params, 19 * 300, "stem"),
    (ch09.check_triplet_params, 17 * 3 * 20, "3x3"),
    (ch09.check_triplet_params, TRIPLET + 1, "three branches"),
    (ch09.check_selfnorm_params, SELFNORM, RIGHT),
    (ch09.check_selfnorm_params, None, "replace None"),
    (ch09.check_selfnorm_params, [SELFNORM], "replace None"),
    (ch09.check_selfnorm_params, SELFNORM // 2, "one gate"),
    (ch09.check_selfnorm_params, SELFNORM * 3 // 2, "buffers"),
    (ch09.check_selfnorm_params, SELFNORM // 4, "scale and a shift"),
    (ch09.check_selfnorm_params, SELFNORM + 8, "add up"),
    (ch09.check_cross_norm, good_cross_norm, RIGHT),
    (ch09.check_cross_norm, None, "replace None"),
    (ch09.check_cross_norm, 3, "replace None"),
    (ch09.check_cross_norm, CrossNorm(0.5).mix, "package's CrossNorm"),
    (ch09.check_cross_norm, no_op, "nothing was mixed"),
    (ch09.check_cross_norm, moves_images, "whole images"),
    (ch09.check_cross_norm, only_means, "standard deviations must move"),
    (ch09.check_cross_norm, global_stats, "over H and W"),
    (ch09.check_cross_norm, crashes, "raised RuntimeError: oops"),
    (ch09.check_cross_norm, lambda x, perm: x.sum(), "shape"),
    (ch09.check_cross_norm, lambda x: x, "raised TypeError"),
    (ch09.check_mish_minimum, -1.1924, RIGHT),
    (ch09.check_mish_minimum, -1.192, RIGHT),
    (ch09.check_mish_minimum, None, "replace None"),
    (ch09.check_mish_minimum, -0.30884, "lowest value"),
    (ch09.check_mish_minimum, 0.0, "look left of zero"),
    (ch09.check_mish_minimum, -1.25, "fine grid"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["5100", "12032", "1.192"])


def test_the_mish_minimum_is_where_the_derivative_vanishes():
    def slope(value):
        x = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        (x * torch.tanh(torch.nn.functional.softplus(x))).backward()
        return float(x.grad)

    low, high = -2.0, -0.5  # bisection on the sign of the derivative
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) < 0 else (low, middle)
    assert abs(low - (-1.19243)) < 1e-5


def test_exercises_are_listed_in_order():
    assert list(ch09.EXERCISES) == ["ex1", "ex2", "ex3", "ex4"]
    assert ch09.EXERCISES["ex3"] is ch09.check_cross_norm


def test_checks_leave_the_random_state_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    ch09.check_cross_norm(good_cross_norm)
    ch09.check_triplet_params(TRIPLET)
    assert torch.equal(torch.rand(3), expected)
