"""Exercise checks for chapter 3, *MobileNetV2*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

The exercises, about MobileNetV2 at width 1.0 on a 224 x 224 input:

- exercise 1: the parameters (convolutions and batch norms) of the inverted residual
  block ``features.11``, which maps 64 channels to 96 with expansion 6 and stride 1;
- exercise 2: the indices ``N`` of the blocks ``features.N`` that add their input to
  their output (a residual connection);
- exercise 3: a class written by the student, called as ``Block(in_channels,
  out_channels, stride, expand_ratio)``, that behaves exactly like the package's
  :class:`~mobilenet_tutorial.layers.InvertedResidual` configured by
  :func:`~mobilenet_tutorial.layers.v2_config` (MobileNetV2's block);
- exercise 4: the number of tensor elements block ``features.3`` must hold at its
  peak when its expansion is streamed (input plus output).
"""

from __future__ import annotations

import torch
from torch import nn

from ..layers.inverted_residual import InvertedResidual, v2_config
from ..measure.counting import count_params
from ..models.compare import randomize_batchnorm_
from ..models.mobilenet_v2 import mobilenet_v2
from .core import (
    Mistake,
    as_numbers,
    attempt,
    check_answer,
    copy_state_in_order,
    evaluate,
    from_the_package,
    is_collection,
    output_of,
    report,
    same_output,
    time_limited,
)

__all__ = [
    "EXERCISES",
    "check_block_params",
    "check_residual_blocks",
    "check_inverted_residual",
    "check_streamed_memory",
]

_BLOCK = (64, 96, 6)  # exercise 1: in, out, t
_CASES = ((16, 16, 1, 6), (16, 24, 2, 6), (32, 16, 1, 1), (24, 24, 1, 4))  # exercise 3
_BLOCKS = set(range(1, 18))  # exercise 2: features.1 to features.17 are inverted residuals
_STREAMED = 2 * 24 * 56 * 56  # exercise 4: features.3 takes and returns 24 x 56 x 56


def _block_params() -> int:
    c_in, c_out, t = _BLOCK
    return count_params(InvertedResidual(v2_config(c_in, c_out, 1, t)))


@time_limited
def check_block_params(answer: object) -> bool:
    """Exercise 1: parameters of an inverted residual block, 64 -> 96 channels, t = 6."""
    c_in, c_out, t = _BLOCK
    hidden = c_in * t
    convs = c_in * hidden + 9 * hidden + hidden * c_out
    return check_answer(
        answer, "Exercise 1 (parameters of one inverted residual)",
        missing="replace None with a whole number: three convolutions (no biases) and three "
                "batch norms.",
        expected=_block_params,
        mistakes=[
            Mistake(convs, "right for the convolutions; each batch norm adds a scale and a "
                           "shift per channel."),
            Mistake(convs + 4 * (2 * hidden + c_out),
                    "running mean and variance are buffers, not parameters."),
        ],
        otherwise="the hidden width is t * c_in; the depthwise layer has 3 * 3 weights per "
                  "channel, the 1x1 layers c_in * c_out each.")


def _residual_indices() -> set[int]:
    model = mobilenet_v2()
    return {int(key) for key, module in model.features.named_children()
            if isinstance(module, InvertedResidual) and module.use_residual}


def _whole_number_set(answer: object) -> set[int] | None:
    numbers = as_numbers(answer, whole=True, ordered=False)
    return None if numbers is None else set(numbers)


@time_limited
def check_residual_blocks(answer: object) -> bool:
    """Exercise 2: the set of ``N`` such that block ``features.N`` has a residual connection."""
    name = "Exercise 2 (which blocks are residual)"
    if not is_collection(answer):
        return report(False, name, "replace None with a set of whole numbers, e.g. {1, 2}.")
    return check_answer(
        answer, name, parse=_whole_number_set,
        missing="every element should be a whole number N of features.N.",
        expected=_residual_indices,
        mistakes=lambda residual: [
            Mistake(lambda blocks: bool(blocks - _BLOCKS),
                    "the inverted residual blocks are features.1 to features.17; features.0 and "
                    "features.18 are plain convolutions."),
            Mistake(lambda blocks: blocks > residual,
                    "too many: a block adds its input only when its stride is 1 AND its input "
                    "and output have the same channels."),
        ],
        otherwise="look at Table 2: the first block of each row changes the channels or the "
                  "stride; the repeats of a row do neither.")


@time_limited
def check_inverted_residual(block_class: object) -> bool:
    """Exercise 3: ``block_class(in, out, stride, expand_ratio)`` equals the package's block.

    The student's block must have the package's parameter count, and after copying the
    package block's state into it (tensor by tensor, in order: expansion, depthwise,
    projection) give the same output on random input, in eval mode.
    """
    name = "Exercise 3 (your own inverted residual)"
    if not callable(block_class):
        return report(False, name, "replace None with your class (not an instance).")
    borrowed = from_the_package(block_class)
    if borrowed is not None:
        return report(False, name, f"that is the package's own {borrowed}: write your own "
                                   "class, a subclass of nn.Module.")
    for c_in, c_out, stride, t in _CASES:
        case = f"Block({c_in}, {c_out}, stride={stride}, expand_ratio={t})"
        mine, error = attempt(block_class, c_in, c_out, stride, t)
        if error is not None:
            return report(False, name, f"{case} raised {error}")
        if not isinstance(mine, nn.Module):
            return report(False, name, f"{case} should be a torch.nn.Module.")
        with torch.random.fork_rng(devices=[]):  # the caller's random numbers stay as they are
            torch.manual_seed(0)
            reference = randomize_batchnorm_(InvertedResidual(v2_config(c_in, c_out, stride, t)))
        if count_params(mine) != count_params(reference):
            return report(False, name, f"{case} has {count_params(mine)} parameters, the "
                          f"package's {count_params(reference)}. Convolutions have no bias; "
                          "is the expansion left out when t = 1?")
        if not copy_state_in_order(reference, mine):
            return report(False, name, f"{case}: the tensors of your state dict do not line up "
                          "with the package's (define expansion, depthwise, projection in order, "
                          "each convolution followed by its batch norm).")
        x = torch.randn(2, c_in, 12, 12, generator=torch.Generator().manual_seed(1))
        out, error = evaluate(mine, x)
        if error is not None:
            return report(False, name, f"{case} forward raised {error}")
        if not same_output(out, output_of(reference, x), reference):  # up to rounding
            return report(False, name, f"{case} gives a different output. Check: ReLU6 after "
                          "expansion and depthwise, none after the projection; the shortcut "
                          "only when stride is 1 and channels match.")
    return report(True, name, "")


@time_limited
def check_streamed_memory(answer: object) -> bool:
    """Exercise 4: elements held at the peak of ``features.3`` with a streamed expansion."""
    return check_answer(
        answer, "Exercise 4 (memory of one block)",
        missing="replace None with a whole number of tensor elements.",
        expected=_STREAMED,
        mistakes=[Mistake(6 * _STREAMED,
                          "that is what the block would hold if its narrow ends were wide; with "
                          "streaming only the narrow tensors stay whole.")],
        otherwise="features.3 takes and returns 24 channels at 56 x 56; count the elements of "
                  "both.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch03.exK``.
EXERCISES = {
    "ex1": check_block_params,
    "ex2": check_residual_blocks,
    "ex3": check_inverted_residual,
    "ex4": check_streamed_memory,
}
