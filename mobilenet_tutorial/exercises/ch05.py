"""Exercise checks for chapter 5, *EfficientNet*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

- exercise 1: by how much compound scaling multiplies the multiply-adds at
  ``phi = 3`` (``alpha = 1.2``, ``beta = 1.1``, ``gamma = 1.15``);
- exercise 2: the resolution that the compound rule gives at ``phi = 4``, from
  224 pixels, rounded to a whole number;
- exercise 3: TensorFlow's "same" padding ``(top, bottom)`` of a 5x5 convolution
  with stride 2 on a feature map 112 pixels high;
- exercise 4: the number of MBConv blocks in EfficientNet-B4 (depth coefficient 1.8).
"""

from __future__ import annotations

from ..layers.padding import same_padding
from ..models.efficientnet import ALPHA, BETA, GAMMA, VARIANTS, stage_configs
from .core import EXACT, Mistake, Tolerance, as_numbers, check_answer, time_limited

__all__ = ["EXERCISES", "check_flops_factor", "check_compound_resolution", "check_same_padding",
           "check_b4_depth"]

_PHI = 3  # exercise 1
_B4 = VARIANTS["b4"]  # exercises 2 and 4
_PAD_SIZE, _PAD_KERNEL, _PAD_STRIDE = 112, 5, 2  # exercise 3


@time_limited
def check_flops_factor(answer: object) -> bool:
    """Exercise 1: ``(alpha * beta**2 * gamma**2) ** 3``, the MAC multiplier at ``phi = 3``."""
    return check_answer(
        answer, "Exercise 1 (cost of compound scaling)", tolerance=Tolerance(relative=1e-3),
        missing="replace None with a number. Depth multiplies the cost by alpha; width and "
                "resolution each enter squared.",
        expected=(ALPHA * BETA**2 * GAMMA**2) ** _PHI,
        mistakes=[
            Mistake(2.0**_PHI, "2 ** phi is the target, not the product the constants give: "
                               "compute alpha * beta**2 * gamma**2 first."),
            Mistake((ALPHA * BETA * GAMMA) ** _PHI,
                    "a convolution's cost grows with the square of the width (input and output "
                    "channels) and of the resolution (H and W)."),
        ],
        otherwise="raise alpha * beta**2 * gamma**2 to the power phi.")


@time_limited
def check_compound_resolution(answer: object) -> bool:
    """Exercise 2: ``224 * gamma**4``, rounded to whole pixels."""
    return check_answer(
        answer, "Exercise 2 (resolution by the compound rule)", tolerance=Tolerance(absolute=1.0),
        missing="replace None with a whole number of pixels: 224 * gamma ** phi.",
        expected=224 * GAMMA**4,
        mistakes=[Mistake(_B4.resolution, "that is the released B4's resolution, which is not "
                                          "the exact power: compute 224 * gamma ** 4.", EXACT)],
        otherwise="resolution scales by gamma = 1.15 per step of phi.")


@time_limited
def check_same_padding(answer: object) -> bool:
    """Exercise 3: TensorFlow "same" padding ``(top, bottom)`` for size 112, kernel 5, stride 2."""
    return check_answer(
        answer, "Exercise 3 (TensorFlow's same padding)",
        parse=lambda pair: as_numbers(pair, 2, whole=True),
        missing="answer with a pair (top, bottom) of whole numbers.",
        expected=same_padding(_PAD_SIZE, _PAD_KERNEL, _PAD_STRIDE),
        mistakes=lambda padding: [
            Mistake(padding[::-1], "right total, wrong side: TensorFlow puts the extra pixel at "
                                   "the bottom."),
            Mistake((2, 2), "that is PyTorch's symmetric padding; TensorFlow pads just enough "
                            "for ceil(112 / 2) outputs."),
        ],
        otherwise="the output has ceil(112 / 2) rows; the last window must end inside the "
                  "padded input: total = (out - 1) * stride + kernel - 112, split with the "
                  "smaller half on top.")


@time_limited
def check_b4_depth(answer: object) -> bool:
    """Exercise 4: the number of MBConv blocks in EfficientNet-B4."""
    return check_answer(
        answer, "Exercise 4 (depth of EfficientNet-B4)",
        missing="replace None with a whole number: scale each stage's block count of B0 by the "
                "depth coefficient and round up.",
        expected=sum(len(stage) for stage in stage_configs(depth=_B4.depth)),
        mistakes=[Mistake(round(16 * _B4.depth), "the rounding is per stage (ceil of each "
                                                 "stage's count), not on the total.")],
        otherwise="B0's stages have 1, 2, 2, 3, 3, 4, 1 blocks; multiply each by 1.8 and round "
                  "up.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch05.exK``.
EXERCISES = {
    "ex1": check_flops_factor,
    "ex2": check_compound_resolution,
    "ex3": check_same_padding,
    "ex4": check_b4_depth,
}
