"""Exercise checks for chapter 8, *Efficiency in practice*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

- exercise 1: arithmetic intensity of MobileNetV2's 1x1 convolution from 160 to 960
  channels on a 7 x 7 input, at batch 1 and at batch 32, as a pair;
- exercise 2: folding BatchNorm by hand: the folded weight and bias of one channel;
- exercise 3: the roofline: the attainable speed of a depthwise layer on a given CPU,
  and the CPU's ridge point, as a pair;
- exercise 4: Amdahl's law: the whole-model speed-up when only the convolutions get faster;
- exercise 5: GPTQ by hand: the rounding that GPTQ chooses for a row of three weights whose
  first two inputs are correlated.
"""

from __future__ import annotations

import torch
from torch import nn

from ..deploy.folding import fold_conv_bn
from ..deploy.gptq import gptq_round_rows
from ..measure.roofline import arithmetic_intensity, ridge_point, roof
from .core import ANY, Mistake, Tolerance, as_numbers, check_answer, time_limited

__all__ = ["EXERCISES", "check_pointwise_intensity", "check_folded_channel", "check_roofline",
           "check_amdahl", "check_gptq_row"]

_BYTES = 4  # float32
_PER_MILLE, _PER_MILLION = Tolerance(relative=1e-3), Tolerance(relative=1e-6)
# Exercise 2: the convolution's weight; BatchNorm's gamma, beta, running mean and variance.
_FOLD_VALUES = (0.5, 2.0, 1.5, 0.2, 0.16)
_PEAK, _BANDWIDTH, _INTENSITY = 100e9, 20e9, 1.125  # exercise 3
_CONV_SHARE, _CONV_SPEEDUP = 0.8, 4.0  # exercise 4
# Exercise 5: three weights, 3-bit levels -3..3 (scale 1.5 / 3 = 0.5), and H = sum x x^T.
_GPTQ_WEIGHTS = (0.2, 0.7, 1.5)
_GPTQ_HESSIAN = ((1.0, 0.5, 0.0), (0.5, 1.0, 0.0), (0.0, 0.0, 1.0))
_GPTQ_NEAREST = (0.0, 0.5, 1.5)


def _pair(answer: object) -> tuple[float, ...] | None:
    return as_numbers(answer, 2)


def _pointwise_intensity(batch: int, with_weights: bool = True) -> float:
    c_in, c_out, positions = 160, 960, 7 * 7
    return arithmetic_intensity(positions * c_in * c_out, positions * c_in, positions * c_out,
                                c_in * c_out if with_weights else 0, _BYTES, batch=batch)


@time_limited
def check_pointwise_intensity(answer: object) -> bool:
    """Exercise 1: ``(intensity at batch 1, intensity at batch 32)`` in MACs per byte."""
    forgot_weights = ("the weights must be read too: count input, output and weights once "
                      "each, 4 bytes a value.")
    return check_answer(
        answer, "Exercise 1 (intensity of a late pointwise layer)", parse=_pair,
        tolerance=_PER_MILLE,
        missing="give a pair of numbers (batch 1, batch 32), in MACs per byte.",
        expected=(_pointwise_intensity(1), _pointwise_intensity(32)),
        mistakes=[Mistake((_pointwise_intensity(1, False), ANY), forgot_weights),
                  Mistake((ANY, _pointwise_intensity(32, False)), forgot_weights)],
        otherwise="MACs = batch x 7 x 7 x 160 x 960; bytes = 4 x (input values + output values + "
                  "weights). Only the activations grow with the batch.")


def _folded_channel() -> tuple[float, float]:
    conv = nn.Conv2d(1, 1, 1, bias=False)
    bn = nn.BatchNorm2d(1, eps=0.0).eval()
    tensors = (conv.weight, bn.weight, bn.bias, bn.running_mean, bn.running_var)
    with torch.no_grad():
        for tensor, value in zip(tensors, _FOLD_VALUES, strict=True):
            tensor.fill_(value)
    folded = fold_conv_bn(conv, bn)
    return folded.weight.item(), folded.bias.item()


@time_limited
def check_folded_channel(answer: object) -> bool:
    """Exercise 2: ``(folded weight, folded bias)`` of the one-channel example."""
    return check_answer(
        answer, "Exercise 2 (folding BatchNorm by hand)", parse=_pair, tolerance=_PER_MILLION,
        missing="give a pair of numbers: (folded weight, folded bias).",
        expected=_folded_channel,
        mistakes=lambda folded: [Mistake(
            (folded[0], ANY), "the weight is right. The bias: the convolution has none, so start "
                              "from 0, subtract the running mean, multiply by the same scale as "
                              "the weight, then add beta.")],
        otherwise="the scale is gamma / sqrt(running_var + eps), with eps = 0 here; the folded "
                  "weight is the weight times that scale.")


@time_limited
def check_roofline(answer: object) -> bool:
    """Exercise 3: ``(attainable GMAC/s of the depthwise layer, ridge point in MACs per byte)``."""
    return check_answer(
        answer, "Exercise 3 (the roofline)", parse=_pair, tolerance=_PER_MILLION,
        missing="give a pair of numbers: (attainable GMAC/s, ridge point in MACs per byte).",
        expected=(float(roof(_INTENSITY, _PEAK, _BANDWIDTH)) / 1e9, ridge_point(_PEAK, _BANDWIDTH)),
        mistakes=[Mistake((_PEAK / 1e9, ANY), "the peak is only reached by layers to the right of "
                                              "the ridge point; is this layer there?")],
        otherwise="attainable = min(peak, bandwidth x intensity); the ridge point is where the "
                  "two are equal. Keep GMAC/s and GB/s as given.")


@time_limited
def check_amdahl(answer: object) -> bool:
    """Exercise 4: the whole model's speed-up when only its convolutions become faster."""
    return check_answer(
        answer, "Exercise 4 (Amdahl's law)", parse=lambda one: as_numbers(one, 1),
        tolerance=_PER_MILLE,
        missing="give one number: how many times faster the whole model is.",
        expected=(1 / ((1 - _CONV_SHARE) + _CONV_SHARE / _CONV_SPEEDUP),),
        mistakes=[Mistake((_CONV_SPEEDUP,), "only 80% of the time gets faster; the other 20% "
                                            "stays as it was.")],
        otherwise="new time = (time not in convolutions) + (time in convolutions) / speed-up, as "
                  "fractions of the old time; the speed-up is old time / new time.")


def _gptq_row() -> tuple[float, ...]:
    weight = torch.tensor([_GPTQ_WEIGHTS], dtype=torch.float64)
    hessian = torch.tensor(_GPTQ_HESSIAN, dtype=torch.float64)
    return tuple(gptq_round_rows(weight, hessian, bits=3, damping=1e-12)[0].tolist())


@time_limited
def check_gptq_row(answer: object) -> bool:
    """Exercise 5: the three weights ``(w0, w1, w2)`` after GPTQ's rounding, in float."""
    return check_answer(
        answer, "Exercise 5 (GPTQ by hand)", parse=lambda three: as_numbers(three, 3),
        tolerance=_PER_MILLION,
        missing="give three numbers: the rounded weights (w0, w1, w2), as multiples of 0.5.",
        expected=_gptq_row,
        mistakes=[Mistake(_GPTQ_NEAREST, "that is round-to-nearest. After w0 is rounded, GPTQ "
                                         "changes w1 to make up for w0's error, because x1 "
                                         "follows x0; round w1 after that change.")],
        otherwise="round w0 first; its error (w0 - q0) times x0 is partly predictable from x1: "
                  "the least-squares update adds (w0 - q0) * H01 / H11 to w1. w2's input is "
                  "independent, and w2 sets the scale: it stays.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch08.exK``.
EXERCISES = {
    "ex1": check_pointwise_intensity,
    "ex2": check_folded_channel,
    "ex3": check_roofline,
    "ex4": check_amdahl,
    "ex5": check_gptq_row,
}
