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
from ..measure.counting import count_macs, count_params
from .core import Mistake, Tolerance, as_numbers, check_answer, time_limited

__all__ = ["EXERCISES", "check_se_params", "check_hardswish_minimum", "check_block_macs",
           "check_se_param_share"]

_PER_MILLE = Tolerance(relative=1e-3)  # exercises 2 and 4
_SE_CHANNELS = 96  # exercise 1
_SQUEEZE = make_divisible(_SE_CHANNELS // 4)
_BLOCK = (48, 5, 144, 48, True, "HS", 1)  # exercise 3
_BLOCK_INPUT = (1, 48, 14, 14)


@time_limited
def check_se_params(answer: object) -> bool:
    """Exercise 1: parameters of the SE layer of a V3 block with 96 expanded channels."""
    return check_answer(
        answer, "Exercise 1 (parameters of squeeze-and-excitation)",
        missing="replace None with a whole number. The SE layer is two 1x1 convolutions with "
                "biases; its bottleneck is make_divisible(96 // 4) channels wide.",
        expected=lambda: count_params(SqueezeExcitation(_SE_CHANNELS, _SQUEEZE)),
        mistakes=[Mistake(2 * _SE_CHANNELS * _SQUEEZE,
                          "you counted the weights; both convolutions have biases too.")],
        otherwise="squeeze 96 channels to the bottleneck with a 1x1 convolution, then expand "
                  "back with another; count weights and biases of both.")


def _hardswish(x: float) -> float:
    return x * min(max(x + 3.0, 0.0), 6.0) / 6.0


@time_limited
def check_hardswish_minimum(answer: object) -> bool:
    """Exercise 2: where hard-swish ``x * relu6(x + 3) / 6`` is smallest: ``(x, value)``."""
    return check_answer(
        answer, "Exercise 2 (the minimum of hard-swish)",
        parse=lambda pair: as_numbers(pair, 2), tolerance=_PER_MILLE,
        missing="answer with a pair (x, value). Between -3 and 3, hard-swish is a parabola, "
                "x * (x + 3) / 6: where is its vertex?",
        expected=(-1.5, -0.375),
        mistakes=[Mistake(lambda point: _PER_MILLE.accepts(point[1], _hardswish(point[0])),
                          "that point is on the curve but is not its lowest point: set the "
                          "derivative of x * (x + 3) / 6 to zero.")],
        otherwise="the value should be hard-swish at your x; between -3 and 3 the function is "
                  "x * (x + 3) / 6.")


@time_limited
def check_block_macs(answer: object) -> bool:
    """Exercise 3: MACs of ``v3_config(48, 5, 144, 48, True, "HS", 1)`` on 48 x 14 x 14."""
    config = v3_config(*_BLOCK)
    se_macs = 2 * config.expanded_channels * config.se_channels  # two 1x1 convolutions on 1 x 1
    return check_answer(
        answer, "Exercise 3 (multiply-adds of a MobileNetV3 block)",
        missing="replace None with a whole number: add the expansion, the depthwise, the SE and "
                "the projection convolutions.",
        expected=lambda: count_macs(InvertedResidual(config), _BLOCK_INPUT),
        mistakes=lambda macs: [
            Mistake(macs - se_macs, "close: count_macs also counts the SE layer's two 1x1 "
                                    "convolutions, which run on a 1x1 map."),
        ],
        otherwise="each 1x1 convolution costs H * W * C_in * C_out, the depthwise one "
                  "H * W * C * K * K (stride 1: the map stays 14 x 14).")


def _se_share() -> float:
    from ..models.mobilenet_v3 import mobilenet_v3_small

    model = mobilenet_v3_small()
    se = sum(count_params(m) for m in model.modules() if isinstance(m, SqueezeExcitation))
    return se / count_params(model)


@time_limited
def check_se_param_share(answer: object) -> bool:
    """Exercise 4: fraction (0 to 1) of MobileNetV3-Small's parameters inside SE layers."""
    return check_answer(
        answer, "Exercise 4 (the parameter share of squeeze-and-excitation)",
        tolerance=_PER_MILLE,
        missing="replace None with a fraction between 0 and 1: add up count_params of every "
                "SqueezeExcitation module, divide by the whole model's count.",
        expected=_se_share,
        mistakes=lambda share: [Mistake(100 * share, "that looks like a percentage: give a "
                                                     "fraction between 0 and 1.")],
        otherwise="use model.modules() and isinstance(m, SqueezeExcitation); divide by "
                  "count_params(model).")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch04.exK``.
EXERCISES = {
    "ex1": check_se_params,
    "ex2": check_hardswish_minimum,
    "ex3": check_block_macs,
    "ex4": check_se_param_share,
}
