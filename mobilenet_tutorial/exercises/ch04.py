"""Exercise checks for chapter 4, *MobileNetV3*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

- exercise 1: parameters of the squeeze-and-excitation layer of a MobileNetV3
  block whose depthwise convolution outputs 96 channels;
- exercise 2: the minimum of hard-swish, as a pair ``(x, value)``;
- exercise 3: multiply-adds of the MobileNetV3 block ``v3_config(48, 5, 144, 48,
  True, "HS", 1)`` on a 48 x 14 x 14 input, counted as ``count_macs`` counts;
- exercise 4: the fraction of MobileNetV3-Small's parameters that sit in its
  squeeze-and-excitation layers (the chapter computes it for Large).
"""

from __future__ import annotations

from ..layers.divisible import make_divisible
from ..layers.inverted_residual import InvertedResidual, v3_config
from ..layers.squeeze_excitation import SqueezeExcitation
from ..profile import count_macs, count_params
from . import close_enough, is_number, report

__all__ = ["check_se_params", "check_hardswish_minimum", "check_block_macs",
           "check_se_param_share"]

_SE_CHANNELS = 96
_BLOCK = (48, 5, 144, 48, True, "HS", 1)
_BLOCK_INPUT = (1, 48, 14, 14)


def check_se_params(answer: object) -> bool:
    """Exercise 1: parameters of the SE layer of a V3 block with 96 expanded channels."""
    name = "Exercise 1 (parameters of squeeze-and-excitation)"
    if not is_number(answer):
        return report(False, name, "replace None with a whole number. The SE layer is two 1x1 "
                                   "convolutions with biases; its bottleneck is "
                                   "make_divisible(96 // 4) channels wide.")
    squeeze = make_divisible(_SE_CHANNELS // 4)
    weights = 2 * _SE_CHANNELS * squeeze
    expected = count_params(SqueezeExcitation(_SE_CHANNELS, squeeze))
    if close_enough(answer, expected, rel_tol=0):
        return report(True, name, "")
    if close_enough(answer, weights, rel_tol=0):
        return report(False, name, "you counted the weights; both convolutions have biases too.")
    return report(False, name, "squeeze 96 channels to the bottleneck with a 1x1 convolution, "
                               "then expand back with another; count weights and biases of both.")


def check_hardswish_minimum(answer: object) -> bool:
    """Exercise 2: where hard-swish ``x * relu6(x + 3) / 6`` is smallest: ``(x, value)``."""
    name = "Exercise 2 (the minimum of hard-swish)"
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(is_number(a) for a in answer)):
        return report(False, name, "answer with a pair (x, value). Between -3 and 3, hard-swish "
                                   "is a parabola, x * (x + 3) / 6: where is its vertex?")
    x, value = (float(a) for a in answer)
    if close_enough(x, -1.5, rel_tol=1e-3) and close_enough(value, -0.375, rel_tol=1e-3):
        return report(True, name, "")
    if close_enough(value, x * min(max(x + 3.0, 0.0), 6.0) / 6.0, rel_tol=1e-3):
        return report(False, name, "that point is on the curve but is not its lowest point: set "
                                   "the derivative of x * (x + 3) / 6 to zero.")
    return report(False, name, "the value should be hard-swish at your x; between -3 and 3 the "
                               "function is x * (x + 3) / 6.")


def check_block_macs(answer: object) -> bool:
    """Exercise 3: MACs of ``v3_config(48, 5, 144, 48, True, "HS", 1)`` on 48 x 14 x 14."""
    name = "Exercise 3 (multiply-adds of a MobileNetV3 block)"
    if not is_number(answer):
        return report(False, name, "replace None with a whole number: add the expansion, the "
                                   "depthwise, the SE and the projection convolutions.")
    block = InvertedResidual(v3_config(*_BLOCK))
    expected = count_macs(block, _BLOCK_INPUT)
    se = block.block[2]
    se_macs = 2 * se.fc1.in_channels * se.fc1.out_channels
    if close_enough(answer, expected, rel_tol=0):
        return report(True, name, "")
    if close_enough(answer, expected - se_macs, rel_tol=0):
        return report(False, name, "close: count_macs also counts the SE layer's two 1x1 "
                                   "convolutions, which run on a 1x1 map.")
    return report(False, name, "each 1x1 convolution costs H * W * C_in * C_out, the depthwise "
                               "one H * W * C * K * K (stride 1: the map stays 14 x 14).")


def check_se_param_share(answer: object) -> bool:
    """Exercise 4: fraction (0 to 1) of MobileNetV3-Small's parameters inside SE layers."""
    name = "Exercise 4 (the parameter share of squeeze-and-excitation)"
    if not is_number(answer):
        return report(False, name, "replace None with a fraction between 0 and 1: add up "
                                   "count_params of every SqueezeExcitation module, divide by "
                                   "the whole model's count.")
    from ..models.mobilenet_v3 import mobilenet_v3_small

    model = mobilenet_v3_small()
    se = sum(count_params(m) for m in model.modules() if isinstance(m, SqueezeExcitation))
    expected = se / count_params(model)
    if close_enough(answer, expected, rel_tol=1e-3):
        return report(True, name, "")
    if close_enough(float(answer) / 100.0, expected, rel_tol=1e-3):  # type: ignore[arg-type]
        return report(False, name, "that looks like a percentage: give a fraction between 0 "
                                   "and 1.")
    return report(False, name, "use model.modules() and isinstance(m, SqueezeExcitation); "
                               "divide by count_params(model).")
