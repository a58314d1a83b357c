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

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from ..checks import positive_int, positive_number, probability
from ..layers.activation import ActivationLayer
from ..layers.conv import ConvNormActivation, NormLayer
from ..layers.initialisation import init_weights_
from ..layers.separable import DepthwiseSeparable  # also importable from here, as before
from .contract import check_builder_arguments

__all__ = [
    "BlockRow",
    "BLOCKS",
    "STEM_CHANNELS",
    "ConvBNReLU",
    "MobileNetV1",
    "mobilenet_v1",
    "scale_channels",
]

STEM_CHANNELS = 32
"""Output channels of the stem convolution at width 1.0."""


class BlockRow(NamedTuple):
    """One depthwise-separable block of Table 1: output channels ``c`` (at width 1.0) and
    the stride ``s`` of its depthwise convolution."""

    c: int
    s: int


BLOCKS: tuple[BlockRow, ...] = (
    BlockRow(c=64, s=1),
    BlockRow(c=128, s=2),
    BlockRow(c=128, s=1),
    BlockRow(c=256, s=2),
    BlockRow(c=256, s=1),
    BlockRow(c=512, s=2),
    BlockRow(c=512, s=1),
    BlockRow(c=512, s=1),
    BlockRow(c=512, s=1),
    BlockRow(c=512, s=1),
    BlockRow(c=512, s=1),
    BlockRow(c=1024, s=2),
    BlockRow(c=1024, s=1),  # Table 1 prints s2 here, a misprint: the input is already 7 x 7.
)
"""The 13 blocks of Table 1, in order."""


def scale_channels(channels: int, width_mult: float, min_channels: int = 8) -> int:
    """Channels of a layer at width multiplier ``width_mult``: ``int(channels * width_mult)``.

    The product is rounded down (as TensorFlow-Slim and Keras do) and kept at least
    ``min_channels`` (TensorFlow-Slim's ``min_depth``), so very thin networks stay usable.
    At the paper's widths (1, 0.75, 0.5, 0.25) the floor never applies.
    """
    _check_width(width_mult)
    positive_int("channels", channels, "a channel count such as 32")
    positive_int("min_channels", min_channels, "8, TensorFlow-Slim's min_depth")
    # A tiny epsilon keeps products such as 0.7 * 1000 = 699.999... from losing a channel.
    return max(min_channels, int(channels * width_mult + 1e-9))


def _check_width(width_mult: float) -> None:
    positive_number("width_mult", width_mult, "such as 1.0, 0.75, 0.5 or 0.25")


def ConvBNReLU(in_channels: int, out_channels: int, kernel_size: int = 3,
               stride: int = 1, groups: int = 1) -> ConvNormActivation:
    """Deprecated name of ``ConvNormActivation(..., activation_layer=nn.ReLU)``."""
    return ConvNormActivation(in_channels, out_channels, kernel_size, stride, groups=groups,
                              activation_layer=nn.ReLU)


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
        blocks: rows ``(c, s)`` (:class:`BlockRow` or plain pairs) at width 1.0;
            defaults to :data:`BLOCKS`.
        norm_layer: builds every normalisation layer (batch norm with PyTorch's defaults);
            ``None`` leaves bare convolutions with a bias (a network whose batch norms
            were folded into its convolutions, such as RetinaFace's exported backbone).
        activation_layer: builds every activation (``nn.ReLU`` as in the paper; a
            ``functools.partial(nn.LeakyReLU, 0.1)`` for RetinaFace's backbone), or a name
            of :mod:`~mobilenet_tutorial.layers.activation`.

    Raises:
        ValueError: on a width multiplier that is not positive, fewer than one class,
            a non-positive channel count or stride, or a dropout outside ``[0, 1)``.
    """

    def __init__(self, width_mult: float = 1.0, num_classes: int = 1000, in_channels: int = 3,
                 stem_stride: int = 2, dropout: float = 0.0, separable: bool = True,
                 blocks: Sequence[tuple[int, int]] = BLOCKS,
                 norm_layer: NormLayer | None = nn.BatchNorm2d,
                 activation_layer: ActivationLayer | str = nn.ReLU) -> None:
        super().__init__()
        _check_width(width_mult)
        positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
        positive_int("in_channels", in_channels, "3 for RGB, 1 for greyscale")
        positive_int("stem_stride", stem_stride, "2 as in the paper, 1 for small images")
        probability("dropout", dropout, "0 turns it off")
        if not blocks:
            raise ValueError("blocks must list at least one (channels, stride) pair, "
                             "such as BLOCKS")
        rows = [BlockRow(*row) for row in blocks]
        for row in rows:
            positive_int("a block's channels", row.c, "such as 64")
            positive_int("a block's stride", row.s, "1 or 2")
        self.width_mult = width_mult
        channels = scale_channels(STEM_CHANNELS, width_mult)
        layers: list[nn.Module] = [ConvNormActivation(in_channels, channels, 3, stem_stride,
                                                      norm_layer=norm_layer,
                                                      activation_layer=activation_layer)]
        for row in rows:
            out_channels = scale_channels(row.c, width_mult)
            if separable:
                layers.append(DepthwiseSeparable(channels, out_channels, row.s,
                                                 norm_layer=norm_layer,
                                                 activation_layer=activation_layer))
            else:
                layers.append(ConvNormActivation(channels, out_channels, 3, row.s,
                                                 norm_layer=norm_layer,
                                                 activation_layer=activation_layer))
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


def mobilenet_v1(*, weights: None = None, progress: bool = True, num_classes: int = 1000,
                 width_mult: float = 1.0, **kwargs) -> MobileNetV1:
    """MobileNetV1 as in the paper; other keyword arguments go to :class:`MobileNetV1`.

    At width 1.0 and a 224 x 224 input it has 4,231,976 parameters (BatchNorm
    included) and performs 568,740,352 multiply-accumulates.  There are no pretrained
    weights (``weights`` must be ``None``; see :mod:`.contract`).
    """
    check_builder_arguments("mobilenet_v1", weights=weights, num_classes=num_classes,
                            width_mult=width_mult)
    return MobileNetV1(width_mult=width_mult, num_classes=num_classes, **kwargs)
