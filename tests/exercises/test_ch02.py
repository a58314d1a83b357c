"""Chapter 2's exercise checks: right answers pass, wrong answers fail with a hint."""

from __future__ import annotations

import pytest
import torch
from test_exercises_common import RIGHT, assert_verdict
from torch import nn

from mobilenet_tutorial import count_macs
from mobilenet_tutorial.exercises import ch02
from mobilenet_tutorial.models import mobilenet_v1

BLOCK_MACS = 3 * 3 * 512 * 14 * 14 + 512 * 512 * 14 * 14  # 52,283,392
POINTWISE = 512 * 512 * 14 * 14
TOTAL_MACS = 568_740_352
SHARE = 100 * 5 * BLOCK_MACS / TOTAL_MACS
PREDICTION = 0.6**2 * TOTAL_MACS


def test_the_expected_values_are_the_hand_computed_ones():
    assert BLOCK_MACS == 52_283_392
    assert round(SHARE, 2) == 45.96
    assert count_macs(mobilenet_v1()) == TOTAL_MACS


class GoodBlock(nn.Module):
    """A student's block, written differently from the package's (own names, explicit forward)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels,
                            bias=False)
        self.bn_dw = nn.BatchNorm2d(in_channels)
        self.pw = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn_pw = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        x = nn.functional.relu(self.bn_dw(self.dw(x)))
        return nn.functional.relu(self.bn_pw(self.pw(x)))


class StrideOnPointwise(GoodBlock):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__(in_channels, out_channels, stride)
        self.dw.stride = (1, 1)
        self.pw.stride = (stride, stride)


class NoReluInTheMiddle(GoodBlock):
    def forward(self, x):
        return nn.functional.relu(self.bn_pw(self.pw(self.bn_dw(self.dw(x)))))


class WithBias(GoodBlock):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__(in_channels, out_channels, stride)
        self.pw = nn.Conv2d(in_channels, out_channels, 1, bias=True)


class NoPadding(GoodBlock):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__(in_channels, out_channels, stride)
        self.dw.padding = (0, 0)


class ManualBatchNorm(GoodBlock):
    """Correct too, with BatchNorm written out: other roundings of the same function."""

    @staticmethod
    def _normalise(bn: nn.BatchNorm2d, x: torch.Tensor) -> torch.Tensor:
        def channel(t: torch.Tensor) -> torch.Tensor:
            return t.view(1, -1, 1, 1)

        return ((x - channel(bn.running_mean)) / torch.sqrt(channel(bn.running_var) + bn.eps)
                * channel(bn.weight) + channel(bn.bias))

    def forward(self, x):
        x = nn.functional.relu(self._normalise(self.bn_dw, self.dw(x)))
        return nn.functional.relu(self._normalise(self.bn_pw, self.pw(x)))


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch02.check_block_macs, BLOCK_MACS, RIGHT),
    (ch02.check_block_macs, None, "replace None"),
    (ch02.check_block_macs, True, "replace None"),
    (ch02.check_block_macs, POINTWISE, "add the depthwise one"),
    (ch02.check_block_macs, 9 * POINTWISE, "full 3x3 convolution"),
    (ch02.check_block_macs, BLOCK_MACS + 1, "count the output values"),
    (ch02.check_block_share, SHARE, RIGHT),
    (ch02.check_block_share, round(SHARE, 2), RIGHT),
    (ch02.check_block_share, None, "replace None"),
    (ch02.check_block_share, SHARE / 100, "percentage"),
    (ch02.check_block_share, SHARE / 5, "five such blocks"),
    (ch02.check_block_share, 50.0, "divide five times"),
    (ch02.check_separable_block, GoodBlock, RIGHT),
    (ch02.check_separable_block, ManualBatchNorm, RIGHT),
    (ch02.check_separable_block, None, "replace None"),
    (ch02.check_separable_block, nn.Linear(2, 2), "Block(8, 16, 1) fails: TypeError"),
    (ch02.check_separable_block, StrideOnPointwise, "which convolution should take the stride"),
    (ch02.check_separable_block, NoReluInTheMiddle, "same shapes, different values"),
    (ch02.check_separable_block, WithBias, "parameters"),
    (ch02.check_separable_block, NoPadding, "padding"),
    (ch02.check_separable_block,
     lambda c_in, c_out, stride: nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), "parameters"),
    (ch02.check_separable_block, lambda c_in, c_out, stride: "not a module", "nn.Module"),
    (ch02.check_width_prediction, PREDICTION, RIGHT),
    (ch02.check_width_prediction, round(PREDICTION, -6), RIGHT),
    (ch02.check_width_prediction, 0.6 * TOTAL_MACS, "input and the output channels"),
    (ch02.check_width_prediction, PREDICTION / 1e6, "millions"),
    (ch02.check_width_prediction, TOTAL_MACS, "paper's rule"),
    (ch02.check_width_prediction, "lots", "replace None"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=[str(BLOCK_MACS), "45.96"])


def test_premise_of_exercise_4():
    """The count at width 0.6 exceeds the alpha^2 prediction although channels round down."""
    counted = count_macs(mobilenet_v1(width_mult=0.6))
    assert counted == 210_386_871
    assert 0.6**2 * TOTAL_MACS < counted < 1.05 * 0.6**2 * TOTAL_MACS
