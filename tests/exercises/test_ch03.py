"""Chapter 3's exercise checks: right answers pass, wrong answers fail with a hint."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_verdict
from torch import nn

from mobilenet_tutorial.exercises import ch03

HIDDEN = 64 * 6
CONVS = 64 * HIDDEN + 9 * HIDDEN + HIDDEN * 96
BLOCK_PARAMS = 64 * HIDDEN + 2 * HIDDEN + 9 * HIDDEN + 2 * HIDDEN + HIDDEN * 96 + 2 * 96
RESIDUAL = {3, 5, 6, 8, 9, 10, 12, 13, 15, 16}
STREAMED = 2 * 24 * 56 * 56


def test_the_expected_values_are_the_hand_computed_ones():
    assert BLOCK_PARAMS == 66_624


class GoodBlock(nn.Module):
    def __init__(self, c_in, c_out, stride, t):
        super().__init__()
        hidden = c_in * t
        layers = []
        if t != 1:
            layers += [nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(),
                   nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)]
        self.body = nn.Sequential(*layers)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x):
        return x + self.body(x) if self.skip else self.body(x)


class NoSkip(GoodBlock):
    def forward(self, x):
        return self.body(x)


class ReluAfterProjection(GoodBlock):
    def forward(self, x):
        out = nn.functional.relu6(self.body(x))
        return x + out if self.skip else out


class AlwaysExpands(GoodBlock):
    def __init__(self, c_in, c_out, stride, t):
        super().__init__(c_in, c_out, stride, max(t, 2))



class ReturnsATuple(GoodBlock):
    def forward(self, x):
        return (super().forward(x),)


class RaisesInForward(GoodBlock):
    def forward(self, x):
        raise RuntimeError("oops")


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch03.check_block_params, BLOCK_PARAMS, RIGHT),
    (ch03.check_block_params, None, "replace None"),
    (ch03.check_block_params, True, "replace None"),
    (ch03.check_block_params, CONVS, "batch norm"),
    (ch03.check_block_params, CONVS + 4 * (2 * HIDDEN + 96), "buffers"),
    (ch03.check_block_params, BLOCK_PARAMS + 1, "hidden width"),
    (ch03.check_residual_blocks, RESIDUAL, RIGHT),
    (ch03.check_residual_blocks, sorted(RESIDUAL), RIGHT),
    (ch03.check_residual_blocks, [float(n) for n in RESIDUAL], RIGHT),
    (ch03.check_residual_blocks, None, "replace None"),
    (ch03.check_residual_blocks, "3, 5", "replace None"),
    (ch03.check_residual_blocks, ["a"], "every element"),
    (ch03.check_residual_blocks, RESIDUAL - {3} | {3.5}, "every element"),  # once read as 3
    (ch03.check_residual_blocks, RESIDUAL - {3} | {True}, "every element"),
    (ch03.check_residual_blocks, RESIDUAL | {0}, "features.1 to features.17"),
    (ch03.check_residual_blocks, RESIDUAL | {11}, "AND"),
    (ch03.check_residual_blocks, RESIDUAL - {3}, "Table 2"),
    (ch03.check_inverted_residual, GoodBlock, RIGHT),
    (ch03.check_inverted_residual, None, "replace None"),
    (ch03.check_inverted_residual, NoSkip, "different output"),
    (ch03.check_inverted_residual, ReluAfterProjection, "different output"),
    (ch03.check_inverted_residual, ReturnsATuple, "different output"),  # once AttributeError
    (ch03.check_inverted_residual, RaisesInForward, "forward raised RuntimeError: oops"),
    (ch03.check_inverted_residual, lambda *args: 1 / 0, "raised ZeroDivisionError"),
    (ch03.check_inverted_residual, AlwaysExpands, "parameters"),
    (ch03.check_inverted_residual, lambda *args: 3, "should be a torch.nn.Module"),
    (ch03.check_streamed_memory, STREAMED, RIGHT),
    (ch03.check_streamed_memory, None, "replace None"),
    (ch03.check_streamed_memory, 6 * STREAMED, "wide"),
    (ch03.check_streamed_memory, STREAMED // 2, "count the elements of both"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["66624"])
