"""Exercise checks for chapter 6, *Transfer learning on a CPU*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

1. :func:`check_black_pixel`: the value a black pixel takes in the blue channel
   after the pretrained weights' preprocessing.
2. :func:`check_cut_shape`: the shape of one 96 x 96 image's features at the
   cut of ``split_model(model, trainable_blocks=3)``.
3. :func:`check_head_training_setup`: a function that prepares a MobileNetV2
   classifier for training its head only, BatchNorm included.
4. :func:`check_optimizer`: an optimizer whose backbone learns ten times more
   slowly than its head.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .. import transfer
from .core import ANY, Mistake, Tolerance, as_numbers, attempt, check_answer, report, time_limited

__all__ = ["EXERCISES", "check_black_pixel", "check_cut_shape", "check_head_training_setup",
           "check_optimizer"]

_BLUE_MEAN, _BLUE_STD = 0.406, 0.225
_CUT_SIZE, _CUT_BLOCKS = 96, 3
_LAST_FROZEN = transfer.NUM_BLOCKS - _CUT_BLOCKS - 1  # index of the last entry before the cut
_HEAD_LR, _BACKBONE_LR = 1e-3, 1e-4


@time_limited
def check_black_pixel(answer: object) -> bool:
    """Exercise 1: a black pixel (0 of 255) in the blue channel, after ImageNet normalisation."""
    return check_answer(
        answer, "Exercise 1 (a black pixel, normalised)", tolerance=Tolerance(relative=1e-3),
        missing="replace None with a number: scale the pixel to [0, 1], then subtract the "
                "channel's mean and divide by its std.",
        expected=(0.0 - _BLUE_MEAN) / _BLUE_STD,
        mistakes=[
            Mistake(0.0, "black is 0 before normalisation, but not after: the mean is "
                         "subtracted first."),
            Mistake(-_BLUE_MEAN, "you subtracted the mean; now divide by the standard deviation."),
        ],
        otherwise="take the blue channel's mean and std from td.normalisation(transfer.WEIGHTS) "
                  "(blue is the third channel).")


def _expected_cut_shape() -> tuple[int, ...]:
    model = transfer.mobilenet_v2_classifier(10, pretrained=False, seed=None).eval()
    front, _ = transfer.split_model(model, _CUT_BLOCKS)
    with torch.no_grad():
        return tuple(front(torch.zeros(1, 3, _CUT_SIZE, _CUT_SIZE)).shape[1:])


@time_limited
def check_cut_shape(answer: object) -> bool:
    """Exercise 2: shape ``(C, H, W)`` of one 96 x 96 image at the cut of ``split_model(m, 3)``."""
    return check_answer(
        answer, "Exercise 2 (what the cache stores)",
        parse=lambda shape: as_numbers(shape, whole=True),
        missing="replace None with a tuple (channels, height, width).",
        expected=_expected_cut_shape,
        mistakes=lambda shape: [
            Mistake((ANY, *shape), "one image's features: leave out the batch dimension."),
            Mistake(lambda dims: len(dims) != 3, "give three numbers: (channels, height, width)."),
            Mistake((shape[0], ANY, ANY), "the channels are right; the height and width are the "
                                          "input's divided by the product of the strides before "
                                          "the cut."),
            Mistake((ANY, *shape[1:]), "the height and width are right; the channels are those of "
                                       "the last block before the cut "
                                       f"(model.features[{_LAST_FROZEN}])."),
        ],
        otherwise=f"the front ends before the last {_CUT_BLOCKS} entries of model.features: look "
                  f"at model.features[{_LAST_FROZEN}] and count the stride-2 layers up to it.")


@time_limited
def check_head_training_setup(prepare: Callable[[nn.Module], object] | None) -> bool:
    """Exercise 3: ``prepare(model)`` leaves only the head learning, the backbone in eval mode."""
    name = "Exercise 3 (training the head only)"
    if not callable(prepare):
        return report(False, name, "replace None with a function that takes the model and "
                                   "changes it in place.")
    model = transfer.mobilenet_v2_classifier(10, pretrained=False, seed=None)
    model.train()
    _, error = attempt(prepare, model)
    if error is not None:
        return report(False, name, f"your function raised {error}")
    if any(p.requires_grad for p in model.features.parameters()):
        return report(False, name, "some backbone weights still learn: freeze model.features.")
    if not all(p.requires_grad for p in model.classifier.parameters()):
        return report(False, name, "the new head must learn: leave model.classifier trainable.")
    batchnorms = [m for m in model.features.modules() if isinstance(m, nn.BatchNorm2d)]
    if any(m.training for m in batchnorms):
        return report(False, name, "the weights are frozen, but BatchNorm in training mode still "
                                   "changes its running statistics: what mode must the "
                                   "backbone be in?")
    if not model.classifier.training:
        return report(False, name, "the head is in evaluation mode, so its dropout is off while "
                                   "it trains: only the backbone should be in that mode.")
    return report(True, name, "")


@time_limited
def check_optimizer(make_optimizer: Callable[[nn.Module], object] | None) -> bool:
    """Exercise 4: ``make_optimizer(model)``: the head at learning rate 1e-3, the backbone at 1e-4.

    The check builds a fresh ``transfer.mobilenet_v2_classifier(10, pretrained=False)``,
    calls ``make_optimizer`` on it and looks at the optimizer's parameter groups.
    """
    name = "Exercise 4 (two learning rates)"
    if not callable(make_optimizer):
        return report(False, name, "replace None with a function make_optimizer(model) that "
                                   "returns a torch.optim optimizer for that model.")
    model = transfer.mobilenet_v2_classifier(10, pretrained=False, seed=None)
    optimizer, error = attempt(make_optimizer, model)
    if error is not None:
        return report(False, name, f"your function raised {error}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        return report(False, name, "return a torch.optim optimizer built from a list of "
                                   "parameter groups (dicts with 'params' and 'lr').")
    backbone = {id(p) for p in model.features.parameters()}
    head = {id(p) for p in model.classifier.parameters()}
    seen: dict[int, float] = {}
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            if id(parameter) in seen:
                return report(False, name, "a parameter is in two groups: each must appear once.")
            seen[id(parameter)] = group["lr"]
    if set(seen) != backbone | head:
        return report(False, name, "the optimizer must hold every parameter of the model it is "
                                   "given, and no other: build it from the argument.")
    backbone_rates = {seen[i] for i in backbone}
    head_rates = {seen[i] for i in head}
    if head_rates != {_HEAD_LR}:
        return report(False, name, "the classifier's parameters need the larger rate, 1e-3.")
    if backbone_rates != {_BACKBONE_LR}:
        return report(False, name, "the backbone (model.features) should learn ten times more "
                                   "slowly than the head.")
    return report(True, name, "")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch06.exK``.
EXERCISES = {
    "ex1": check_black_pixel,
    "ex2": check_cut_shape,
    "ex3": check_head_training_setup,
    "ex4": check_optimizer,
}
