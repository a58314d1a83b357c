"""Exercise checks for chapter 10, *MobileNets at work*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or ``False``.
An answer left as ``None`` simply fails with a hint.

- exercise 1: the number of anchors RetinaFace-MobileNet0.25 scores for a photo 500 pixels
  high and 700 wide;
- exercise 2: the width in pixels of a box decoded from an anchor of side 64 with a width
  offset of 1.5;
- exercise 3: the output channels of each classification head's last convolution in
  ``ssdlite320_mobilenet_v3_large`` retrained for Pascal VOC (20 classes and background).
"""

from __future__ import annotations

import math

from .core import Mistake, Tolerance, check_answer, time_limited

__all__ = ["check_anchor_count", "check_box_width", "check_head_channels", "EXERCISES"]

_HEIGHT, _WIDTH = 500, 700  # exercise 1
_STRIDES, _ANCHORS = (8, 16, 32), 2
_SIDE, _OFFSET, _VARIANCE = 64, 1.5, 0.2  # exercise 2
_VOC_CLASSES, _DEFAULT_BOXES = 21, 6  # exercise 3


def _positions(rounding) -> int:
    return sum(rounding(_HEIGHT / s) * rounding(_WIDTH / s) for s in _STRIDES)


@time_limited
def check_anchor_count(answer: object) -> bool:
    """Exercise 1: anchors of RetinaFace-MobileNet0.25 for a 500 x 700 (H x W) photo."""
    return check_answer(
        answer, "Exercise 1 (anchors of a 500 x 700 photo)",
        missing="replace None with a whole number: the anchors of all three maps together.",
        expected=_ANCHORS * _positions(math.ceil),
        mistakes=[
            Mistake(_positions(math.ceil), "that is one anchor per position; there are two."),
            Mistake(_ANCHORS * _positions(math.floor),
                    "a map has ceil(side / stride) positions per side, not floor: a stride-2 "
                    "convolution with padding 1 keeps the last, partial position."),
            Mistake(_ANCHORS * math.ceil(_HEIGHT / 8) * math.ceil(_WIDTH / 8),
                    "that is the stride-8 map alone; add the stride-16 and stride-32 maps."),
        ],
        otherwise="for each stride s, count ceil(500 / s) x ceil(700 / s) positions, add the "
                  "three maps, and multiply by the anchors per position.")


@time_limited
def check_box_width(answer: object) -> bool:
    """Exercise 2: decoded width (pixels) from an anchor of side 64 and a width offset of 1.5."""
    return check_answer(
        answer, "Exercise 2 (width of a decoded box)",
        tolerance=Tolerance(relative=1e-3),
        missing="replace None with a width in pixels (a number).",
        expected=_SIDE * math.exp(_OFFSET * _VARIANCE),
        mistakes=[
            Mistake(_SIDE * math.exp(_OFFSET), "the offset is scaled by the variance 0.2 before "
                    "the exponential.", Tolerance(relative=1e-3)),
            Mistake(_SIDE * (1 + _OFFSET * _VARIANCE), "sizes are decoded with an exponential, "
                    "not a linear step.", Tolerance(relative=1e-3)),
            Mistake(math.exp(_OFFSET * _VARIANCE), "that is the factor; multiply it by the "
                    "anchor's side.", Tolerance(relative=1e-3)),
            Mistake(_SIDE * math.exp(_OFFSET * _VARIANCE) / 640, "give pixels, not a fraction "
                    "of the image.", Tolerance(relative=1e-3)),
        ],
        otherwise="the decoded side is the anchor's side times exp(offset x variance).")


@time_limited
def check_head_channels(answer: object) -> bool:
    """Exercise 3: channels of an SSDLite classification head's last convolution for VOC."""
    return check_answer(
        answer, "Exercise 3 (SSDLite head for Pascal VOC)",
        missing="replace None with a whole number of channels.",
        expected=_DEFAULT_BOXES * _VOC_CLASSES,
        mistakes=[
            Mistake(_DEFAULT_BOXES * (_VOC_CLASSES - 1),
                    "torchvision's detectors score the background as a class too."),
            Mistake(_VOC_CLASSES, "that is one default box; each position has several."),
            Mistake(_DEFAULT_BOXES * 4, "that is the box head (four offsets per default box)."),
            Mistake(_DEFAULT_BOXES * 91, "that is the COCO head, with 91 classes."),
        ],
        otherwise="each position has a few default boxes (count them with head_shapes or "
                  "anchor_generator.num_anchors_per_location()), each scored for every class.")


EXERCISES = {"ex1": check_anchor_count, "ex2": check_box_width, "ex3": check_head_channels}
"""The checks in exercise order (the grader's ids are ``ch10.ex1`` to ``ch10.ex3``)."""
