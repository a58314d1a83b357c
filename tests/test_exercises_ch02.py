"""Chapter 2's exercise checks: right answers pass, wrong answers fail with a hint."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs
from mobilenet_tutorial.exercises import ch02
from mobilenet_tutorial.models import mobilenet_v1

BLOCK_MACS = 3 * 3 * 512 * 14 * 14 + 512 * 512 * 14 * 14  # 52,283,392
TOTAL_MACS = 568_740_352


def test_block_macs(capsys):
    assert BLOCK_MACS == 52_283_392
    assert ch02.check_block_macs(BLOCK_MACS)
    assert "correct" in capsys.readouterr().out
    assert not ch02.check_block_macs(None)
    assert not ch02.check_block_macs(512 * 512 * 14 * 14)
    assert "depthwise" in capsys.readouterr().out
    assert not ch02.check_block_macs(9 * 512 * 512 * 14 * 14)
    assert not ch02.check_block_macs(BLOCK_MACS + 1)
    assert not ch02.check_block_macs(True)
    out = capsys.readouterr().out
    assert str(BLOCK_MACS) not in out and "52,283,392" not in out


def test_block_share(capsys):
    share = 100 * 5 * BLOCK_MACS / TOTAL_MACS
    assert round(share, 2) == 45.96
    assert ch02.check_block_share(share)
    assert ch02.check_block_share(round(share, 2))
    assert not ch02.check_block_share(share / 100)
    assert "percentage" in capsys.readouterr().out
    assert not ch02.check_block_share(share / 5)
    assert not ch02.check_block_share(50.0)
    assert not ch02.check_block_share(None)


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


@pytest.mark.parametrize("block", [GoodBlock, ManualBatchNorm])
def test_separable_block_passes_for_a_correct_block(block, capsys):
    assert ch02.check_separable_block(block)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(("block", "hint"), [
    (None, "replace None"),
    (nn.Linear(2, 2), "fails"),
    (StrideOnPointwise, "which convolution should take the stride"),
    (NoReluInTheMiddle, "same shapes, different values"),
    (WithBias, "parameters"),
    (NoPadding, "padding"),
    (lambda c_in, c_out, stride: nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), "parameters"),
    (lambda c_in, c_out, stride: "not a module", "nn.Module"),
])
def test_separable_block_fails_with_a_hint(block, hint, capsys):
    assert not ch02.check_separable_block(block)
    out = capsys.readouterr().out
    assert "not yet" in out and hint in out


def test_width_prediction(capsys):
    prediction = 0.6**2 * TOTAL_MACS
    assert ch02.check_width_prediction(prediction)
    assert ch02.check_width_prediction(round(prediction, -6))
    assert not ch02.check_width_prediction(0.6 * TOTAL_MACS)
    assert "input and the output channels" in capsys.readouterr().out
    assert not ch02.check_width_prediction(prediction / 1e6)
    assert "millions" in capsys.readouterr().out
    assert not ch02.check_width_prediction(TOTAL_MACS)
    assert not ch02.check_width_prediction("lots")


def test_premise_of_exercise_4():
    """The count at width 0.6 exceeds the alpha^2 prediction although channels round down."""
    counted = count_macs(mobilenet_v1(width_mult=0.6))
    assert counted == 210_386_871
    assert 0.6**2 * TOTAL_MACS < counted < 1.05 * 0.6**2 * TOTAL_MACS
