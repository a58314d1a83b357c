"""Tests of chapter 7's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision

from mobilenet_tutorial import keras_counts as kc
from mobilenet_tutorial import rounding_tolerance
from mobilenet_tutorial.exercises import ch07

keras = kc.keras

KERAS_COUNT = 1_987_224
PADDING = (2, 2)
RATIO = math.sqrt(0.1)


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (ch07.check_keras_count, KERAS_COUNT, 1_968_680),
        (ch07.check_keras_count, KERAS_COUNT, KERAS_COUNT + 18_544),
        (ch07.check_same_padding, PADDING, (1, 3)),
        (ch07.check_same_padding, [2, 2], (1, 2)),
        (ch07.check_epsilon_ratio, RATIO, 1 / RATIO),
        (ch07.check_epsilon_ratio, 0.3162, 0.1),
        (ch07.check_to_channels_last, lambda x: x.permute(0, 2, 3, 1),
         lambda x: x.reshape(x.shape[0], x.shape[2], x.shape[3], x.shape[1])),
        (ch07.check_to_channels_last, lambda x: torch.movedim(x, 1, -1),
         lambda x: x.transpose(1, 3)),
    ],
)
def test_right_passes_and_wrong_fails(check, right, wrong, capsys):
    assert check(right) is True
    assert "correct" in capsys.readouterr().out
    assert check(wrong) is False
    out = capsys.readouterr().out
    assert "not yet" in out and "Hint" in out


@pytest.mark.parametrize("check", [ch07.check_keras_count, ch07.check_same_padding,
                                   ch07.check_epsilon_ratio, ch07.check_to_channels_last])
@pytest.mark.parametrize("answer", [None, "abc", True, float("nan")])
def test_unusable_answers_fail_with_a_hint(check, answer, capsys):
    assert check(answer) is False
    assert "Hint" in capsys.readouterr().out


def test_hints_do_not_give_the_answers(capsys):
    ch07.check_keras_count(None)
    ch07.check_same_padding(None)
    ch07.check_epsilon_ratio(None)
    out = capsys.readouterr().out
    assert "1987224" not in out and "1,987,224" not in out and "0.316" not in out


def test_student_function_that_raises_is_a_miss(capsys):
    def broken(x):
        raise RuntimeError("oops")

    assert ch07.check_to_channels_last(broken) is False
    assert "RuntimeError" in capsys.readouterr().out


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
