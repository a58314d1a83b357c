"""Exercise checks for chapter 8, *Efficiency in practice*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

- exercise 1: arithmetic intensity of MobileNetV2's 1x1 convolution from 160 to 960
  channels on a 7 x 7 input, at batch 1 and at batch 32, as a pair;
- exercise 2: folding BatchNorm by hand: the folded weight and bias of one channel;
- exercise 3: the roofline: the attainable speed of a depthwise layer on a given CPU,
  and the CPU's ridge point, as a pair;
- exercise 4: Amdahl's law: the whole-model speed-up when only the convolutions get faster.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..deploy import fold_conv_bn
from ..roofline import ridge_point, roof
from . import close_enough, report

__all__ = ["check_pointwise_intensity", "check_folded_channel", "check_roofline",
           "check_amdahl"]

_BYTES = 4  # float32


def _numbers(answer: object, count: int) -> tuple[float, ...] | None:
    """``answer`` as ``count`` finite floats, or ``None`` if it is not that."""
    values = answer if isinstance(answer, (tuple, list)) else (answer,)
    if len(values) != count:
        return None
    try:
        numbers = tuple(float(v) for v in values if not isinstance(v, bool))
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(v) for v in numbers):
        return None
    return numbers


def _pointwise_intensity(batch: int, with_weights: bool = True) -> float:
    c_in, c_out, positions = 160, 960, 7 * 7
    macs = batch * positions * c_in * c_out
    values = batch * positions * (c_in + c_out) + (c_in * c_out if with_weights else 0)
    return macs / (_BYTES * values)


def check_pointwise_intensity(answer: object) -> bool:
    """Exercise 1: ``(intensity at batch 1, intensity at batch 32)`` in MACs per byte."""
    name = "Exercise 1 (intensity of a late pointwise layer)"
    numbers = _numbers(answer, 2)
    if numbers is None:
        return report(False, name, "give a pair of numbers (batch 1, batch 32), in MACs per byte.")
    expected = (_pointwise_intensity(1), _pointwise_intensity(32))
    if all(close_enough(a, e, rel_tol=1e-3) for a, e in zip(numbers, expected, strict=True)):
        return report(True, name, "")
    without = (_pointwise_intensity(1, False), _pointwise_intensity(32, False))
    if any(close_enough(a, e, rel_tol=1e-3) for a, e in zip(numbers, without, strict=True)):
        return report(False, name, "the weights must be read too: count input, output and "
                                   "weights once each, 4 bytes a value.")
    return report(False, name, "MACs = batch x 7 x 7 x 160 x 960; bytes = 4 x (input values + "
                               "output values + weights). Only the activations grow with the "
                               "batch.")


def _folded_channel() -> tuple[float, float]:
    conv = nn.Conv2d(1, 1, 1, bias=False)
    bn = nn.BatchNorm2d(1, eps=0.0).eval()
    with torch.no_grad():
        conv.weight.fill_(0.5)
        bn.weight.fill_(2.0)
        bn.bias.fill_(1.5)
        bn.running_mean.fill_(0.2)
        bn.running_var.fill_(0.16)
    folded = fold_conv_bn(conv, bn)
    return folded.weight.item(), folded.bias.item()


def check_folded_channel(answer: object) -> bool:
    """Exercise 2: ``(folded weight, folded bias)`` of the one-channel example."""
    name = "Exercise 2 (folding BatchNorm by hand)"
    numbers = _numbers(answer, 2)
    if numbers is None:
        return report(False, name, "give a pair of numbers: (folded weight, folded bias).")
    weight, bias = _folded_channel()
    if close_enough(numbers[0], weight, 1e-6) and close_enough(numbers[1], bias, 1e-6):
        return report(True, name, "")
    if close_enough(numbers[0], weight, 1e-6):
        return report(False, name, "the weight is right. The bias: the convolution has none, "
                                   "so start from 0, subtract the running mean, multiply by "
                                   "the same scale as the weight, then add beta.")
    return report(False, name, "the scale is gamma / sqrt(running_var + eps), with eps = 0 here; "
                               "the folded weight is the weight times that scale.")


_PEAK, _BANDWIDTH, _INTENSITY = 100e9, 20e9, 1.125


def check_roofline(answer: object) -> bool:
    """Exercise 3: ``(attainable GMAC/s of the depthwise layer, ridge point in MACs per byte)``."""
    name = "Exercise 3 (the roofline)"
    numbers = _numbers(answer, 2)
    if numbers is None:
        return report(False, name, "give a pair of numbers: (attainable GMAC/s, ridge point "
                                   "in MACs per byte).")
    attainable = float(roof(_INTENSITY, _PEAK, _BANDWIDTH)) / 1e9
    ridge = ridge_point(_PEAK, _BANDWIDTH)
    if close_enough(numbers[0], attainable, 1e-6) and close_enough(numbers[1], ridge, 1e-6):
        return report(True, name, "")
    if close_enough(numbers[0], _PEAK / 1e9, 1e-6):
        return report(False, name, "the peak is only reached by layers to the right of the "
                                   "ridge point; is this layer there?")
    return report(False, name, "attainable = min(peak, bandwidth x intensity); the ridge point "
                               "is where the two are equal. Keep GMAC/s and GB/s as given.")


_CONV_SHARE, _CONV_SPEEDUP = 0.8, 4.0


def check_amdahl(answer: object) -> bool:
    """Exercise 4: the whole model's speed-up when only its convolutions become faster."""
    name = "Exercise 4 (Amdahl's law)"
    numbers = _numbers(answer, 1)
    if numbers is None:
        return report(False, name, "give one number: how many times faster the whole model is.")
    expected = 1 / ((1 - _CONV_SHARE) + _CONV_SHARE / _CONV_SPEEDUP)
    if close_enough(numbers[0], expected, 1e-3):
        return report(True, name, "")
    if close_enough(numbers[0], _CONV_SPEEDUP, 1e-3):
        return report(False, name, "only 80% of the time gets faster; the other 20% stays as "
                                   "it was.")
    return report(False, name, "new time = (time not in convolutions) + (time in convolutions) "
                               "/ speed-up, as fractions of the old time; the speed-up is "
                               "old time / new time.")
