"""Tests of chapter 1's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_right, assert_verdict
from torch import nn

from mobilenet_tutorial.exercises import ch01

PARAMS = 5 * 5 * 64 * 128 + 128  # nn.Conv2d(64, 128, 5, stride=2, padding=2), bias on
MACS = 5 * 5 * 64 * 128 * 16 * 16  # output 16 x 16
RATIO = 1 / 96 + 1 / 25
INTENSITY = (25 * 256 * 14 * 14) / (4 * (2 * 256 * 14 * 14 + 25 * 256))


def _separable(bias: bool = False) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64, bias=bias),
        nn.ReLU(),
        nn.Conv2d(64, 128, 1, bias=bias),
    )


def test_the_expected_values_are_the_hand_computed_ones():
    assert PARAMS == 204_928
    assert MACS == 52_428_800
    assert round(RATIO, 8) == 0.05041667  # to the digits written
    assert round(INTENSITY, 4) == 2.9376


def _missing_padding() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 3, stride=2, groups=64, bias=False),
                         nn.Conv2d(64, 128, 1, bias=False))


def _standard() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 128, 3, stride=2, padding=1, bias=False))


def _grouped() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=8, bias=False),
                         nn.Conv2d(64, 128, 1, bias=False))


def _five_by_five() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 5, stride=2, padding=2, groups=64, bias=False),
                         nn.Conv2d(64, 128, 1, bias=False))


def _with_batchnorm() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64, bias=False),
                         nn.BatchNorm2d(64), nn.Conv2d(64, 128, 1, bias=False))


def _pointwise_first() -> nn.Module:
    # The depthwise step runs on 128 channels here, not on the 64 input channels.
    return nn.Sequential(nn.Conv2d(64, 128, 1, bias=False),
                         nn.Conv2d(128, 128, 3, stride=2, padding=1, groups=128, bias=False))


def _pointwise_subsamples() -> nn.Module:
    # Right shapes and parameters, but the depthwise step works at full resolution.
    return nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False),
                         nn.Conv2d(64, 128, 1, stride=2, bias=False))


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch01.check_conv_params, PARAMS, RIGHT),
    (ch01.check_conv_params, float(PARAMS), RIGHT),
    (ch01.check_conv_params, None, "replace None"),
    (ch01.check_conv_params, PARAMS - 128, "bias=True by default"),
    (ch01.check_conv_params, PARAMS + 1, "do not depend on stride"),
    (ch01.check_conv_params, True, "replace None"),
    (ch01.check_conv_params, "204928x", "replace None"),
    (ch01.check_conv_macs, MACS, RIGHT),
    (ch01.check_conv_macs, None, "replace None"),
    (ch01.check_conv_macs, MACS * 4, "stride 2"),
    (ch01.check_conv_macs, MACS * 2, "FLOPs"),
    (ch01.check_conv_macs, MACS + 1, "N * H_out * W_out"),
    (ch01.check_separable_ratio, RATIO, RIGHT),
    (ch01.check_separable_ratio, 0.0504, RIGHT),  # three figures
    (ch01.check_separable_ratio, None, "replace None"),
    (ch01.check_separable_ratio, 1 / RATIO, "below 1"),
    (ch01.check_separable_ratio, 1 / 96 + 1 / 5, "K * K weights"),
    (ch01.check_separable_ratio, 0.05, "cancel"),
    (ch01.check_separable_ratio, float("nan"), "replace None"),
    (ch01.check_separable_layer, _separable(), RIGHT),
    (ch01.check_separable_layer, None, "build an nn.Module"),
    (ch01.check_separable_layer, "a layer", "build an nn.Module"),
    (ch01.check_separable_layer, nn.Conv2d(3, 128, 3, padding=1), "fails on an input of shape"),
    (ch01.check_separable_layer, _missing_padding(),
     "should have shape (1, 128, 14, 14), got (1, 128, 13, 13)"),
    (ch01.check_separable_layer, _standard(), "exactly two nn.Conv2d"),
    (ch01.check_separable_layer, _grouped(), "exactly two nn.Conv2d"),
    (ch01.check_separable_layer, _pointwise_first(), "exactly two nn.Conv2d"),
    (ch01.check_separable_layer, _five_by_five(), "3x3 kernel"),
    (ch01.check_separable_layer, _separable(bias=True), "bias=False"),
    (ch01.check_separable_layer, _with_batchnorm(), "leave out BatchNorm"),
    (ch01.check_separable_layer, _pointwise_subsamples(), "which of the"),
    (ch01.check_depthwise_intensity, INTENSITY, RIGHT),
    (ch01.check_depthwise_intensity, 2.94, RIGHT),
    (ch01.check_depthwise_intensity, None, "replace None"),
    (ch01.check_depthwise_intensity, 4 * INTENSITY, "4 bytes"),
    (ch01.check_depthwise_intensity, 25 / 8, "K * K multiply-adds"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["204928", "52428800", "0.0504", "2.93"])


def test_layer_check_restores_training_mode(capsys):
    module = _separable().train()
    assert_right(capsys, ch01.check_separable_layer, module)
    assert module.training
    module.eval()
    assert_right(capsys, ch01.check_separable_layer, module)
    assert not module.training
