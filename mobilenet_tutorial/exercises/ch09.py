"""Exercise checks for chapter 9, *Improving MobileNetV2*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

The exercises:

- exercise 1: how many parameters Triplet Attention (``7 x 7`` kernels) adds to
  MobileNetV2 when every inverted residual block gets one;
- exercise 2: how many parameters SelfNorm adds when every block gets one after its
  projection (CrossNorm with it: the ``+CNSN`` variant);
- exercise 3: a function ``cross_norm(x, perm)`` written by the student that gives image
  ``i`` of ``x`` the channel means and standard deviations of image ``perm[i]``, as
  :meth:`~mobilenet_tutorial.layers.CrossNorm.mix` does;
- exercise 4: where Mish has its minimum (the ``x``, to three decimals).
"""

from __future__ import annotations

import torch

from ..layers.cnsn import CrossNorm, instance_stats
from ..layers.inverted_residual import InvertedResidual
from ..layers.triplet_attention import BRANCH_PARAMS
from ..measure.counting import count_params
from ..models.mobilenet_v2 import VARIANTS, mobilenet_v2
from .core import Mistake, Tolerance, attempt, check_answer, report, time_limited

__all__ = ["check_triplet_params", "check_selfnorm_params", "check_cross_norm",
           "check_mish_minimum", "EXERCISES"]

_BLOCKS = 17  # inverted residual blocks of MobileNetV2 (features.1 to features.17)
_SHAPES = ((4, 3, 5, 6), (6, 8, 7, 7), (2, 16, 3, 9))  # exercise 3's inputs
_MISH_MINIMUM = -1.19243  # where x * tanh(softplus(x)) is lowest, to five decimals


def _extra(options: dict[str, object]) -> int:
    return count_params(mobilenet_v2(**options)) - count_params(mobilenet_v2())


def _block_outputs() -> int:
    return sum(m.out_channels for m in mobilenet_v2().modules() if isinstance(m, InvertedResidual))


@time_limited
def check_triplet_params(answer: object) -> bool:
    """Exercise 1: parameters Triplet Attention adds to MobileNetV2, one per block."""
    per_block = 3 * BRANCH_PARAMS
    return check_answer(
        answer, "Exercise 1 (the cost of Triplet Attention in parameters)",
        missing="replace None with a whole number of parameters.",
        expected=lambda: _extra({"attention": "triplet"}),
        mistakes=[
            Mistake(per_block, "that is one block's attention; every inverted residual block "
                               "gets its own."),
            Mistake(_BLOCKS * 3 * 2 * 7 * 7, "right for the convolutions; each branch's batch "
                                            "norm adds a scale and a shift."),
            Mistake(19 * per_block, "the stem and the last 1x1 convolution are not inverted "
                                    "residual blocks."),
            Mistake(_BLOCKS * 3 * (2 * 3 * 3 + 2), "that is for 3x3 kernels; the chapter's "
                                                  "layer uses 7x7."),
        ],
        otherwise="a branch is one 7x7 convolution from 2 maps to 1 (no bias) and a batch norm "
                  "of one channel; a layer has three branches; count MobileNetV2's blocks.")


@time_limited
def check_selfnorm_params(answer: object) -> bool:
    """Exercise 2: parameters SelfNorm adds to MobileNetV2, one after every projection."""
    return check_answer(
        answer, "Exercise 2 (the cost of SelfNorm in parameters)",
        missing="replace None with a whole number of parameters.",
        expected=lambda: _extra(VARIANTS["+CNSN"]),
        mistakes=lambda expected: [
            Mistake(expected // 2, "that is one gate; SelfNorm has one for the mean and one "
                                   "for the standard deviation."),
            Mistake(expected * 3 // 2, "running means and variances of the batch norms are "
                                       "buffers, not parameters."),
            Mistake(expected // 4, "each gate's batch norm has a scale and a shift per "
                                   "channel too."),
        ],
        otherwise="a gate has two weights per channel (one for the mean, one for the standard "
                  "deviation) and a batch norm; add up the output channels of the 17 blocks.")


def _reference_mix(x: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    return CrossNorm(0.5).mix(x, perm)


def _case(shape: tuple[int, ...], index: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(index)
    n = shape[0]
    scale = torch.rand(n, shape[1], 1, 1, generator=generator) * 3 + 0.5
    shift = torch.randn(n, shape[1], 1, 1, generator=generator) * 2
    x = torch.randn(shape, generator=generator) * scale + shift
    perm = torch.roll(torch.arange(n), 1 + index % (n - 1))  # no image keeps its own statistics
    return x, perm


@time_limited
def check_cross_norm(function: object) -> bool:
    """Exercise 3: ``function(x, perm)`` equals CrossNorm's mixing of instance statistics."""
    name = "Exercise 3 (CrossNorm by hand)"
    if not callable(function):
        return report(False, name, "replace None with your function cross_norm(x, perm).")
    if isinstance(function, CrossNorm) or getattr(function, "__self__", None).__class__ \
            is CrossNorm:
        return report(False, name, "that is the package's CrossNorm: write the formula "
                                   "yourself.")
    for index, shape in enumerate(_SHAPES):
        x, perm = _case(shape, index)
        got, error = attempt(function, x.clone(), perm.clone())
        if error is not None:
            return report(False, name, f"cross_norm on a {tuple(shape)} input raised {error}")
        expected = _reference_mix(x, perm)
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return report(False, name, f"cross_norm should return a tensor of the input's "
                                       f"shape {tuple(shape)}.")
        if bool(torch.allclose(got, expected, rtol=1e-4, atol=1e-4)):
            continue
        mean, std = instance_stats(x)
        if bool(torch.allclose(got, x, atol=1e-4)):
            hint = "the output is the input: nothing was mixed."
        elif bool(torch.allclose(got, x[perm], atol=1e-4)):
            hint = ("that moves whole images; CrossNorm keeps each image's normalised content "
                    "and swaps only the statistics.")
        elif bool(torch.allclose(got, x - mean + mean[perm], atol=1e-4)):
            hint = "the means moved, but the standard deviations must move too."
        else:
            hint = ("normalise each image's channels with their own mean and standard deviation "
                    "(over H and W; torch.var's default, plus eps = 1e-5), then scale by image "
                    "perm[i]'s standard deviation and add its mean.")
        return report(False, name, hint)
    return report(True, name, "")


@time_limited
def check_mish_minimum(answer: object) -> bool:
    """Exercise 4: the ``x`` at which Mish is lowest, to three decimals."""
    return check_answer(
        answer, "Exercise 4 (where Mish is lowest)",
        missing="replace None with a number, the x of the minimum.",
        expected=_MISH_MINIMUM, tolerance=Tolerance(absolute=1e-3),
        mistakes=[
            Mistake(-0.30884, "that is the lowest value of Mish, not where it is reached.",
                    Tolerance(absolute=2e-3)),
            Mistake(lambda x: x >= 0, "for x >= 0 Mish is increasing and not negative: look "
                                      "left of zero."),
        ],
        otherwise="evaluate mish on a fine grid of x from -3 to 0 (or solve d/dx = 0) and take "
                  "the x of the smallest value.")


EXERCISES = {"ex1": check_triplet_params, "ex2": check_selfnorm_params, "ex3": check_cross_norm,
             "ex4": check_mish_minimum}
"""The checks in exercise order, as the grader names them (``ch09.ex1``, ...)."""
