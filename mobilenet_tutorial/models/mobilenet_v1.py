"""MobileNetV1 (Howard et al., 2017): a 3x3 stem and 13 depthwise-separable blocks.

The network of the paper's Table 1, in PyTorch:

- a full ``3 x 3`` convolution with stride 2 and 32 output channels (the *stem*);
- 13 depthwise-separable blocks, each a depthwise ``3 x 3`` convolution followed by
  BatchNorm and ReLU, then a pointwise ``1 x 1`` convolution followed by BatchNorm and
  ReLU (convolutions without bias, since BatchNorm adds its own shift);
- global average pooling and one fully connected layer.

Counting the depthwise and pointwise convolutions separately, that is 28 layers.
The width multiplier ``alpha`` scales every layer's channel count; the resolution
multiplier ``rho`` is simply the input size (224 at ``rho = 1``).

Table 1 of the paper prints stride 2 for the last depthwise layer, whose input is
7 x 7. That cannot be: its output would be 4 x 4, yet the next row's input and the
7 x 7 average pool both say 7 x 7, and the paper's 569 million mult-adds only add up
with stride 1.  The reference implementations use stride 1 there, and so does
:data:`BLOCKS`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from .init import init_weights_

__all__ = [
    "BLOCKS",
    "STEM_CHANNELS",
    "ConvBNReLU",
    "DepthwiseSeparable",
    "MobileNetV1",
    "mobilenet_v1",
    "scale_channels",
]

STEM_CHANNELS = 32
"""Output channels of the stem convolution at width 1.0."""

BLOCKS: tuple[tuple[int, int], ...] = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),  # Table 1 prints s2 here, a misprint: the input is already 7 x 7.
)
"""``(output channels at width 1.0, stride of the depthwise convolution)`` of the 13 blocks."""


def scale_channels(channels: int, width_mult: float, min_channels: int = 8) -> int:
    """Channels of a layer at width multiplier ``width_mult``: ``int(channels * width_mult)``.

    The product is rounded down (as TensorFlow-Slim and Keras do) and kept at least
    ``min_channels`` (TensorFlow-Slim's ``min_depth``), so very thin networks stay usable.
    At the paper's widths (1, 0.75, 0.5, 0.25) the floor never applies.
    """
    _check_width(width_mult)
    # A tiny epsilon keeps products such as 0.7 * 1000 = 699.999... from losing a channel.
    return max(min_channels, int(channels * width_mult + 1e-9))


def _check_width(width_mult: float) -> None:
    if (isinstance(width_mult, bool) or not isinstance(width_mult, (int, float))
            or not math.isfinite(width_mult) or width_mult <= 0):
        raise ValueError(
            f"width_mult must be a positive number such as 1.0, 0.75, 0.5 or 0.25, "
            f"got {width_mult!r}"
        )


def _check_positive_int(name: str, value: int, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({example}), got {value!r}")


class ConvBNReLU(nn.Sequential):
    """A convolution without bias, then BatchNorm, then ReLU.

    ``groups=in_channels`` makes it a depthwise convolution; ``kernel_size=1`` a
    pointwise one.  Padding is ``kernel_size // 2``, so stride 1 keeps the size.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                      padding=kernel_size // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class DepthwiseSeparable(nn.Sequential):
    """MobileNetV1's block: depthwise ``3 x 3`` (with the stride), then pointwise ``1 x 1``.

    Each of the two convolutions is followed by BatchNorm and ReLU (Figure 3, right,
    of the paper).  The two halves are the children ``depthwise`` and ``pointwise``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(OrderedDict(
            depthwise=ConvBNReLU(in_channels, in_channels, 3, stride=stride,
                                 groups=in_channels),
            pointwise=ConvBNReLU(in_channels, out_channels, 1),
        ))


class MobileNetV1(nn.Module):
    """MobileNetV1: stem, 13 blocks, global average pooling, dropout and a linear classifier.

    Args:
        width_mult: the width multiplier ``alpha``; every layer's channels are scaled
            by it (see :func:`scale_channels`).
        num_classes: outputs of the classifier.
        in_channels: channels of the input image (3 for RGB, 1 for greyscale).
        stem_stride: stride of the stem convolution. The paper's 2 suits 224 x 224
            images; 1 keeps small images (28 x 28) from shrinking to 1 x 1 too early.
        dropout: dropout probability before the classifier (0 disables it; the
            module stays, so the ``state_dict`` keys do not depend on it).
        separable: ``True`` for MobileNet; ``False`` replaces each block by one full
            ``3 x 3`` convolution (with BatchNorm and ReLU) with the same channels and
            stride, the "Conv MobileNet" of the paper's Table 4.
        blocks: ``(channels, stride)`` per block at width 1.0; defaults to :data:`BLOCKS`.

    Raises:
        ValueError: on a width multiplier that is not positive, fewer than one class,
            a non-positive channel count or stride, or a dropout outside ``[0, 1)``.
    """

    def __init__(self, width_mult: float = 1.0, num_classes: int = 1000, in_channels: int = 3,
                 stem_stride: int = 2, dropout: float = 0.0, separable: bool = True,
                 blocks: Sequence[tuple[int, int]] = BLOCKS) -> None:
        super().__init__()
        _check_width(width_mult)
        _check_positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
        _check_positive_int("in_channels", in_channels, "3 for RGB, 1 for greyscale")
        _check_positive_int("stem_stride", stem_stride, "2 as in the paper, 1 for small images")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        if not blocks:
            raise ValueError("blocks must list at least one (channels, stride) pair")
        for channels, stride in blocks:
            _check_positive_int("a block's channels", channels, "such as 64")
            _check_positive_int("a block's stride", stride, "1 or 2")
        self.width_mult = width_mult
        channels = scale_channels(STEM_CHANNELS, width_mult)
        layers: list[nn.Module] = [ConvBNReLU(in_channels, channels, 3, stride=stem_stride)]
        for base_channels, stride in blocks:
            out_channels = scale_channels(base_channels, width_mult)
            if separable:
                layers.append(DepthwiseSeparable(channels, out_channels, stride))
            else:
                layers.append(ConvBNReLU(channels, out_channels, 3, stride=stride))
            channels = out_channels
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(channels, num_classes))
        self.out_features = channels
        init_weights_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, num_classes)`` for images ``(batch, C, H, W)``."""
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def mobilenet_v1(width_mult: float = 1.0, num_classes: int = 1000, **kwargs) -> MobileNetV1:
    """MobileNetV1 as in the paper; keyword arguments go to :class:`MobileNetV1`.

    At width 1.0 and a 224 x 224 input it has 4,231,976 parameters (BatchNorm
    included) and performs 568,740,352 multiply-accumulates.
    """
    return MobileNetV1(width_mult=width_mult, num_classes=num_classes, **kwargs)
