"""Module checks refuse the package's own classes, inputs ignored, and keep the caller's RNG."""

from __future__ import annotations

import pytest
import torch
from test_exercises_common import assert_hint
from torch import nn

from mobilenet_tutorial.exercises import ch01, ch02, ch03, from_the_package
from mobilenet_tutorial.layers import DepthwiseSeparable, InvertedResidual


class _Ignores(nn.Module):
    """The right layers, and a forward pass that never looks at its input."""

    def __init__(self) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64, bias=False)
        self.pointwise = nn.Conv2d(64, 128, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(torch.ones_like(x)))


class _OwnBlock(DepthwiseSeparable):
    """A "new" class that only inherits the package's."""


def test_from_the_package_names_the_borrowed_class():
    assert from_the_package(DepthwiseSeparable) == "DepthwiseSeparable"
    assert from_the_package(_OwnBlock) == "DepthwiseSeparable"
    assert from_the_package(nn.Conv2d) is None
    assert from_the_package(nn.Sequential(nn.Conv2d(1, 1, 1))) is None
    inside = nn.Sequential(DepthwiseSeparable(4, 4))
    assert from_the_package(inside) is None
    assert from_the_package(inside, inside=True) == "DepthwiseSeparable"


def test_a_layer_that_ignores_its_input_fails(capsys):
    assert_hint(capsys, ch01.check_separable_layer, _Ignores(), clue="whatever the input")


def test_the_package_s_own_layer_is_not_an_answer(capsys):
    bare = DepthwiseSeparable(64, 128, stride=2, norm_layer=None, activation_layer=None,
                              bias=False)
    assert_hint(capsys, ch01.check_separable_layer, bare, clue="the package's DepthwiseSeparable")


@pytest.mark.parametrize(("check", "borrowed"), [
    (ch02.check_separable_block, DepthwiseSeparable),
    (ch02.check_separable_block, _OwnBlock),
    (ch03.check_inverted_residual, InvertedResidual),
])
def test_the_package_s_own_class_is_not_an_answer(capsys, check, borrowed):
    assert_hint(capsys, check, borrowed, clue="the package's own")


def test_checks_leave_the_caller_s_random_numbers_alone(capsys):
    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride, t):
            super().__init__()
            self.layer = nn.Conv2d(c_in, c_out, 1)

        def forward(self, x):
            return self.layer(x)

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ch03.check_inverted_residual(Block)
    capsys.readouterr()
    assert torch.equal(torch.rand(3), expected)
