"""Tests of chapter 7's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial import keras_counts as kc
from mobilenet_tutorial import rounding_tolerance
from mobilenet_tutorial.exercises import ch07

keras = kc.keras

KERAS_COUNT = 1_987_224
PADDING = (2, 2)
RATIO = math.sqrt(0.1)


def _broken(x):
    raise RuntimeError("oops")


def _reshaped(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], x.shape[2], x.shape[3], x.shape[1])


CHECKS = [ch07.check_keras_count, ch07.check_same_padding, ch07.check_epsilon_ratio,
          ch07.check_to_channels_last]


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch07.check_keras_count, KERAS_COUNT, RIGHT),
    (ch07.check_keras_count, 1_968_680, "buffers"),
    (ch07.check_keras_count, KERAS_COUNT + 18_544, "two vectors per layer"),
    (ch07.check_same_padding, PADDING, RIGHT),
    (ch07.check_same_padding, [2, 2], RIGHT),
    (ch07.check_same_padding, torch.Size(PADDING), RIGHT),
    (ch07.check_same_padding, (1, 3), "odd zero at the end"),
    (ch07.check_same_padding, (1, 2), "ceil(15 / 2)"),
    (ch07.check_same_padding, {1, 3}, "pair of whole numbers"),
    (ch07.check_same_padding, (2.5, 1.5), "pair of whole numbers"),
    (ch07.check_epsilon_ratio, RATIO, RIGHT),
    (ch07.check_epsilon_ratio, 0.3162, RIGHT),
    (ch07.check_epsilon_ratio, 1 / RATIO, "upside down"),
    (ch07.check_epsilon_ratio, 0.1, "square root"),
    (ch07.check_to_channels_last, lambda x: x.permute(0, 2, 3, 1), RIGHT),
    (ch07.check_to_channels_last, lambda x: torch.movedim(x, 1, -1), RIGHT),
    (ch07.check_to_channels_last, lambda x: x.permute(0, 2, 3, 1).contiguous(), RIGHT),
    (ch07.check_to_channels_last, _reshaped, "pixels moved"),
    (ch07.check_to_channels_last, lambda x: x.transpose(1, 3), "shape (N, H, W, C)"),
    (ch07.check_to_channels_last, lambda x: x, "shape (N, H, W, C)"),
    (ch07.check_to_channels_last, lambda x: x.permute(0, 2, 3, 1).tolist(), "shape (N, H, W, C)"),
    (ch07.check_to_channels_last, _broken, "your function raised RuntimeError: oops"),
    *[(check, unusable, "Hint:") for check in CHECKS
      for unusable in [None, "abc", True, float("nan")]],
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["1987224", "0.316"])


def test_exercise_1_answer_is_what_keras_prints():
    torch_model = torchvision.models.mobilenet_v2(width_mult=0.5)
    keras_model = keras.applications.MobileNetV2(alpha=0.5, weights=None,
                                                 input_shape=(224, 224, 3))
    assert keras_model.count_params() == KERAS_COUNT
    counts = kc.torch_param_counts(torch_model)
    assert counts.reported == 1_968_680
    assert counts.reported + kc.torch_batchnorm_values(torch_model) == KERAS_COUNT


@pytest.mark.parametrize(("size", "kernel", "stride"), [(15, 5, 2), (28, 5, 2), (224, 3, 2),
                                                        (7, 3, 1), (10, 4, 3)])
def test_same_padding_helper_matches_keras(size, kernel, stride):
    before, after = ch07.keras_same_padding(size, kernel, stride)
    torch.manual_seed(0)
    layer = keras.layers.Conv2D(1, (kernel, 1), strides=(stride, 1), padding="same",
                                use_bias=False)
    inputs = keras.Input((size, 1, 1))
    model = keras.Model(inputs, layer(inputs))
    x = torch.randn(1, size, 1, 1)
    with torch.no_grad():
        out = model(x)
        kernel_hwio = layer.kernel.value  # (kernel, 1, 1, 1)
        padded = torch.nn.functional.pad(x.permute(0, 3, 1, 2), (0, 0, before, after))
        expected = torch.nn.functional.conv2d(padded, kernel_hwio.permute(3, 2, 0, 1),
                                              stride=(stride, 1))
    torch.testing.assert_close(out.permute(0, 3, 1, 2), expected, rtol=0,
                               atol=rounding_tolerance(expected, kernel))  # sums of `kernel`
    assert ch07.keras_same_padding(15, 5, 2) == PADDING
    with pytest.raises(ValueError, match="positive"):
        ch07.keras_same_padding(0, 3, 2)
