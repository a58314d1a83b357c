"""MobileNetV1: exact parameter and MAC counts, the paper's cost tables, shapes and bad input."""

from __future__ import annotations

import math
import os

import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs, count_params, layer_table
from mobilenet_tutorial.layers import DepthwiseSeparable
from mobilenet_tutorial.measure.cost import depthwise_separable_cost
from mobilenet_tutorial.models import MobileNetV1, mobilenet_v1
from mobilenet_tutorial.models.mobilenet_v1 import BLOCKS, BlockRow, scale_channels

# Exact counts at width 1.0 and 224 x 224 (BatchNorm's scale and shift included in params).
PARAMS_1_0 = 4_231_976
MACS_1_0_224 = 568_740_352


@pytest.fixture(scope="module")
def model() -> MobileNetV1:
    return mobilenet_v1()


def test_exact_parameter_count(model):
    assert count_params(model) == PARAMS_1_0


def test_exact_mac_count(model):
    assert count_macs(model, (1, 3, 224, 224)) == MACS_1_0_224


def test_parameter_count_by_hand():
    """Convolution weights, BatchNorm scale and shift, and the classifier, summed from Table 1."""
    channels = [32] + [row.c for row in BLOCKS]
    conv = 3 * 3 * 3 * 32
    bn = 2 * 32
    for c_in, c_out in zip(channels[:-1], channels[1:], strict=True):
        conv += 3 * 3 * c_in + c_in * c_out
        bn += 2 * (c_in + c_out)
    fc = 1024 * 1000 + 1000
    assert conv + bn + fc == PARAMS_1_0


def test_mac_count_matches_the_analytic_costs():
    size = 112  # after the stem
    macs = 3 * 3 * 3 * 32 * 112 * 112
    c_in = 32
    for c_out, stride in BLOCKS:
        block = depthwise_separable_cost(c_in, c_out, 3, size, stride=stride)
        macs += block.macs
        size, c_in = block.out_h, c_out
    macs += 1024 * 1000
    assert size == 7
    assert macs == MACS_1_0_224


def test_structure(model):
    table = layer_table(model)
    # 28 layers: 1 full convolution, 13 depthwise, 13 pointwise, 1 fully connected.
    assert len(table) == 28
    assert table["kind"].value_counts().to_dict() == {
        "depthwise 3x3": 13, "pointwise 1x1": 13, "conv 3x3": 1, "linear": 1}
    assert table["output_shape"].iloc[0] == (1, 32, 112, 112)
    # The last depthwise layer keeps 7 x 7 (stride 1, not Table 1's misprinted stride 2).
    assert table["output_shape"].iloc[-3] == (1, 1024, 7, 7)
    assert table["output_shape"].iloc[-2] == (1, 1024, 7, 7)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(conv.bias is None for conv in convs)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 27
    assert sum(isinstance(m, DepthwiseSeparable) for m in model.modules()) == 13


def test_forward_shape_and_values():
    torch.manual_seed(0)
    net = mobilenet_v1(width_mult=0.25, num_classes=7).eval()
    out = net(torch.randn(2, 3, 96, 96))
    assert out.shape == (2, 7)
    assert torch.isfinite(out).all()


def test_paper_table_2_shares(model):
    table = layer_table(model)
    shares = table.groupby("kind")[["mac_share", "param_share"]].sum()
    # Mult-adds: the paper's 94.86 / 3.06 / 0.18 to two decimals.
    assert shares.loc["pointwise 1x1", "mac_share"] == pytest.approx(94.86, abs=0.005)
    assert shares.loc["depthwise 3x3", "mac_share"] == pytest.approx(3.06, abs=0.005)
    assert shares.loc["linear", "mac_share"] == pytest.approx(0.18, abs=0.005)
    # The paper prints 1.19% for the stem, a misprint: its column then sums to 99.29%.
    assert shares.loc["conv 3x3", "mac_share"] == pytest.approx(1.91, abs=0.005)
    assert round(94.86 + 3.06 + 1.19 + 0.18, 2) == 99.29
    # Parameters: the paper's 74.59 / 24.33 need the classifier's bias left out.
    weights = table["params"].copy()
    weights[table["kind"] == "linear"] -= 1000
    share = 100 * weights.groupby(table["kind"]).sum() / weights.sum()
    assert share["pointwise 1x1"] == pytest.approx(74.59, abs=0.005)
    assert share["depthwise 3x3"] == pytest.approx(1.06, abs=0.005)
    assert share["conv 3x3"] == pytest.approx(0.02, abs=0.005)
    assert share["linear"] == pytest.approx(24.33, abs=0.005)


def test_paper_table_4_full_convolutions():
    full = mobilenet_v1(separable=False)
    assert count_params(full) == 29_294_088
    assert count_macs(full) == 4_867_293_184
    assert round(count_params(full) / 1e6, 1) == 29.3


@pytest.mark.parametrize(("width", "params", "macs", "paper_params", "paper_macs"), [
    (1.0, 4_231_976, 568_740_352, 4.2, 569),
    (0.75, 2_585_560, 325_400_448, 2.6, 325),
    (0.5, 1_331_592, 149_497_088, 1.3, 149),
    (0.25, 470_072, 41_030_272, 0.5, 41),
])
def test_paper_table_6_width(width, params, macs, paper_params, paper_macs):
    net = mobilenet_v1(width_mult=width)
    assert count_params(net) == params
    assert count_macs(net) == macs
    assert round(params / 1e6, 1) == paper_params
    assert round(macs / 1e6) == paper_macs


@pytest.mark.parametrize(("size", "macs"), [
    (224, 568_740_352), (192, 418_121_728), (160, 290_675_200), (128, 186_400_768)])
def test_paper_table_7_resolution(model, size, macs):
    assert count_macs(model, (1, 3, size, size)) == macs


def test_misprinted_stride_would_change_the_count():
    blocks = list(BLOCKS)
    blocks[-1] = BlockRow(c=1024, s=2)
    misprint = MobileNetV1(blocks=blocks)
    assert count_macs(MobileNetV1(blocks=[tuple(row) for row in blocks])) == 533_833_216
    assert count_macs(misprint) == 533_833_216  # 534M, not the paper's 569M


def test_width_scales_channels():
    assert [scale_channels(c, 0.75) for c in (32, 64, 1024)] == [24, 48, 768]
    assert scale_channels(32, 0.6) == 19  # rounded down, as TensorFlow-Slim and Keras do
    assert scale_channels(32, 0.1) == 8  # never below 8 channels
    assert mobilenet_v1(width_mult=0.5).out_features == 512


def test_small_input_options():
    net = mobilenet_v1(width_mult=0.5, num_classes=10, in_channels=1, stem_stride=1, dropout=0.2)
    assert count_params(net) == 823_434
    assert count_macs(net, (1, 1, 28, 28)) == 10_865_216
    shapes = layer_table(net, (1, 1, 28, 28))["output_shape"]
    assert shapes.iloc[0] == (1, 16, 28, 28)
    assert shapes.iloc[-2] == (1, 512, 2, 2)
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_dropout_does_not_change_parameters():
    assert count_params(mobilenet_v1(width_mult=0.25, dropout=0.5)) \
        == count_params(mobilenet_v1(width_mult=0.25))


@pytest.mark.parametrize("width", [0, -1.0, float("nan"), float("inf"), "1.0", None, True])
def test_bad_width(width):
    with pytest.raises(ValueError, match="width_mult must be a positive number"):
        mobilenet_v1(width_mult=width)


@pytest.mark.parametrize("classes", [0, -5, 2.5, True])
def test_bad_num_classes(classes):
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        mobilenet_v1(num_classes=classes)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"in_channels": 0}, "in_channels"),
    ({"stem_stride": 0}, "stem_stride"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": -0.1}, "dropout"),
    ({"blocks": []}, "blocks"),
    ({"blocks": [(64, 0)]}, "stride"),
])
def test_other_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mobilenet_v1(**kwargs)


@pytest.mark.parametrize("width", [1.0, 0.25])
def test_same_trainable_parameters_as_keras(width):
    """Keras's MobileNet (the reference architecture) has the same trainable weights.

    Keras also stores BatchNorm's running mean and variance as (non-trainable) weights;
    PyTorch keeps them as buffers, which ``count_params`` leaves out.
    """
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    reference = keras.applications.MobileNet(weights=None, alpha=width, input_shape=(224, 224, 3))
    trainable = sum(math.prod(w.shape) for w in reference.trainable_weights)
    assert trainable == count_params(mobilenet_v1(width_mult=width))


def test_builder_takes_keywords_only():
    with pytest.raises(TypeError):
        mobilenet_v1(0.5)
    with pytest.raises(ValueError, match="mobilenet_v1 has no pretrained weights in th.*None"):
        mobilenet_v1(weights="IMAGENET1K_V1")


@pytest.mark.parametrize(("channels", "min_channels", "message"), [
    (None, 8, "channels must be a positive integer"),
    (-1, 8, "channels must be a positive integer"),
    (2.5, 8, "channels must be a positive integer"),
    (10**400, 8, "channels must be a positive integer"),
    (32, 0, "min_channels must be a positive integer"),
])
def test_scale_channels_names_a_bad_argument(channels, min_channels, message):
    from mobilenet_tutorial.models.mobilenet_v1 import scale_channels

    with pytest.raises(ValueError, match=message):
        scale_channels(channels, 1.0, min_channels)
