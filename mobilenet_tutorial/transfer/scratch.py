"""A small network trained from scratch: the baseline that tells when transfer pays.

Transfer learning is worth its cost when the new task has too few images to train a
network from random weights. :func:`small_cnn` is the network to try that against: a
MobileNetV1-style stack {stem, then depthwise-separable blocks} of chapter 2's layers,
small enough (about twenty thousand parameters at ``width=16``) to train from scratch on a
CPU in seconds, on small inputs such as 32 x 32.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import positive_int
from ..checks import seed as check_seed
from ..layers.conv import ConvNormActivation
from ..layers.separable import DepthwiseSeparable

__all__ = ["SMALL_CNN_BLOCKS", "small_cnn"]

SMALL_CNN_BLOCKS: tuple[tuple[int, int], ...] = ((2, 2), (2, 1), (4, 2), (4, 1), (8, 2))
"""The depthwise-separable blocks of :func:`small_cnn`: (output channels / ``width``, stride)."""


def small_cnn(num_classes: int, width: int = 16, in_channels: int = 3,
              seed: int | None = 0) -> nn.Sequential:
    """A small depthwise-separable network with random weights, to train from scratch.

    A 3 x 3 stem convolution to ``width`` channels, then the blocks of
    :data:`SMALL_CNN_BLOCKS` (each a
    :class:`~mobilenet_tutorial.layers.separable.DepthwiseSeparable`
    with batch norm and ReLU), global average pooling, ``Dropout(0.2)`` and a linear layer.
    The three stride-2 blocks divide the input's side by 8: 32 x 32 ends at 4 x 4.

    Args:
        num_classes: number of classes (at least 2).
        width: channels of the stem; the blocks use 2, 4 and 8 times as many.
        in_channels: channels of the input (3 for the prepared images of chapter 6,
            grey images included, since their channel is repeated).
        seed: seeds the random initialisation (PyTorch's defaults for each layer);
            ``None`` leaves the generator alone.

    Raises:
        ValueError: if ``num_classes`` is below 2, or ``width`` or ``in_channels`` is not a
            positive integer.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer of at least 2, got {num_classes!r}")
    positive_int("width", width, "such as 16")
    positive_int("in_channels", in_channels, "3 for RGB or repeated grey images")
    if seed is not None:
        torch.manual_seed(check_seed("seed", seed))
    layers: list[nn.Module] = [ConvNormActivation(in_channels, width, 3)]
    channels = width
    for factor, stride in SMALL_CNN_BLOCKS:
        layers.append(DepthwiseSeparable(channels, factor * width, stride))
        channels = factor * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(0.2),
               nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)
