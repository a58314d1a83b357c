"""Tests of the inverted-residual family (mobilenet_tutorial.layers.inverted_residual)."""

from __future__ import annotations

import warnings
from functools import partial

import pytest
import torch
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual as TvV2Block

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.layers import (
    BlockConfig,
    ConvNormActivation,
    InvertedResidual,
    SqueezeExcitation,
    mbconv_config,
    v2_config,
    v3_config,
)
from mobilenet_tutorial.layers.padding import Conv2dSame
from mobilenet_tutorial.models.compare import randomize_batchnorm_
from mobilenet_tutorial.weights.keys import v2_keys_to_blocks


@pytest.mark.parametrize(("inp", "oup", "stride", "ratio"),
                         [(32, 16, 1, 1), (16, 24, 2, 6), (24, 24, 1, 6), (64, 96, 1, 6)])
def test_v2_block_equals_torchvision_after_key_mapping(inp, oup, stride, ratio):
    torch.manual_seed(0)  # in float64: a different computation would show far above rounding
    reference = randomize_batchnorm_(TvV2Block(inp, oup, stride, ratio)).eval().double()
    ours = InvertedResidual(v2_config(inp, oup, stride, ratio)).eval().double()
    assert count_params(ours) == count_params(reference)
    ours.load_state_dict(v2_keys_to_blocks(reference.state_dict()))  # strict
    x = torch.randn(2, inp, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        expected = reference(x)
        torch.testing.assert_close(ours(x), expected, rtol=0, atol=rounding_tolerance(
            expected, accumulation_length(reference)))
    assert ours.config.residual == reference.use_res_connect


def test_block_structure_of_each_family():
    v2 = InvertedResidual(v2_config(24, 24, 1, 6))
    assert [type(m).__name__ for m in v2.block] == ["ConvNormActivation"] * 3
    assert isinstance(v2.block[0][2], nn.ReLU6) and len(v2.block[2]) == 2  # linear bottleneck
    assert v2.use_residual and v2.hidden_channels == 144 and v2.expand_ratio == 6
    assert count_params(v2) == 24 * 144 + 2 * 144 + 9 * 144 + 2 * 144 + 144 * 24 + 2 * 24
    v3 = InvertedResidual(v3_config(40, 5, 120, 40, True, "HS", 1),
                          norm_layer=partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01))
    assert isinstance(v3.block[2], SqueezeExcitation)
    assert v3.block[2].fc1.out_channels == 32  # make_divisible(120 // 4)
    assert isinstance(v3.block[2].scale_activation, nn.Hardsigmoid)
    assert isinstance(v3.block[0][2], nn.Hardswish) and v3.block[0][1].eps == 1e-3
    assert all(m.momentum == 0.01 for m in v3.modules() if isinstance(m, nn.BatchNorm2d))
    mb = InvertedResidual(mbconv_config(40, 40, 5, 1, 6, drop_path=0.1))
    assert mb.block[2].fc1.out_channels == 10  # block input // 4
    assert isinstance(mb.block[2].activation, nn.SiLU)
    assert isinstance(mb.block[2].scale_activation, nn.Sigmoid)
    assert mb.stochastic_depth.p == 0.1
    lite = InvertedResidual(mbconv_config(40, 40, 5, 1, 6, se=False, activation=nn.ReLU6))
    assert not any(isinstance(m, SqueezeExcitation) for m in lite.modules())


def test_padding_mode_reaches_the_depthwise_convolution_only():
    block = InvertedResidual(mbconv_config(16, 24, 3, 2, 6, se=False), padding="tf_same")
    kinds = [type(m[0]) for m in block.block]
    assert kinds == [nn.Conv2d, Conv2dSame, nn.Conv2d]
    assert block(torch.zeros(1, 16, 8, 8)).shape == (1, 24, 4, 4)


def test_relu_after_projection_is_the_ablation():
    linear = InvertedResidual(v2_config(8, 8, 1, 6))
    with_relu = InvertedResidual(v2_config(8, 8, 1, 6, relu_after_projection=True))
    assert isinstance(with_relu.block[-1][2], nn.ReLU6) and len(linear.block[-1]) == 2
    assert count_params(with_relu) == count_params(linear)
    with_relu.load_state_dict(linear.state_dict())
    x = torch.randn(1, 8, 5, 5)
    with torch.no_grad():
        expected = torch.clamp(linear.eval().block(x), 0, 6) + x
        assert torch.equal(with_relu.eval()(x), expected)


def test_no_expansion_when_channels_do_not_change():
    config = v3_config(16, 3, 16, 16, False, "RE", 1)
    assert not config.expands and config.residual
    assert len(InvertedResidual(config).block) == 2
    assert len(InvertedResidual(v2_config(32, 16, 1, 1)).block) == 2


def test_macs_of_a_v3_block_by_hand():
    block = InvertedResidual(v3_config(40, 5, 120, 40, True, "RE", 1))
    hw = 28 * 28
    expected = hw * 40 * 120 + hw * 120 * 25 + (120 * 32 + 32 * 120) + hw * 120 * 40
    assert count_macs(block, (1, 40, 28, 28)) == expected == 9_886_080


def test_activations_are_stored_as_classes_whatever_was_given():
    assert BlockConfig(8, 16, 8, activation="HS").activation is nn.Hardswish
    assert BlockConfig(8, 16, 8, activation="hardswish") == BlockConfig(8, 16, 8,
                                                                        activation=nn.Hardswish)
    assert v3_config(16, 3, 64, 24, False, "RE", 2).activation is nn.ReLU


@pytest.mark.parametrize(("changes", "message"), [
    ({"stride": 3}, "stride must be 1 or 2"), ({"kernel_size": 4}, "kernel_size must be odd"),
    ({"activation": "gelu"}, "activation: unknown activation 'gelu'"),
    ({"se_channels": -1}, "se_channels must be 0"),
    ({"in_channels": 0}, "in_channels must be a positive integer"),
    ({"out_channels": 8.0}, "out_channels must be a positive integer"),
    ({"expanded_channels": True}, "expanded_channels must be a positive integer"),
    ({"se_gate": "tanh"}, "se_gate: unknown activation"),
    ({"activation": None}, "activation must be an activation such as nn.ReLU"),
    ({"drop_path": 1.0}, r"drop_path must be a number in \[0, 1\)"),
])
def test_block_config_rejects_bad_values(changes, message):
    arguments = {"in_channels": 8, "expanded_channels": 16, "out_channels": 8, **changes}
    with pytest.raises(ValueError, match=message):
        BlockConfig(**arguments)


@pytest.mark.parametrize("ratio", [0, 0.5, float("nan"), 10**400, True, "6", None])
def test_v2_and_mbconv_configs_reject_a_bad_expansion_by_name(ratio):
    with pytest.raises(ValueError, match="expand_ratio must be a number from 1 to 1000"):
        v2_config(8, 8, 1, ratio)
    with pytest.raises(ValueError, match="expand_ratio must be a number from 1 to 1000"):
        mbconv_config(8, 8, 3, 1, ratio)


@pytest.mark.parametrize("channels", [None, 0, 2.5, 10**400, "8"])
def test_configs_name_bad_input_channels_before_multiplying_them(channels):
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        v2_config(channels, 8, 1, 6)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        mbconv_config(channels, 8, 3, 1, 6)


@pytest.mark.parametrize(("changes", "message"), [
    ({"stride": True}, "stride must be 1 or 2"),
    ({"kernel_size": True}, "kernel_size must be odd and positive"),
])
def test_a_boolean_is_not_a_stride_or_a_kernel(changes, message):
    arguments = {"in_channels": 8, "expanded_channels": 16, "out_channels": 8, **changes}
    with pytest.raises(ValueError, match=message):
        BlockConfig(**arguments)


def test_v3_config_rejects_unknown_nonlinearity():
    with pytest.raises(ValueError, match="unknown activation 'SW'.*RE, RE6, HS, SiLU"):
        v3_config(16, 3, 16, 16, False, "SW", 1)


def test_old_v2_signature_still_builds_the_same_block():
    with pytest.warns(DeprecationWarning, match="v2_config"):
        old = InvertedResidual(24, 24, stride=1, expand_ratio=6)
    assert old.config == v2_config(24, 24, 1, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert InvertedResidual(8, 8, 1, 6, True).config.project_activation is nn.ReLU6
        with pytest.raises(ValueError, match="stride"):
            InvertedResidual(8, 8, 3, 6)
    with pytest.raises(TypeError, match="one BlockConfig"):
        InvertedResidual(v2_config(8, 8, 1, 6), 3)


def test_conv_norm_activation_children_and_options():
    layer = ConvNormActivation(3, 8, 3, 2, activation_layer=nn.Hardswish)
    assert [type(m) for m in layer] == [nn.Conv2d, nn.BatchNorm2d, nn.Hardswish]
    assert layer[0].bias is None and layer[0].padding == (1, 1) and layer[2].inplace
    linear = ConvNormActivation(8, 4, 1, activation_layer=None)
    assert len(linear) == 2
    plain = ConvNormActivation(8, 4, 1, norm_layer=None, activation_layer="sigmoid",
                               inplace=None)
    assert plain[0].bias is not None and isinstance(plain[1], nn.Sigmoid)
    with pytest.raises(ValueError, match="padding must be one of"):
        ConvNormActivation(3, 8, 3, padding="valid")
    with pytest.raises(ValueError, match="out_channels must be a positive integer"):
        ConvNormActivation(3, 0, 3)
