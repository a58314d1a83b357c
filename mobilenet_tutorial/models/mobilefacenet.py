"""MobileFaceNet (Chen et al., 2018): MobileNetV2's blocks, made for face embeddings.

The network of the paper's Table 1, for 112 x 112 aligned faces:

- a ``3 x 3`` convolution with stride 2 (64 channels) and a depthwise ``3 x 3``;
- 15 bottlenecks (MobileNetV2's inverted residuals, expansion 2 or 4) down to 7 x 7 x 128;
- a ``1 x 1`` convolution to 512 channels;
- a *global depthwise convolution* (GDConv): a linear depthwise ``7 x 7`` without padding,
  which weighs every position of the last map separately instead of averaging them (the
  centre of a face matters more than its corners, so global average pooling loses accuracy);
- a linear ``1 x 1`` convolution to the 128-d embedding.

Every convolution is followed by batch norm; the non-linear ones by PReLU (one slope per
channel), the paper's activation.  :class:`Bottleneck` is the block: it is the inverted
residual of :mod:`mobilenet_tutorial.layers.inverted_residual` with PReLU, which needs the
channel count and so is built here.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..checks import positive_int
from .mobilenet_v2 import Stage

__all__ = ["BottleneckRow", "BOTTLENECKS", "Bottleneck", "MobileFaceNet", "mobilefacenet"]


BottleneckRow = Stage
"""One row of Table 1: expansion ``t``, output channels ``c``, repeats ``n``, stride ``s``;
the same four numbers as a row of MobileNetV2's Table 2, so the same type."""


BOTTLENECKS: tuple[BottleneckRow, ...] = (
    BottleneckRow(t=2, c=64, n=5, s=2),
    BottleneckRow(t=4, c=128, n=1, s=2),
    BottleneckRow(t=2, c=128, n=6, s=1),
    BottleneckRow(t=4, c=128, n=1, s=2),
    BottleneckRow(t=2, c=128, n=2, s=1),
)
"""The bottleneck rows of Table 1 (the first block of a row takes its stride)."""


def _conv(in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1,
          groups: int = 1, activation: bool = True, padding: int | None = None) -> nn.Sequential:
    pad = kernel_size // 2 if padding is None else padding
    layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, pad,
                                         groups=groups, bias=False),
                               nn.BatchNorm2d(out_channels)]
    if activation:
        layers.append(nn.PReLU(out_channels))
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    """Inverted residual with PReLU: expand ``1 x 1``, depthwise ``3 x 3``, linear projection."""

    def __init__(self, in_channels: int, out_channels: int, expansion: int, stride: int) -> None:
        super().__init__()
        hidden = in_channels * expansion
        self.block = nn.Sequential(
            _conv(in_channels, hidden),
            _conv(hidden, hidden, 3, stride, groups=hidden),
            _conv(hidden, out_channels, activation=False),
        )
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x) if self.residual else self.block(x)


class MobileFaceNet(nn.Module):
    """MobileFaceNet: 112 x 112 faces to ``embedding_size``-d embeddings (not normalised).

    Args:
        embedding_size: length of the embedding (128 in the paper).
        rows: the bottleneck rows; defaults to :data:`BOTTLENECKS`.
    """

    def __init__(self, embedding_size: int = 128,
                 rows: Sequence[tuple[int, int, int, int]] = BOTTLENECKS) -> None:
        super().__init__()
        positive_int("embedding_size", embedding_size, "128 as in the paper")
        layers: list[nn.Module] = [_conv(3, 64, 3, 2), _conv(64, 64, 3, 1, groups=64)]
        channels = 64
        for row in (BottleneckRow(*r) for r in rows):
            for index in range(row.n):
                layers.append(Bottleneck(channels, row.c, row.t, row.s if index == 0 else 1))
                channels = row.c
        layers.append(_conv(channels, 512))
        self.features = nn.Sequential(*layers)
        self.gdconv = _conv(512, 512, 7, groups=512, activation=False, padding=0)
        self.embedding = _conv(512, embedding_size, activation=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(N, embedding_size)`` of faces ``(N, 3, 112, 112)``."""
        return self.embedding(self.gdconv(self.features(x))).flatten(1)


def mobilefacenet(*, weights: None = None, progress: bool = True,
                  embedding_size: int = 128) -> MobileFaceNet:
    """MobileFaceNet as in the paper, randomly initialised (no weights reach this course)."""
    if weights is not None:
        raise ValueError(f"unknown weights {weights!r}: mobilefacenet has no pretrained weights "
                         "in this package (none with a stated licence reach it); weights must "
                         "be None")
    return MobileFaceNet(embedding_size)
