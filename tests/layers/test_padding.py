"""Tests of the padding factory and TensorFlow "same" padding (layers.padding)."""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F

from mobilenet_tutorial import accumulation_length, rounding_tolerance
from mobilenet_tutorial.layers.padding import Conv2dSame, conv2d, same_padding


@pytest.mark.parametrize(("args", "expected"), [
    ((224, 3, 2), (0, 1)), ((225, 3, 2), (1, 1)), ((112, 5, 2), (1, 2)), ((7, 3, 1), (1, 1)),
    ((7, 5, 1), (2, 2)), ((5, 1, 2), (0, 0)), ((8, 3, 1, 2), (2, 2)),
])
def test_same_padding_values(args, expected):
    assert same_padding(*args) == expected


@pytest.mark.parametrize("bad", [(0, 3, 1), (8, 0, 1), (8, 3, 0), (8, 3, 1, 0), (8.0, 3, 1)])
def test_same_padding_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="positive integer"):
        same_padding(*bad)


def test_conv2d_same_pads_bottom_right_on_even_input():
    torch.manual_seed(0)
    conv = Conv2dSame(4, 6, 3, stride=2, groups=2)
    x = torch.randn(1, 4, 8, 10)
    expected = F.conv2d(F.pad(x, (0, 1, 0, 1)), conv.weight, conv.bias, stride=2, groups=2)
    out = conv(x)
    assert out.shape == (1, 6, 4, 5)
    assert torch.equal(out, expected)  # the very same pad and convolution
    symmetric = F.conv2d(x, conv.weight, conv.bias, stride=2, padding=1, groups=2)
    assert (out - symmetric).abs().max() > 0.1  # PyTorch's padding gives other numbers


def test_conv2d_same_matches_keras_same_padding():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("Keras runs on another backend here")
    torch.manual_seed(0)
    for size in (8, 9):
        conv = Conv2dSame(3, 5, 3, stride=2)
        layer = keras.layers.Conv2D(5, 3, strides=2, padding="same")
        layer.build((None, size, size, 3))
        layer.set_weights([conv.weight.detach().permute(2, 3, 1, 0).numpy(),
                           conv.bias.detach().numpy()])
        x = torch.randn(2, 3, size, size)
        theirs = torch.as_tensor(
            keras.ops.convert_to_numpy(layer(x.permute(0, 2, 3, 1).numpy()))).permute(0, 3, 1, 2)
        torch.testing.assert_close(conv(x), theirs, rtol=0, atol=rounding_tolerance(
            theirs, accumulation_length(conv)))  # float32 rounding of 27-term sums


def test_conv2d_factory_chooses_the_rule():
    symmetric = conv2d(4, 8, 3, 2)
    assert type(symmetric) is torch.nn.Conv2d and symmetric.padding == (1, 1)
    assert symmetric.bias is None
    assert isinstance(conv2d(4, 8, 5, 2, padding="tf_same"), Conv2dSame)
    # 1x1: neither rule pads, so the plain convolution computes the same thing
    assert type(conv2d(4, 8, 1, padding="tf_same")) is torch.nn.Conv2d
    depthwise = conv2d(8, 8, 3, groups=8, bias=True)
    assert depthwise.groups == 8 and depthwise.bias is not None


def test_conv2d_factory_rejects_an_unknown_padding():
    with pytest.raises(ValueError, match="padding must be one of 'symmetric', 'tf_same'"):
        conv2d(4, 8, 3, padding="valid")


def test_old_import_path_still_works():
    from mobilenet_tutorial.models import tf_padding

    assert tf_padding.same_padding is same_padding and tf_padding.Conv2dSame is Conv2dSame
