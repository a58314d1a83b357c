"""Exercise checks for chapter 1, *The cost of a convolution*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

The layers the exercises ask about:

- exercises 1 and 2: ``nn.Conv2d(64, 128, kernel_size=5, stride=2, padding=2)`` (with
  its default bias), applied to one 64 x 32 x 32 input;
- exercise 3: a depthwise-separable layer with ``N = 96`` output channels and a
  ``5 x 5`` kernel, compared with a standard convolution of the same shape;
- exercise 4: a depthwise-separable layer from 64 to 128 channels, ``3 x 3``
  depthwise kernel, that halves the resolution (stride 2), no bias, on a 64 x 28 x 28 input;
- exercise 5: the arithmetic intensity of a ``5 x 5`` depthwise layer (stride 1,
  padding 2, no bias) on a 256 x 14 x 14 input in float32.
"""

from __future__ import annotations

import torch
from torch import nn

from ..measure import cost
from ..measure.counting import count_macs, count_params
from ..measure.roofline import arithmetic_intensity
from .core import (
    Mistake,
    Tolerance,
    check_answer,
    evaluate,
    from_the_package,
    report,
    shape_of,
    time_limited,
)

__all__ = [
    "EXERCISES",
    "check_conv_params",
    "check_conv_macs",
    "check_separable_ratio",
    "check_separable_layer",
    "check_depthwise_intensity",
]

# Exercises 1 and 2: nn.Conv2d(64, 128, kernel_size=5, stride=2, padding=2), input 64 x 32 x 32.
_CONV = {"in_channels": 64, "out_channels": 128, "kernel_size": 5, "height": 32, "stride": 2,
         "padding": 2}
# Exercise 3.
_RATIO_N, _RATIO_K = 96, 5
# Exercise 4.
_LAYER_IN, _LAYER_OUT, _LAYER_K, _LAYER_SIZE, _LAYER_STRIDE = 64, 128, 3, 28, 2
# Exercise 5.
_DW_CHANNELS, _DW_K, _DW_SIZE, _BYTES_PER_VALUE = 256, 5, 14, 4
_THREE_FIGURES = Tolerance(relative=2e-3)  # exercises 3 and 5


@time_limited
def check_conv_params(answer: object) -> bool:
    """Exercise 1: parameters of ``nn.Conv2d(64, 128, kernel_size=5, stride=2, padding=2)``."""
    return check_answer(
        answer, "Exercise 1 (parameters of a convolution)",
        missing="replace None with a whole number: K * K * M * N weights, plus one bias per "
                "output channel.",
        expected=cost.conv2d_cost(**_CONV, bias=True).params,
        mistakes=[Mistake(cost.conv2d_cost(**_CONV, bias=False).params,
                          "you counted the weights; nn.Conv2d has bias=True by default.")],
        otherwise="parameters do not depend on stride, padding or the input size: count "
                  "K * K * M weights per output channel, and the biases.")


@time_limited
def check_conv_macs(answer: object) -> bool:
    """Exercise 2: MACs of the exercise 1 layer on one 64 x 32 x 32 input."""
    macs = cost.conv2d_cost(**_CONV).macs
    return check_answer(
        answer, "Exercise 2 (multiply-adds of a convolution)",
        missing="replace None with a whole number: K * K * M * N * H_out * W_out.",
        expected=macs,
        mistakes=[Mistake(cost.conv2d_cost(**{**_CONV, "stride": 1}).macs,
                          "with stride 2 the output is smaller than the input: work out H_out "
                          "and W_out with cost.conv_output_size."),
                  Mistake(2 * macs, "that looks like FLOPs (2 per multiply-add); count each "
                                    "multiply-add once.")],
        otherwise="each output value needs K * K * M multiply-adds, and there are "
                  "N * H_out * W_out output values.")


@time_limited
def check_separable_ratio(answer: object) -> bool:
    """Exercise 3: MACs of a depthwise-separable layer over those of a standard one, N=96, K=5.

    Three significant figures are enough.
    """
    return check_answer(
        answer, "Exercise 3 (cost ratio)", tolerance=_THREE_FIGURES,
        missing="replace None with a number between 0 and 1.",
        expected=cost.separable_ratio(_RATIO_N, _RATIO_K),
        mistakes=[Mistake(lambda ratio: ratio > 1,
                          "the ratio is separable / standard, which is below 1."),
                  Mistake(1 / _RATIO_N + 1 / _RATIO_K,
                          "a K x K kernel has K * K weights per channel.")],
        otherwise="write both costs as formulas, divide, and cancel the common factors "
                  "M * H * W.")


@time_limited
def check_separable_layer(module: object) -> bool:
    """Exercise 4: a depthwise-separable ``nn.Module``, 64 to 128 channels, 3x3, stride 2, no bias.

    It must map a ``(1, 64, 28, 28)`` input to a ``(1, 128, 14, 14)`` output with one
    depthwise 3x3 ``nn.Conv2d`` and one pointwise 1x1 ``nn.Conv2d``, and its parameters
    and MACs must equal :func:`mobilenet_tutorial.measure.cost.depthwise_separable_cost`.
    """
    name = "Exercise 4 (a depthwise-separable layer)"
    if not isinstance(module, nn.Module):
        return report(False, name, "build an nn.Module, e.g. an nn.Sequential of two nn.Conv2d "
                                   "layers, and pass it (not its output).")
    borrowed = from_the_package(module, inside=True)
    if borrowed is not None:
        return report(False, name, f"your layer uses the package's {borrowed}: build it from "
                                   "two nn.Conv2d yourself.")
    size = (1, _LAYER_IN, _LAYER_SIZE, _LAYER_SIZE)
    x = torch.randn(size, generator=torch.Generator().manual_seed(0))
    out, error = evaluate(module, x)
    if error is not None:  # any failure of the student's forward pass becomes a hint
        return report(False, name, f"the layer fails on an input of shape {size}: {error}")
    out_size = cost.conv_output_size(_LAYER_SIZE, _LAYER_K, _LAYER_STRIDE, _LAYER_K // 2)
    expected_shape = (1, _LAYER_OUT, out_size, out_size)
    if shape_of(out) != expected_shape:
        return report(False, name, f"the output should have shape {expected_shape}, got "
                                   f"{shape_of(out)}: check the output channels and the padding.")
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    depthwise = [c for c in convs if c.groups == c.in_channels == _LAYER_IN > 1]
    pointwise = [c for c in convs if c.groups == 1 and c.kernel_size == (1, 1)]
    if len(convs) != 2 or len(depthwise) != 1 or len(pointwise) != 1:
        return report(False, name, "use exactly two nn.Conv2d, in this order: a depthwise one on "
                                   "the input channels (groups equal to its input channels), "
                                   "then a pointwise 1x1 one.")
    if depthwise[0].kernel_size != (_LAYER_K, _LAYER_K):
        return report(False, name, "the depthwise convolution should have a 3x3 kernel.")
    expected = cost.depthwise_separable_cost(_LAYER_IN, _LAYER_OUT, _LAYER_K, _LAYER_SIZE,
                                             stride=_LAYER_STRIDE)
    if count_params(module) != expected.params:
        return report(False, name, "the parameter count differs from depthwise_separable_cost: "
                                   "use bias=False and leave out BatchNorm for this exercise.")
    if count_macs(module, size) != expected.macs:
        return report(False, name, "the MACs differ from depthwise_separable_cost: which of the "
                                   "two convolutions should subsample, so that less work is done?")
    other, _ = evaluate(module, torch.randn(size, generator=torch.Generator().manual_seed(1)))
    if isinstance(other, torch.Tensor) and torch.equal(other, out):
        return report(False, name, "the output is the same whatever the input: forward should "
                                   "apply both convolutions to its input.")
    return report(True, name, "")


@time_limited
def check_depthwise_intensity(answer: object) -> bool:
    """Exercise 5: MACs per byte of a 5x5 depthwise layer, 256 x 14 x 14, float32.

    Bytes are those of the input, the output and the weights, each read or written
    once.  Three significant figures are enough.
    """
    layer = cost.depthwise_cost(_DW_CHANNELS, _DW_K, _DW_SIZE)
    activations = _DW_CHANNELS * _DW_SIZE * _DW_SIZE  # the input, and as many outputs
    expected = arithmetic_intensity(layer.macs, activations, activations, layer.params,
                                    _BYTES_PER_VALUE)
    return check_answer(
        answer, "Exercise 5 (arithmetic intensity)", tolerance=_THREE_FIGURES,
        missing="replace None with a number: MACs divided by the bytes of input, output and "
                "weights.",
        expected=expected,
        mistakes=[Mistake(expected * _BYTES_PER_VALUE,
                          "you counted values; a float32 value takes 4 bytes.")],
        otherwise="a depthwise layer does K * K multiply-adds per output value; count input, "
                  "output and weight values, at 4 bytes each.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch01.exK``.
EXERCISES = {
    "ex1": check_conv_params,
    "ex2": check_conv_macs,
    "ex3": check_separable_ratio,
    "ex4": check_separable_layer,
    "ex5": check_depthwise_intensity,
}
