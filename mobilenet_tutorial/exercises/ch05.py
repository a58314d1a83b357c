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
from . import close_enough, is_number, report

__all__ = ["check_flops_factor", "check_compound_resolution", "check_same_padding",
           "check_b4_depth"]


def check_flops_factor(answer: object) -> bool:
    """Exercise 1: ``(alpha * beta**2 * gamma**2) ** 3``, the MAC multiplier at ``phi = 3``."""
    name = "Exercise 1 (cost of compound scaling)"
    if not is_number(answer):
        return report(False, name, "replace None with a number. Depth multiplies the cost by "
                                   "alpha; width and resolution each enter squared.")
    expected = (ALPHA * BETA**2 * GAMMA**2) ** 3
    if close_enough(answer, expected, rel_tol=1e-3):
        return report(True, name, "")
    if close_enough(answer, 2.0**3, rel_tol=1e-3):
        return report(False, name, "2 ** phi is the target, not the product the constants give: "
                                   "compute alpha * beta**2 * gamma**2 first.")
    if close_enough(answer, (ALPHA * BETA * GAMMA) ** 3, rel_tol=1e-3):
        return report(False, name, "a convolution's cost grows with the square of the width "
                                   "(input and output channels) and of the resolution (H and W).")
    return report(False, name, "raise alpha * beta**2 * gamma**2 to the power phi.")


def check_compound_resolution(answer: object) -> bool:
    """Exercise 2: ``224 * gamma**4``, rounded to whole pixels."""
    name = "Exercise 2 (resolution by the compound rule)"
    if not is_number(answer):
        return report(False, name, "replace None with a whole number of pixels: "
                                   "224 * gamma ** phi.")
    expected = 224 * GAMMA**4
    if abs(float(answer) - expected) <= 1.0:  # type: ignore[arg-type]
        return report(True, name, "")
    if float(answer) == VARIANTS["b4"].resolution:  # type: ignore[arg-type]
        return report(False, name, "that is the released B4's resolution, which is not the exact "
                                   "power: compute 224 * gamma ** 4.")
    return report(False, name, "resolution scales by gamma = 1.15 per step of phi.")


def check_same_padding(answer: object) -> bool:
    """Exercise 3: TensorFlow "same" padding ``(top, bottom)`` for size 112, kernel 5, stride 2."""
    name = "Exercise 3 (TensorFlow's same padding)"
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(is_number(a) for a in answer)):
        return report(False, name, "answer with a pair (top, bottom) of whole numbers.")
    expected = same_padding(112, 5, 2)
    pair = tuple(int(a) for a in answer)
    if pair == expected:
        return report(True, name, "")
    if pair == expected[::-1]:
        return report(False, name, "right total, wrong side: TensorFlow puts the extra pixel at "
                                   "the bottom.")
    if pair == (2, 2):
        return report(False, name, "that is PyTorch's symmetric padding; TensorFlow pads just "
                                   "enough for ceil(112 / 2) outputs.")
    return report(False, name, "the output has ceil(112 / 2) rows; the last window must end "
                               "inside the padded input: total = (out - 1) * stride + kernel - "
                               "112, split with the smaller half on top.")


def check_b4_depth(answer: object) -> bool:
    """Exercise 4: the number of MBConv blocks in EfficientNet-B4."""
    name = "Exercise 4 (depth of EfficientNet-B4)"
    if not is_number(answer):
        return report(False, name, "replace None with a whole number: scale each stage's block "
                                   "count of B0 by the depth coefficient and round up.")
    expected = sum(len(stage) for stage in stage_configs(depth=VARIANTS["b4"].depth))
    if close_enough(answer, expected, rel_tol=0):
        return report(True, name, "")
    if close_enough(answer, round(16 * VARIANTS["b4"].depth), rel_tol=0):
        return report(False, name, "the rounding is per stage (ceil of each stage's count), not "
                                   "on the total.")
    return report(False, name, "B0's stages have 1, 2, 2, 3, 3, 4, 1 blocks; multiply each by "
                               "1.8 and round up.")
