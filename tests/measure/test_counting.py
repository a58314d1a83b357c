"""Unit tests of mobilenet_tutorial.profile: hook counts against formulas and FlopCounterMode."""

from __future__ import annotations

import pytest
import torch
import torchvision
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mobilenet_tutorial import count_macs, count_params, layer_table, rounding_tolerance
from mobilenet_tutorial.measure import cost
from mobilenet_tutorial.measure.counting import layer_kind


def _out(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """PyTorch's output length, written out again here so the test does not trust cost.py."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@settings(max_examples=60, deadline=None)
@given(
    groups=st.integers(1, 4),
    per_group_in=st.integers(1, 3),
    per_group_out=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    batch=st.integers(1, 3),
    bias=st.booleans(),
)
def test_hook_count_equals_the_formula(groups, per_group_in, per_group_out, kernel, stride,
                                       padding, dilation, size, batch, bias):
    out_h = _out(size[0], kernel[0], stride[0], padding[0], dilation[0])
    out_w = _out(size[1], kernel[1], stride[1], padding[1], dilation[1])
    assume(out_h >= 1 and out_w >= 1)
    m, n = groups * per_group_in, groups * per_group_out
    layer = nn.Conv2d(m, n, kernel, stride=stride, padding=padding, dilation=dilation,
                      groups=groups, bias=bias)

    expected_macs = batch * kernel[0] * kernel[1] * (m // groups) * n * out_h * out_w
    expected_params = kernel[0] * kernel[1] * (m // groups) * n + (n if bias else 0)
    assert count_macs(layer, (batch, m, *size)) == expected_macs
    assert count_params(layer) == expected_params

    analytic = cost.conv2d_cost(m, n, kernel, size[0], size[1], stride=stride, padding=padding,
                                dilation=dilation, groups=groups, bias=bias)
    assert (analytic.out_h, analytic.out_w) == (out_h, out_w)
    assert batch * analytic.macs == expected_macs
    assert analytic.params == expected_params


def test_linear_layers_and_reused_modules_are_counted():
    shared = nn.Conv2d(4, 4, 3, padding=1, bias=False)
    model = nn.Sequential(shared, shared, nn.Flatten(), nn.Linear(4 * 5 * 5, 10))
    per_conv = 3 * 3 * 4 * 4 * 5 * 5
    assert count_macs(model, (2, 4, 5, 5)) == 2 * (2 * per_conv + 100 * 10)
    assert count_params(model) == 3 * 3 * 4 * 4 + 100 * 10 + 10


def test_count_params_can_skip_frozen_parameters():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
    model[0].weight.requires_grad_(False)
    assert count_params(model) == 3 * 3 * 3 * 8 + 8 + 16  # BatchNorm buffers are not counted
    assert count_params(model, trainable_only=True) == 8 + 16


TORCHVISION_MODELS = {
    # name: (MACs at 1x3x224x224, parameters)
    "mobilenet_v2": (300_774_272, 3_504_872),
    "mobilenet_v3_small": (56_510_400, 2_542_856),
    "resnet18": (1_814_073_344, 11_689_512),
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_MODELS))
def test_whole_models_agree_with_flop_counter_mode(name: str):
    """FlopCounterMode counts 2 FLOPs per multiply-add of convolutions and matrix products.

    Both counts ignore the same things (bias additions, BatchNorm, activations, pooling,
    residual additions), so for these models the hook count is exactly half its total.
    """
    model = getattr(torchvision.models, name)(weights=None).eval()
    macs, params = TORCHVISION_MODELS[name]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    assert counter.get_total_flops() == 2 * macs
    assert count_macs(model, (1, 3, 224, 224)) == macs
    assert count_params(model) == params
    assert model.training is False  # count_macs restores the mode it found


def test_count_macs_restores_training_mode():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    count_macs(model, (1, 3, 8, 8))
    assert model.training and model[1].training


def _small_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.ReLU(),
        nn.Conv2d(8, 16, 1, bias=False), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, groups=4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
    )


def test_layer_table_columns_values_and_shares():
    model = _small_model()
    table = layer_table(model, (1, 3, 16, 16))
    assert list(table.columns) == ["name", "kind", "output_shape", "params", "macs",
                                   "mac_share", "param_share"]
    assert list(table["name"]) == ["0", "3", "5", "7", "11"]
    assert list(table["kind"]) == ["conv 3x3", "depthwise 3x3", "pointwise 1x1", "grouped 3x3",
                                   "linear"]
    assert table["output_shape"].iloc[0] == (1, 8, 8, 8)
    assert list(table["macs"]) == [27 * 8 * 64, 9 * 8 * 64, 8 * 16 * 64, 9 * 4 * 32 * 64, 320]
    assert list(table["params"]) == [216, 72, 128, 9 * 4 * 32 + 32, 330]
    assert table["macs"].sum() == count_macs(model, (1, 3, 16, 16))
    # each share rounds twice (100 * count / total), the sum once per term
    tolerance = rounding_tolerance(100.0, len(table) + 2)
    assert abs(table["mac_share"].sum() - 100.0) <= tolerance
    assert abs(table["param_share"].sum() - 100.0) <= tolerance


def test_layer_kind_names():
    assert layer_kind(nn.Conv2d(4, 8, 3)) == "conv 3x3"
    assert layer_kind(nn.Conv2d(4, 8, 1)) == "pointwise 1x1"
    assert layer_kind(nn.Conv2d(4, 8, 5, groups=4)) == "depthwise 5x5"
    assert layer_kind(nn.Conv2d(4, 8, 3, groups=2)) == "grouped 3x3"
    assert layer_kind(nn.Linear(4, 8)) == "linear"
    assert layer_kind(nn.ReLU()) == "ReLU"


def test_wrong_rank_is_rejected():
    model = _small_model()
    with pytest.raises(ValueError, match="rank 3.*4-D input"):
        count_macs(model, (3, 224, 224))
    with pytest.raises(ValueError, match="rank 5"):
        layer_table(model, (1, 1, 3, 16, 16))


def test_wrong_channel_count_is_rejected():
    with pytest.raises(ValueError, match="has 1 channels.*expects 3"):
        count_macs(_small_model(), (1, 1, 16, 16))


def test_non_positive_sizes_and_non_modules_are_rejected():
    with pytest.raises(ValueError, match=r"input_size must be a tuple of positive integers"):
        count_macs(_small_model(), (0, 3, 16, 16))
    with pytest.raises(TypeError, match="nn.Module"):
        count_params([nn.Linear(2, 2)])


@pytest.mark.parametrize(("model", "size", "error", "match"), [
    ("model", (1, 3, 8, 8), TypeError, "model must be a torch.nn.Module"),
    (nn.Conv2d(3, 3, 1), "abc", ValueError, "input_size must be a tuple of positive integers"),
    (nn.Conv2d(3, 3, 1), (1, 3, 8.5, 8), ValueError, "input_size must be a tuple of positive"),
    (nn.Conv2d(3, 3, 1), (1, 3, True, 8), ValueError, "input_size must be a tuple of positive"),
    (nn.Conv2d(3, 3, 1), (), ValueError, "input_size must be a tuple of positive"),
    (nn.Conv2d(3, 3, 1), (1, 3, 10**400, 8), ValueError, "input_size must be a tuple of positive"),
    (nn.Conv2d(3, 3, 1), (64, 3, 2**16, 2**16), ValueError, r"holds 8\.25e\+11 values, more"),
    (nn.Linear(4, 2), (1, 5), ValueError, r"cannot run on an input of size \(1, 5\)"),
])
def test_bad_models_and_sizes_are_named(model, size, error, match):
    with pytest.raises(error, match=match):
        count_macs(model, size)
    with pytest.raises(error, match=match):
        layer_table(model, size)
