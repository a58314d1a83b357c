"""Porting torchvision weights into Keras: layouts, padding, epsilon, inputs, the final match.

A correct port computes the same function, so the two frameworks differ by float32 rounding
alone: the tolerance is the number of roundings along the network (its fan-ins) times
float32's epsilon times the largest output (:mod:`mobilenet_tutorial.tolerance`).  Keras
computes BatchNormalization in float32 even in a float64 model (its type promotion turns
float64 into float32 on this backend), so the port cannot be checked in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torch import nn

from mobilenet_tutorial import accumulation_length, keras_port, rounding_tolerance, weights
from mobilenet_tutorial.data import photos, transforms
from mobilenet_tutorial.measure.agreement import logit_agreement
from mobilenet_tutorial.measure.tolerance import BATCHNORM_ROUNDINGS

keras = keras_port.keras


def _keras_out(model, x_nchw: torch.Tensor) -> torch.Tensor:
    return keras_port.keras_logits(model, keras_port.to_channels_last(x_nchw)).permute(0, 3, 1, 2)


def _single_layer_model(layer, shape=(8, 8, 4)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


# ----------------------------------------------------------------- weight layouts


def test_conv_kernel_layout_is_hwio():
    conv = nn.Conv2d(3, 5, kernel_size=(3, 2), bias=True)
    layer = keras.layers.Conv2D(5, (3, 2), use_bias=True)
    _single_layer_model(layer, (6, 6, 3))
    kernel, bias = keras_port.torch_to_keras_arrays(conv, layer)
    assert kernel.shape == (3, 2, 3, 5)
    assert kernel[2, 1, 0, 4] == conv.weight[4, 0, 2, 1].item()
    np.testing.assert_array_equal(bias, conv.bias.detach().numpy())


@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise_port_computes_the_same(multiplier):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 4 * multiplier, 3, padding=1, groups=4, bias=False).eval()
    layer = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=multiplier,
                                         use_bias=False)
    model = _single_layer_model(layer)
    layer.set_weights(keras_port.torch_to_keras_arrays(conv, layer))
    x = torch.randn(2, 4, 8, 8)
    with torch.no_grad():
        expected = conv(x)
    torch.testing.assert_close(_keras_out(model, x), expected, rtol=0, atol=rounding_tolerance(
        expected, accumulation_length(conv)))


def test_linear_to_dense_and_to_pointwise_conv():
    torch.manual_seed(0)
    linear = nn.Linear(6, 3)
    x = torch.randn(2, 6)
    dense = keras.layers.Dense(3)
    dense_model = _single_layer_model(dense, (6,))
    dense.set_weights(keras_port.torch_to_keras_arrays(linear, dense))
    with torch.no_grad():
        expected = linear(x)
    atol = rounding_tolerance(expected, accumulation_length(linear))
    torch.testing.assert_close(keras_port.keras_logits(dense_model, x), expected, rtol=0, atol=atol)
    conv = keras.layers.Conv2D(3, 1)
    conv_model = _single_layer_model(conv, (1, 1, 6))
    conv.set_weights(keras_port.torch_to_keras_arrays(linear, conv))
    out = keras_port.keras_logits(conv_model, x.reshape(2, 1, 1, 6)).reshape(2, 3)
    torch.testing.assert_close(out, expected, rtol=0, atol=atol)


def test_batchnorm_statistics_are_copied_in_order():
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2, 3]))
        bn.bias.copy_(torch.tensor([4.0, 5, 6]))
        bn.running_mean.copy_(torch.tensor([7.0, 8, 9]))
        bn.running_var.copy_(torch.tensor([10.0, 11, 12]))
    layer = keras.layers.BatchNormalization()
    _single_layer_model(layer, (4, 4, 3))
    arrays = keras_port.torch_to_keras_arrays(bn, layer)
    assert [a.tolist() for a in arrays] == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]


def test_wrong_shapes_and_kinds_are_refused():
    layer = keras.layers.Conv2D(5, 3)
    _single_layer_model(layer, (6, 6, 3))
    with pytest.raises(ValueError, match="shapes"):
        keras_port.torch_to_keras_arrays(nn.Conv2d(3, 4, 3), layer)
    with pytest.raises(ValueError, match="cannot copy a batchnorm"):
        keras_port.torch_to_keras_arrays(nn.BatchNorm2d(5), layer)


@pytest.fixture(scope="module")
def v2_random():
    return (torchvision.models.mobilenet_v2().eval(),
            keras.applications.MobileNetV2(weights=None, classifier_activation=None))


def test_architectures_pair_layer_by_layer(v2_random):
    table = keras_port.architecture_table(*v2_random)
    assert len(table) == 52 + 52 + 1
    assert table["same_numbers"].all()
    assert table["kind"].value_counts().to_dict() == {"batchnorm": 52, "conv": 35,
                                                      "depthwise": 17, "dense": 1}
    bn = table[table["kind"] == "batchnorm"]
    assert set(bn["torch_eps"]) == {1e-5} and set(bn["keras_eps"]) == {1e-3}


def test_different_architectures_are_refused(v2_random):
    _, keras_model = v2_random
    with pytest.raises(ValueError, match="weighted layers"):
        keras_port.copy_weights(torchvision.models.mobilenet_v3_small(), keras_model)
    with pytest.raises(ValueError, match="shapes"):
        keras_port.copy_weights(torchvision.models.mobilenet_v2(width_mult=0.5), keras_model)
    with pytest.raises(TypeError, match="nn.Module"):
        keras_port.paired_layers(keras_model, keras_model)


def test_a_failed_copy_leaves_the_keras_model_as_it_was():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    keras_model = keras.Model(inputs, keras.layers.Dense(5)(x))
    before = [w.copy() for w in keras_model.get_weights()]
    # the convolution fits, the classifier (7 classes, not 5) does not
    torch_model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False),
                                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 7))
    with pytest.raises(ValueError, match="shapes"):
        keras_port.copy_weights(torch_model, keras_model)
    after = keras_model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


# ----------------------------------------------------------------- padding and epsilon


def test_strided_padding_of_mobilenet_v2(v2_random):
    torch_model, keras_model = v2_random
    before = keras_port.strided_padding_table(torch_model, keras_model)
    assert len(before) == 5  # the stem and four strided depthwise convolutions
    assert set(before["keras_padding"]) == {(0, 1, 0, 1)}
    assert set(before["torch_padding"]) == {(1, 1, 1, 1)}
    after = keras_port.strided_padding_table(torch_model,
                                          keras_port.with_symmetric_padding(keras_model))
    assert (after["keras_padding"] == after["torch_padding"]).all()


def test_strided_padding_of_mobilenet_v3_small():
    table = keras_port.strided_padding_table(
        torchvision.models.mobilenet_v3_small(),
        keras.applications.MobileNetV3Small(input_shape=(224, 224, 3), weights=None))
    five = table[table["kernel"] == (5, 5)]
    assert len(five) == 2 and set(five["keras_padding"]) == {(1, 2, 1, 2)}
    assert set(five["torch_padding"]) == {(2, 2, 2, 2)}
    with pytest.raises(ValueError, match="input_shape"):
        keras_port.strided_padding_table(torchvision.models.mobilenet_v3_small(),
                                      keras.applications.MobileNetV3Small(weights=None))


@pytest.mark.parametrize("size", [8, 9])
def test_symmetric_padding_matches_pytorch(size):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False).eval()
    depthwise = nn.Conv2d(6, 6, 5, stride=2, padding=2, groups=6, bias=False).eval()
    inputs = keras.Input((size, size, 4))
    first = keras.layers.Conv2D(6, 3, strides=2, padding="same", use_bias=False, name="c")
    pad = keras.layers.ZeroPadding2D(((1, 2), (1, 2)), name="p")
    second = keras.layers.DepthwiseConv2D(5, strides=2, padding="valid", use_bias=False,
                                          name="d")
    model = keras.Model(inputs, second(pad(first(inputs))))
    first.set_weights(keras_port.torch_to_keras_arrays(conv, first))
    second.set_weights(keras_port.torch_to_keras_arrays(depthwise, second))
    x = torch.randn(1, 4, size, size)
    with torch.no_grad():
        expected = depthwise(conv(x))
    fixed = keras_port.with_symmetric_padding(model)
    assert [layer.name for layer in fixed.layers[1:]] == ["c_torchpad", "c", "p", "d"]
    atol = rounding_tolerance(expected, accumulation_length(nn.Sequential(conv, depthwise)))
    torch.testing.assert_close(_keras_out(fixed, x), expected, rtol=0, atol=atol)
    if size == 8:  # even sizes are where Keras pads only the end: far more than rounding
        assert (_keras_out(model, x) - expected).abs().max() > max(1e-2, 1000 * atol)


def test_batchnorm_epsilon_rebuild(v2_random):
    torch_model, keras_model = v2_random
    rebuilt = keras_port.with_batchnorm_epsilon(keras_model, 1e-5)
    assert keras_port.batchnorm_epsilon(rebuilt) == 1e-5
    assert keras_port.batchnorm_epsilon(keras_model) == 1e-3
    assert keras_port.batchnorm_epsilon(torch_model) == 1e-5
    for a, b in zip(keras_model.weights, rebuilt.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a),
                                      keras.ops.convert_to_numpy(b))
    with pytest.raises(ValueError, match="positive"):
        keras_port.with_batchnorm_epsilon(keras_model, 0.0)
    with pytest.raises(ValueError, match="BatchNorm layers that share one epsilon"):
        keras_port.batchnorm_epsilon(nn.Sequential(nn.BatchNorm2d(2, eps=1e-3), nn.BatchNorm2d(2)))


def test_keras_batchnorm_computes_in_float32_even_in_a_float64_model():
    """Why the port is checked in float32: a float64 BatchNormalization rounds like float32."""
    generator = torch.Generator().manual_seed(0)
    mean, x = torch.randn(2, 8, dtype=torch.float64, generator=generator)
    variance, gamma, beta = torch.rand(3, 8, dtype=torch.float64, generator=generator) + 0.5
    layer = keras.layers.BatchNormalization(epsilon=1e-3, dtype="float64")
    layer.build((None, 8))
    layer.set_weights([a.numpy() for a in (gamma, beta, mean, variance)])
    out = torch.as_tensor(keras.ops.convert_to_numpy(layer(x[None], training=False)))[0]
    expected = (x - mean) / torch.sqrt(variance + 1e-3) * gamma + beta
    assert out.dtype == torch.float64
    error = (out - expected).abs().max().item()
    assert error > 1000 * rounding_tolerance(expected, BATCHNORM_ROUNDINGS)  # not float64's
    assert error <= rounding_tolerance(expected, BATCHNORM_ROUNDINGS, dtype=torch.float32)


def test_torchvision_v3_uses_the_keras_epsilon():
    assert keras_port.batchnorm_epsilon(torchvision.models.mobilenet_v3_small()) == 1e-3


# ----------------------------------------------------------------- inputs


def test_preprocessing_and_layout():
    pixels = torch.tensor([0, 255, 128], dtype=torch.uint8).view(1, 3, 1, 1).expand(2, 3, 2, 2)
    unit = transforms.unit_range(pixels)  # float32: divide, subtract, two roundings of size 1
    expected = torch.tensor([-1.0, 1.0, 128 / 127.5 - 1], dtype=torch.float64)
    torch.testing.assert_close(unit[0, :, 0, 0].double(), expected, rtol=0,
                               atol=rounding_tolerance(expected, 2, dtype=torch.float32))
    # float32: divide by 255, mean and std stored, subtract, divide: five roundings
    norm = transforms.imagenet_normalize(pixels)
    for value, exact in [(norm[0, 0, 0, 0], -0.485 / 0.229),
                         (norm[0, 1, 0, 0], (1 - 0.456) / 0.224)]:
        assert abs(value.item() - exact) <= rounding_tolerance(exact, 5, dtype=torch.float32)
    x = torch.arange(24.0).view(1, 2, 3, 4)
    nhwc = keras_port.to_channels_last(x)
    assert nhwc.shape == (1, 3, 4, 2) and nhwc[0, 2, 1, 1] == x[0, 1, 2, 1]
    assert not torch.equal(nhwc, x.reshape(1, 3, 4, 2))
    with pytest.raises(ValueError, match="N, 3, H, W"):
        transforms.unit_range(torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="4-D"):
        keras_port.to_channels_last(torch.zeros(3, 4, 4))


def test_crop_photos():
    image = Image.new("RGB", (400, 300), (10, 20, 30))
    pixels = transforms.crop_photos([image, image])
    assert pixels.shape == (2, 3, 224, 224) and pixels.dtype == torch.uint8
    assert pixels[0, :, 100, 100].tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="at least one"):
        transforms.crop_photos([])
    with pytest.raises(ValueError, match="must not exceed"):
        transforms.crop_photos([image], resize=100, crop=224)


def test_agreement_is_the_one_logit_agreement():
    assert keras_port.agreement is logit_agreement


# ----------------------------------------------------------------- the real port


def test_imagenet_port_matches_to_float32_rounding_on_a_real_photo():
    weights.install_torchvision_checkpoint()
    torch_model = torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1").eval()
    keras_model = keras.applications.MobileNetV2(weights=None, classifier_activation=None)
    assert keras_port.copy_weights(torch_model, keras_model) == 3_538_984
    pixels = transforms.crop_photos([photos.load_photo("chelsea")])
    comparison = keras_port.PortComparison(torch_model, keras_model, pixels)
    tolerance = rounding_tolerance(comparison.reference, accumulation_length(torch_model))
    table = comparison.cumulative_table()
    assert list(table.index) == ["naive port", "+ layout", "+ epsilon", "+ preprocessing",
                                 "+ padding"]
    assert table.loc["naive port", "max_abs_diff"] > 1.0
    # padding still differs: over 40 times the rounding tolerance (about 0.024)
    assert table.loc["+ preprocessing", "max_abs_diff"] > max(1.0, 40 * tolerance)
    assert table.loc["+ padding", "max_abs_diff"] <= tolerance
    assert table.loc["+ padding", "same_top5"] == 1.0
    assert comparison.measure({"layout", "preprocessing", "padding"})["max_abs_diff"] > 1.0
    first = comparison.logits(keras_port.DIVERGENCES)
    first.zero_()  # a copy: the cached result is untouched
    torch.testing.assert_close(comparison.logits(keras_port.DIVERGENCES), comparison.reference,
                               atol=tolerance, rtol=0)
    with pytest.raises(ValueError, match="unknown fixes"):
        comparison.measure({"dropout"})
    with pytest.raises(ValueError, match="permutation"):
        comparison.cumulative_table(("layout", "padding"))
