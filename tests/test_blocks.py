"""Tests of the inverted-residual block family (mobilenet_tutorial.models.blocks)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models import mobilenet_v2 as tv_mobilenet_v2
from torchvision.models._utils import _make_divisible
from torchvision.models.mobilenetv2 import InvertedResidual as TvV2Block

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.models.blocks import (
    BlockConfig,
    ConvBNAct,
    InvertedResidual,
    SqueezeExcitation,
    StochasticDepth,
    block_table,
    make_divisible,
    mbconv_config,
    v2_config,
    v2_keys_to_blocks,
    v3_config,
)
from mobilenet_tutorial.models.compare import randomize_batchnorm_
from mobilenet_tutorial.models.mobilenet_v3 import V3_LARGE, mobilenet_v3_large


@pytest.mark.parametrize(("value", "expected"), [(37.5, 40), (12, 16), (3, 8), (25, 24),
                                                 (10, 16), (960, 960), (72 * 0.75, 56)])
def test_make_divisible_exact_values(value, expected):
    assert make_divisible(value) == expected


def test_make_divisible_agrees_with_torchvision():
    for tenth in range(10, 20_000, 7):
        assert make_divisible(tenth / 10) == _make_divisible(tenth / 10, 8)


def test_make_divisible_rejects_bad_divisor():
    with pytest.raises(ValueError, match="divisor"):
        make_divisible(10, 0)


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


def test_v2_key_mapping_names():
    state = TvV2Block(24, 24, 1, 6).state_dict()
    renamed = v2_keys_to_blocks(state)
    assert "block.2.0.weight" in renamed and "block.2.1.running_var" in renamed
    assert "block.0.1.bias" in renamed and "block.1.0.weight" in renamed
    assert len(renamed) == len(state)
    assert torch.equal(renamed["block.2.0.weight"], state["conv.2.weight"])
    assert torch.equal(renamed["block.2.1.weight"], state["conv.3.weight"])


def test_v2_key_mapping_on_a_whole_model_keeps_other_keys():
    state = tv_mobilenet_v2().state_dict()
    renamed = v2_keys_to_blocks(state)
    assert len(renamed) == len(state)
    assert "features.0.0.weight" in renamed and "classifier.1.weight" in renamed
    assert "features.1.block.1.0.weight" in renamed  # t=1 block: depthwise, projection
    assert "features.2.block.2.1.running_mean" in renamed
    assert not any(".conv." in key for key in renamed)


def test_v2_key_mapping_rejects_a_malformed_block():
    state = {"conv.0.0.weight": torch.zeros(1), "conv.2.weight": torch.zeros(1)}
    with pytest.raises(ValueError, match="two flat entries"):
        v2_keys_to_blocks(state)


def test_block_structure_of_each_family():
    v2 = InvertedResidual(v2_config(24, 24, 1, 6))
    assert [type(m).__name__ for m in v2.block] == ["ConvBNAct"] * 3
    assert isinstance(v2.block[0][2], nn.ReLU6) and len(v2.block[2]) == 2  # linear bottleneck
    v3 = InvertedResidual(v3_config(40, 5, 120, 40, True, "HS", 1))
    assert isinstance(v3.block[2], SqueezeExcitation)
    assert v3.block[2].fc1.out_channels == 32  # make_divisible(120 // 4)
    assert isinstance(v3.block[2].scale_activation, nn.Hardsigmoid)
    assert isinstance(v3.block[0][2], nn.Hardswish) and v3.block[0][1].eps == 1e-3
    mb = InvertedResidual(mbconv_config(40, 40, 5, 1, 6, drop_path=0.1))
    assert mb.block[2].fc1.out_channels == 10  # block input // 4
    assert isinstance(mb.block[2].activation, nn.SiLU)
    assert isinstance(mb.block[2].scale_activation, nn.Sigmoid)
    assert mb.stochastic_depth.p == 0.1
    lite = InvertedResidual(mbconv_config(40, 40, 5, 1, 6, se=False, activation="relu6"))
    assert not any(isinstance(m, SqueezeExcitation) for m in lite.modules())


def test_no_expansion_when_channels_do_not_change():
    config = v3_config(16, 3, 16, 16, False, "RE", 1)
    assert not config.expands and config.residual
    assert len(InvertedResidual(config).block) == 2


def test_macs_of_a_v3_block_by_hand():
    block = InvertedResidual(v3_config(40, 5, 120, 40, True, "RE", 1))
    hw = 28 * 28
    expected = hw * 40 * 120 + hw * 120 * 25 + (120 * 32 + 32 * 120) + hw * 120 * 40
    assert count_macs(block, (1, 40, 28, 28)) == expected == 9_886_080


def test_squeeze_excitation_params_and_gate():
    se = SqueezeExcitation(96, 24, "relu", "hardsigmoid")
    assert count_params(se) == 2 * 96 * 24 + 96 + 24 == 4728
    x = torch.randn(2, 96, 5, 5)
    with torch.no_grad():
        gate = (se(x) / x)[:, :, 0, 0]
    assert gate.min() >= 0 and gate.max() <= 1
    # one value per channel: x * gate / x rounds twice, at 0, 0 and at 1, 3
    torch.testing.assert_close((se(x) / x)[:, :, 1, 3], gate, rtol=0,
                               atol=rounding_tolerance(gate, 2))


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
    with pytest.raises(ValueError, match="drop probability"):
        StochasticDepth(1.0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"stride": 3}, "stride"), ({"kernel_size": 4}, "kernel_size"),
    ({"activation": "gelu"}, "activation"), ({"se_channels": -1}, "se_channels"),
    ({"in_channels": 0}, "in_channels"), ({"se_gate": "tanh"}, "se_gate"),
])
def test_block_config_rejects_bad_values(changes, message):
    arguments = {"in_channels": 8, "expanded_channels": 16, "out_channels": 8, **changes}
    with pytest.raises(ValueError, match=message):
        BlockConfig(**arguments)


def test_v3_config_rejects_unknown_nonlinearity():
    with pytest.raises(ValueError, match="'RE' or 'HS'"):
        v3_config(16, 3, 16, 16, False, "SW", 1)


def test_conv_bn_act_rejects_unknown_padding():
    with pytest.raises(ValueError, match="padding"):
        ConvBNAct(3, 8, 3, padding="valid")


def test_block_table_of_mobilenet_v3_large():
    table = block_table(mobilenet_v3_large())
    assert len(table) == 1 + len(V3_LARGE) + 1
    assert table.loc[0, "input"] == "224x224x3" and table.loc[0, "NL"] == "HS"
    assert table.loc[1, "input"] == "112x112x16"
    assert list(table["exp"][1:-1]) == [row[1] for row in V3_LARGE]
    assert list(table["SE"][1:-1]) == [row[3] for row in V3_LARGE]
    assert table.iloc[-1]["input"] == "7x7x160" and table.iloc[-1]["out"] == 960
