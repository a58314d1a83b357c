"""Chapter 3's exercise checks: right answers pass, wrong answers fail with a hint."""

from __future__ import annotations

from torch import nn

from mobilenet_tutorial.exercises import ch03

HIDDEN = 64 * 6
BLOCK_PARAMS = 64 * HIDDEN + 2 * HIDDEN + 9 * HIDDEN + 2 * HIDDEN + HIDDEN * 96 + 2 * 96
RESIDUAL = {3, 5, 6, 8, 9, 10, 12, 13, 15, 16}


def test_block_params(capsys):
    assert BLOCK_PARAMS == 66_624
    assert ch03.check_block_params(BLOCK_PARAMS)
    assert "correct" in capsys.readouterr().out
    assert not ch03.check_block_params(None)
    assert not ch03.check_block_params(64 * HIDDEN + 9 * HIDDEN + HIDDEN * 96)
    assert "batch norm" in capsys.readouterr().out
    assert not ch03.check_block_params(BLOCK_PARAMS + 1)
    assert not ch03.check_block_params(True)
    assert "66624" not in capsys.readouterr().out


def test_residual_blocks(capsys):
    assert ch03.check_residual_blocks(RESIDUAL)
    assert ch03.check_residual_blocks(sorted(RESIDUAL))
    assert not ch03.check_residual_blocks(None)
    assert not ch03.check_residual_blocks(RESIDUAL | {11})
    assert "AND" in capsys.readouterr().out
    assert not ch03.check_residual_blocks(RESIDUAL - {3})
    assert not ch03.check_residual_blocks(RESIDUAL | {0})
    assert not ch03.check_residual_blocks("3, 5")
    assert not ch03.check_residual_blocks(["a"])


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


def test_inverted_residual(capsys):
    assert ch03.check_inverted_residual(GoodBlock)
    assert "correct" in capsys.readouterr().out
    assert not ch03.check_inverted_residual(None)
    assert not ch03.check_inverted_residual(NoSkip)
    assert "different output" in capsys.readouterr().out
    assert not ch03.check_inverted_residual(ReluAfterProjection)
    assert not ch03.check_inverted_residual(AlwaysExpands)
    assert "parameters" in capsys.readouterr().out
    assert not ch03.check_inverted_residual(lambda *args: 3)


def test_streamed_memory(capsys):
    assert ch03.check_streamed_memory(2 * 24 * 56 * 56)
    assert not ch03.check_streamed_memory(None)
    assert not ch03.check_streamed_memory(6 * 2 * 24 * 56 * 56)
    assert "wide" in capsys.readouterr().out
    assert not ch03.check_streamed_memory(24 * 56 * 56)
