"""Tests of the small layers: make_divisible, activations, SE, stochastic depth, separable block."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models._utils import _make_divisible

from mobilenet_tutorial import count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.layers import (
    DepthwiseSeparable,
    SqueezeExcitation,
    StochasticDepth,
    activation_label,
    activation_layer,
    make_divisible,
)


@pytest.mark.parametrize(("value", "expected"), [(37.5, 40), (12, 16), (3, 8), (25, 24),
                                                 (10, 16), (960, 960), (72 * 0.75, 56),
                                                 (32 * 0.35, 16), (16 * 0.35, 8), (100, 104)])
def test_make_divisible_exact_values(value, expected):
    assert make_divisible(value) == expected


def test_make_divisible_agrees_with_torchvision():
    for tenth in range(10, 20_000, 7):
        assert make_divisible(tenth / 10) == _make_divisible(tenth / 10, 8)


@pytest.mark.parametrize("divisor", [0, -8, 2.5, True])
def test_make_divisible_rejects_bad_divisor(divisor):
    with pytest.raises(ValueError, match="divisor must be a positive integer .*8"):
        make_divisible(10, divisor)


@pytest.mark.parametrize("value", [None, 0, -3, float("nan"), float("inf"), 10**400, True, "32"])
def test_make_divisible_rejects_a_bad_value_by_name(value):
    with pytest.raises(ValueError, match="value must be a positive number .a channel count"):
        make_divisible(value)


@pytest.mark.parametrize("min_value", [0, 2.5, True])
def test_make_divisible_rejects_a_bad_minimum(min_value):
    with pytest.raises(ValueError, match="min_value must be a positive integer"):
        make_divisible(10, 8, min_value)


def test_activation_vocabulary():
    assert activation_layer("HS") is activation_layer("hardswish") is nn.Hardswish
    assert activation_layer("RE6") is nn.ReLU6 and activation_layer("SiLU") is nn.SiLU
    assert activation_layer(nn.GELU) is nn.GELU and activation_layer(None) is None
    assert [activation_label(a) for a in (nn.ReLU, nn.ReLU6(), nn.Hardswish, nn.SiLU, None)] \
        == ["RE", "RE6", "HS", "SiLU", "none"]
    assert activation_label(nn.GELU) == "gelu"
    with pytest.raises(ValueError, match="unknown activation 'swish': use one of relu"):
        activation_layer("swish")


def test_squeeze_excitation_params_and_gate():
    se = SqueezeExcitation(96, 24, "relu", "hardsigmoid")
    assert count_params(se) == 2 * 96 * 24 + 96 + 24 == 4728
    assert isinstance(se.activation, nn.ReLU) and isinstance(se.scale_activation, nn.Hardsigmoid)
    x = torch.randn(2, 96, 5, 5)
    with torch.no_grad():
        gate = (se(x) / x)[:, :, 0, 0]
    assert gate.min() >= 0 and gate.max() <= 1
    # one value per channel: x * gate / x rounds twice, at 0, 0 and at 1, 3
    torch.testing.assert_close((se(x) / x)[:, :, 1, 3], gate, rtol=0,
                               atol=rounding_tolerance(gate, 2))
    with pytest.raises(ValueError, match="squeeze_channels must be a positive integer"):
        SqueezeExcitation(96, 0)


def test_stochastic_depth():
    drop = StochasticDepth(0.5)
    x = torch.ones(1000, 3, 2, 2)
    drop.eval()
    assert torch.equal(drop(x), x)
    drop.train()
    torch.manual_seed(0)
    out = drop(x)
    per_sample = out.flatten(1)
    assert set(per_sample.unique().tolist()) <= {0.0, 2.0}
    assert (per_sample == per_sample[:, :1]).all()  # whole samples are dropped or kept
    assert 0.4 < float((per_sample[:, 0] == 0).float().mean()) < 0.6
    for bad in (1.0, -0.1, "0.2"):
        with pytest.raises(ValueError, match=r"p \(the drop probability\) must be .*\[0, 1\)"):
            StochasticDepth(bad)


def test_depthwise_separable_block():
    block = DepthwiseSeparable(32, 64, stride=2)
    assert [name for name, _ in block.named_children()] == ["depthwise", "pointwise"]
    assert block.depthwise[0].groups == 32 and block.depthwise[0].stride == (2, 2)
    assert isinstance(block.pointwise[2], nn.ReLU)
    assert count_params(block) == 9 * 32 + 2 * 32 + 32 * 64 + 2 * 64
    assert count_macs(block, (1, 32, 16, 16)) == 8 * 8 * (9 * 32 + 32 * 64)
    assert list(block.state_dict())[0] == "depthwise.0.weight"
    hard = DepthwiseSeparable(8, 8, activation_layer=nn.Hardswish)
    assert isinstance(hard.depthwise[2], nn.Hardswish)


def test_bare_depthwise_separable_is_two_convolutions_without_bias():
    bare = DepthwiseSeparable(8, 16, stride=2, kernel_size=5, norm_layer=None,
                              activation_layer=None, bias=False)
    assert [type(m).__name__ for m in bare.modules() if not isinstance(m, nn.Sequential)] == [
        "Conv2d", "Conv2d"]
    assert count_params(bare) == 5 * 5 * 8 + 8 * 16  # no bias, no norm
    assert bare.depthwise[0].stride == (2, 2) and bare.depthwise[0].padding == (2, 2)
    with_bias = DepthwiseSeparable(8, 16, norm_layer=None, activation_layer=None)
    assert count_params(with_bias) == 3 * 3 * 8 + 8 + 8 * 16 + 16  # no norm: biases by default
