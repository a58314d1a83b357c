"""Exercise checks for chapter 7, *One model, two frameworks: PyTorch and Keras side by side*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.  The checks need
neither Keras nor any download.

- exercise 1: the number ``keras.applications.MobileNetV2(alpha=0.5, weights=None)
  .count_params()`` prints, predicted from ``torchvision.models.mobilenet_v2(width_mult=0.5)``;
- exercise 2: the ``(top, bottom)`` zeros Keras's ``"same"`` padding adds for a
  ``5 x 5`` convolution of stride 2 on a ``15 x 15`` input;
- exercise 3: for a BatchNorm channel with running variance ``1e-4``, the ratio of
  its normalised output in Keras (epsilon ``1e-3``) to that in PyTorch (``1e-5``);
- exercise 4: a function that turns an ``(N, C, H, W)`` tensor into ``(N, H, W, C)``.
"""

from __future__ import annotations

import math

import torch

from ..layers.padding import same_padding
from .core import (
    Mistake,
    Tolerance,
    as_numbers,
    attempt,
    check_answer,
    report,
    shape_of,
    time_limited,
)

__all__ = [
    "EXERCISES",
    "keras_same_padding",
    "check_keras_count",
    "check_same_padding",
    "check_epsilon_ratio",
    "check_to_channels_last",
]

# Exercise 1: MobileNetV2 at width 0.5.  PyTorch: 1,968,680 parameters; its BatchNorm
# layers have 9,272 channels, so 18,544 running statistics (checked by the unit tests).
_HALF_WIDTH_TORCH_PARAMS = 1_968_680
_HALF_WIDTH_RUNNING_STATS = 18_544
# Exercise 2.
_PAD_KERNEL, _PAD_STRIDE, _PAD_SIZE = 5, 2, 15
# Exercise 3.
_VARIANCE, _EPS_KERAS, _EPS_TORCH = 1e-4, 1e-3, 1e-5


def keras_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """The ``(before, after)`` zeros of Keras's ``"same"`` padding along one axis.

    Keras follows TensorFlow's rule, :func:`~mobilenet_tutorial.layers.padding.same_padding`.
    """
    if size < 1 or kernel < 1 or stride < 1:
        raise ValueError(f"size, kernel and stride must be positive, got {size}, {kernel}, "
                         f"{stride}")
    return same_padding(size, kernel, stride)


@time_limited
def check_keras_count(answer: object) -> bool:
    """Exercise 1: Keras's ``count_params()`` for MobileNetV2 at ``alpha=0.5``."""
    return check_answer(
        answer, "Exercise 1 (Keras's count at width 0.5)",
        missing="give a whole number, e.g. computed from the PyTorch model "
                "torchvision.models.mobilenet_v2(width_mult=0.5).",
        expected=_HALF_WIDTH_TORCH_PARAMS + _HALF_WIDTH_RUNNING_STATS,
        mistakes=[Mistake(_HALF_WIDTH_TORCH_PARAMS,
                          "that is PyTorch's count of parameters. Keras counts some numbers that "
                          "PyTorch keeps as buffers: which ones, and how many?")],
        otherwise="start from PyTorch's parameter count and add what Keras also stores in each "
                  "BatchNormalization layer (two vectors per layer, one value per channel).")


@time_limited
def check_same_padding(answer: object) -> bool:
    """Exercise 2: ``(top, bottom)`` of ``"same"`` padding, kernel 5, stride 2, input 15."""
    expected = keras_same_padding(_PAD_SIZE, _PAD_KERNEL, _PAD_STRIDE)
    return check_answer(
        answer, "Exercise 2 (\"same\" padding of an odd-sized input)",
        parse=lambda pair: as_numbers(pair, 2, whole=True),
        missing="answer a pair of whole numbers (top, bottom), e.g. (0, 1).",
        expected=expected,
        mistakes=[Mistake(lambda pair: sum(pair) != sum(expected),
                          "first find the output size, ceil(15 / 2), then the total padding that "
                          "output size needs: (out - 1) * stride + kernel - size.")],
        otherwise="the total is right; Keras splits it in half and puts any odd zero at the end. "
                  "Is the total odd here?")


@time_limited
def check_epsilon_ratio(answer: object) -> bool:
    """Exercise 3: Keras's normalised output over PyTorch's, for running variance 1e-4."""
    expected = math.sqrt((_VARIANCE + _EPS_TORCH) / (_VARIANCE + _EPS_KERAS))
    return check_answer(
        answer, "Exercise 3 (the cost of a different epsilon)", tolerance=Tolerance(relative=1e-3),
        missing="give a number: (x - mean) / sqrt(var + eps) in Keras, divided by the same in "
                "PyTorch.",
        expected=expected,
        mistakes=[Mistake(1 / expected, "you have the ratio upside down: Keras over PyTorch.")],
        otherwise="x - mean cancels in the ratio; what is left is a square root of a ratio of "
                  "variance plus epsilon in each framework.")


@time_limited
def check_to_channels_last(fn: object) -> bool:
    """Exercise 4: ``fn`` turns ``(N, C, H, W)`` tensors into the same images ``(N, H, W, C)``."""
    name = "Exercise 4 (NCHW to NHWC)"
    if not callable(fn):
        return report(False, name, "define a function that takes a tensor, and pass the "
                      "function itself (without calling it).")
    generator = torch.Generator().manual_seed(7)
    for shape in [(2, 3, 4, 5), (1, 3, 224, 224), (3, 1, 2, 2)]:
        x = torch.randn(shape, generator=generator)
        y, error = attempt(fn, x.clone())
        if error is not None:
            return report(False, name, f"your function raised {error}")
        if shape_of(y) != (shape[0], *shape[2:], shape[1]):
            return report(False, name, "the result must be a tensor of shape (N, H, W, C).")
        if not torch.equal(y, x.permute(0, 2, 3, 1)):  # type: ignore[arg-type]
            return report(False, name, "the shape is right but the pixels moved: reshape keeps "
                          "the order of the numbers in memory; you need to reorder the axes.")
    return report(True, name, "")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch07.exK``.
EXERCISES = {
    "ex1": check_keras_count,
    "ex2": check_same_padding,
    "ex3": check_epsilon_ratio,
    "ex4": check_to_channels_last,
}
