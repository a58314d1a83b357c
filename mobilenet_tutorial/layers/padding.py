"""Padding: PyTorch's symmetric rule or TensorFlow's ``padding="same"``, and one factory.

PyTorch pads a convolution by the same fixed amount on every side.  TensorFlow's
``"same"`` padding instead chooses the padding from the input size so that the
output has ``ceil(size / stride)`` pixels, and when the total padding is odd it
puts the extra pixel at the *bottom and right*.  At stride 1 with an odd kernel
the two agree; at stride 2 on an even-sized input they do not: TensorFlow pads
``(0, 1)`` where PyTorch pads ``(1, 1)``, so every output pixel looks at a window
shifted by one input pixel.  Weights trained in TensorFlow (such as
EfficientNet-Lite0's) need TensorFlow's rule to give the outputs they were
trained to give.

:func:`conv2d` is the one place that turns a padding mode (:data:`PADDINGS`) into a
convolution; every layer of the course that pads goes through it.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import one_of, positive_int

__all__ = ["PADDINGS", "Padding", "same_padding", "Conv2dSame", "conv2d"]

Padding = Literal["symmetric", "tf_same"]
PADDINGS: tuple[str, ...] = ("symmetric", "tf_same")
"""The padding modes: ``"symmetric"`` (PyTorch's ``(kernel_size - 1) // 2`` on every side)
and ``"tf_same"`` (TensorFlow's ``"same"``, computed from each input's size)."""


def same_padding(size: int, kernel_size: int, stride: int = 1,
                 dilation: int = 1) -> tuple[int, int]:
    """Padding ``(before, after)`` along one axis that TensorFlow's ``"same"`` would use.

    The output length is ``ceil(size / stride)``; the total padding is what that
    output needs, ``max((out - 1) * stride + dilation * (kernel_size - 1) + 1 - size, 0)``,
    and ``before = total // 2``, so an odd total puts the extra pixel after.

    Example: ``same_padding(224, 3, 2)`` is ``(0, 1)``; PyTorch's ``padding=1`` is ``(1, 1)``.
    """
    for name, value in (("size", size), ("kernel_size", kernel_size), ("stride", stride),
                        ("dilation", dilation)):
        positive_int(name, value, "a whole number of pixels")
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + dilation * (kernel_size - 1) + 1 - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """An ``nn.Conv2d`` that pads its input as TensorFlow's ``padding="same"`` does.

    It has the same parameters (and state-dict keys) as ``nn.Conv2d``; only the
    padding differs, computed from each input's height and width at run time.
    The ``padding`` argument of ``nn.Conv2d`` is not accepted.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 dilation: int = 1, groups: int = 1, bias: bool = True) -> None:
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("kernel_size", kernel_size), ("stride", stride),
                            ("dilation", dilation), ("groups", groups)):
            positive_int(name, value)
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         dilation=dilation, groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = same_padding(x.shape[-2], self.kernel_size[0], self.stride[0],
                                   self.dilation[0])
        left, right = same_padding(x.shape[-1], self.kernel_size[1], self.stride[1],
                                   self.dilation[1])
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
        return super().forward(x)


def conv2d(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
           groups: int = 1, bias: bool = False, padding: Padding = "symmetric") -> nn.Conv2d:
    """A square convolution padded by ``padding`` (one of :data:`PADDINGS`).

    ``"symmetric"`` gives ``nn.Conv2d(..., padding=(kernel_size - 1) // 2)``; ``"tf_same"``
    gives a :class:`Conv2dSame`, except for ``1 x 1`` kernels, which neither rule pads (a
    plain ``nn.Conv2d`` then computes exactly the same thing).

    Raises:
        ValueError: on an unknown ``padding``, naming the modes that exist, or a size,
            stride or group count that is not a positive whole number.
    """
    one_of("padding", padding, PADDINGS)
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("kernel_size", kernel_size), ("stride", stride), ("groups", groups)):
        positive_int(name, value)
    if padding == "tf_same" and kernel_size > 1:
        return Conv2dSame(in_channels, out_channels, kernel_size, stride, groups=groups,
                          bias=bias)
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                     groups=groups, bias=bias)
