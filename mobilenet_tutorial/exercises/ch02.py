"""Exercise checks for chapter 2, *MobileNetV1*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

The exercises, all about MobileNetV1 at width 1.0 on a 224 x 224 input unless said:

- exercise 1: the multiply-adds of one of the five blocks that work on 14 x 14 x 512
  feature maps (depthwise 3 x 3 with stride 1, then pointwise 512 to 512);
- exercise 2: the share of the whole network's multiply-adds, in percent, spent in
  those five blocks together;
- exercise 3: a class written by the student, called as ``Block(in_channels,
  out_channels, stride)``, that behaves exactly like the package's
  :class:`~mobilenet_tutorial.layers.DepthwiseSeparable`;
- exercise 4: the multiply-adds of a width-0.6 MobileNetV1 predicted from the
  width-1.0 count with the paper's quadratic law.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ..layers.separable import DepthwiseSeparable
from ..measure import cost
from ..measure.counting import count_macs, count_params
from ..models.mobilenet_v1 import mobilenet_v1
from .core import (
    Mistake,
    Tolerance,
    attempt,
    check_answer,
    copy_state_in_order,
    evaluate,
    from_the_package,
    output_of,
    report,
    same_output,
    shape_of,
    time_limited,
)

__all__ = [
    "EXERCISES",
    "check_block_macs",
    "check_block_share",
    "check_separable_block",
    "check_width_prediction",
]

_CHANNELS, _SIZE = 512, 14  # exercises 1 and 2
_WIDTH = 0.6  # exercise 4
_BLOCK_CASES = ((8, 16, 1), (16, 24, 2), (12, 12, 1))  # exercise 3: (in, out, stride)


def _block_macs() -> int:
    return cost.depthwise_separable_cost(_CHANNELS, _CHANNELS, 3, _SIZE).macs


@functools.lru_cache(maxsize=1)
def _total_macs() -> int:
    return count_macs(mobilenet_v1(), (1, 3, 224, 224))


@time_limited
def check_block_macs(answer: object) -> bool:
    """Exercise 1: MACs of one 14 x 14 x 512 block (depthwise 3x3, then pointwise 512 to 512)."""
    pointwise = _CHANNELS * _CHANNELS * _SIZE * _SIZE
    return check_answer(
        answer, "Exercise 1 (multiply-adds of one block)",
        missing="replace None with a whole number: the depthwise layer's MACs plus the "
                "pointwise layer's.",
        expected=_block_macs(),
        mistakes=[
            Mistake(pointwise, "that is the pointwise layer alone; add the depthwise one."),
            Mistake(3 * 3 * _CHANNELS * _SIZE * _SIZE,
                    "that is the depthwise layer alone; add the pointwise one."),
            Mistake(9 * pointwise, "that is a full 3x3 convolution; the block splits it in two."),
        ],
        otherwise="a depthwise 3x3 layer does 3 * 3 MACs per output value, a pointwise one does "
                  "C_in; count the output values of each.")


_HUNDREDTH = 0.01  # exercise 2: the share is a percentage, right to two decimals


@time_limited
def check_block_share(answer: object) -> bool:
    """Exercise 2: percentage of the network's MACs in the five 14 x 14 x 512 blocks.

    Two decimals are enough (within 0.01 percentage points).
    """
    return check_answer(
        answer, "Exercise 2 (share of the five middle blocks)",
        tolerance=Tolerance(absolute=_HUNDREDTH),
        missing="replace None with a percentage, a number between 0 and 100.",
        expected=lambda: 100.0 * 5 * _block_macs() / _total_macs(),
        mistakes=lambda share: [  # each within what becomes 0.01 points once scaled
            Mistake(share / 100, "give a percentage (between 0 and 100), not a fraction.",
                    Tolerance(absolute=_HUNDREDTH / 100)),
            Mistake(share / 5, "there are five such blocks.", Tolerance(absolute=_HUNDREDTH / 5)),
        ],
        otherwise="divide five times your exercise 1 answer by the whole network's count_macs, "
                  "then multiply by 100.")


def _copy_state(source: nn.Module, target: nn.Module) -> str | None:
    """Copy convolution weights and BatchNorm state in order; return a problem or None."""
    for kind in (nn.Conv2d, nn.BatchNorm2d):
        ours = [m for m in source.modules() if isinstance(m, kind)]
        theirs = [m for m in target.modules() if isinstance(m, kind)]
        if len(ours) != len(theirs):
            return (f"the block should have {len(ours)} {kind.__name__} layers, "
                    f"yours has {len(theirs)}.")
        for mine, yours in zip(ours, theirs, strict=True):
            if not copy_state_in_order(mine, yours):
                return (f"a {kind.__name__} differs from the package's in its shapes or bias: "
                        "check channels, kernel size, groups and bias=False.")
    return None


def _randomise_batchnorm(module: nn.Module, generator: torch.Generator) -> None:
    for bn in module.modules():
        if isinstance(bn, nn.BatchNorm2d):
            with torch.no_grad():
                size = bn.num_features
                bn.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                bn.bias.copy_(torch.randn(size, generator=generator))
                bn.running_mean.copy_(torch.randn(size, generator=generator))
                bn.running_var.copy_(torch.rand(size, generator=generator) + 0.5)


@time_limited
def check_separable_block(block_class: object) -> bool:
    """Exercise 3: ``block_class(in_channels, out_channels, stride)`` must match the package.

    For a few channel counts and strides the check compares the parameter count with
    :class:`~mobilenet_tutorial.layers.DepthwiseSeparable`, copies the
    package block's weights and BatchNorm statistics into the student's (layer by layer,
    in order), and compares the outputs in eval mode and the multiply-adds.
    """
    name = "Exercise 3 (a MobileNetV1 block)"
    if not callable(block_class):
        return report(False, name, "replace None with your class (not an instance), built as "
                                   "Block(in_channels, out_channels, stride).")
    borrowed = from_the_package(block_class)
    if borrowed is not None:
        return report(False, name, f"that is the package's own {borrowed}: write your own "
                                   "class, a subclass of nn.Module.")
    generator = torch.Generator().manual_seed(0)
    for in_channels, out_channels, stride in _BLOCK_CASES:
        block, error = attempt(block_class, in_channels, out_channels, stride)
        if error is not None:  # the student's constructor failing becomes a hint
            return report(False, name, f"Block({in_channels}, {out_channels}, {stride}) fails: "
                                       f"{error}")
        if not isinstance(block, nn.Module):
            return report(False, name, "the class should build an nn.Module.")
        reference = DepthwiseSeparable(in_channels, out_channels, stride)
        _randomise_batchnorm(reference, generator)
        if count_params(block) != count_params(reference):
            return report(False, name, f"Block({in_channels}, {out_channels}, {stride}) has "
                                       f"{count_params(block)} parameters, the package's "
                                       f"{count_params(reference)}: no bias in the convolutions, "
                                       "one BatchNorm after each.")
        problem = _copy_state(reference, block)
        if problem is not None:
            return report(False, name, problem)
        x = torch.randn(2, in_channels, 10, 10, generator=generator)
        got, error = evaluate(block, x)
        if error is not None:  # the student's forward pass failing becomes a hint
            return report(False, name, f"the forward pass fails: {error}")
        expected = output_of(reference, x)
        if shape_of(got) != tuple(expected.shape):
            return report(False, name, f"for stride {stride} the output should have shape "
                                       f"{tuple(expected.shape)}, got {shape_of(got)}: which "
                                       "convolution takes the stride, and what padding keeps "
                                       "the size?")
        if not same_output(got, expected, reference):  # rounding may differ, nothing else
            return report(False, name, "same shapes, different values: apply depthwise conv, "
                                       "BatchNorm, ReLU, then pointwise conv, BatchNorm, ReLU.")
        size = (1, in_channels, 10, 10)
        if count_macs(block, size) != count_macs(reference, size):
            return report(False, name, "right output, but more multiply-adds than needed: "
                                       "which convolution should take the stride?")
    return report(True, name, "")


@time_limited
def check_width_prediction(answer: object) -> bool:
    """Exercise 4: MACs of MobileNetV1 at width 0.6 (224 x 224) predicted by the alpha^2 law.

    The prediction scales the width-1.0 count; it is accepted within 0.5 %.
    """
    return check_answer(
        answer, "Exercise 4 (predicted cost at width 0.6)", tolerance=Tolerance(relative=5e-3),
        missing="replace None with a number of multiply-adds, e.g. 1.5e8.",
        expected=lambda: _WIDTH**2 * _total_macs(),
        mistakes=lambda prediction: [
            Mistake(prediction / _WIDTH, "the width scales both the input and the output "
                                         "channels of a pointwise layer."),
            Mistake(prediction / 1e6, "give the number of multiply-adds, not millions."),
        ],
        otherwise="start from count_macs of the width-1.0 network and apply the paper's rule for "
                  "the width multiplier.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch02.exK``.
EXERCISES = {
    "ex1": check_block_macs,
    "ex2": check_block_share,
    "ex3": check_separable_block,
    "ex4": check_width_prediction,
}
