"""MobileNetV1's block: :class:`DepthwiseSeparable`, a depthwise then a pointwise convolution.

Each half is a :class:`~.conv.ConvNormActivation`: a ``K x K`` depthwise convolution
(which carries the stride) with its norm and activation, named ``depthwise``, then a
``1 x 1`` pointwise convolution with its norm and activation, named ``pointwise``
(Figure 3, right, of the MobileNetV1 paper).
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from .activation import ActivationLayer
from .conv import ConvNormActivation, NormLayer
from .padding import Padding

__all__ = ["DepthwiseSeparable"]


class DepthwiseSeparable(nn.Sequential):
    """Depthwise ``kernel_size x kernel_size`` (with the stride), then pointwise ``1 x 1``.

    Args:
        in_channels, out_channels: channels in and out.
        stride: of the depthwise convolution.
        kernel_size: of the depthwise convolution (3 in MobileNetV1).
        norm_layer, activation_layer, padding, bias: as for
            :class:`~.conv.ConvNormActivation`; MobileNetV1 uses batch norm and ReLU after
            both halves (and so no bias).  ``norm_layer=None, activation_layer=None,
            bias=False`` leaves the two bare convolutions of chapter 1.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 kernel_size: int = 3, norm_layer: NormLayer = nn.BatchNorm2d,
                 activation_layer: ActivationLayer | str = nn.ReLU,
                 padding: Padding = "symmetric", bias: bool | None = None) -> None:
        super().__init__(OrderedDict(
            depthwise=ConvNormActivation(in_channels, in_channels, kernel_size, stride,
                                         groups=in_channels, norm_layer=norm_layer,
                                         activation_layer=activation_layer, padding=padding,
                                         bias=bias),
            pointwise=ConvNormActivation(in_channels, out_channels, 1, norm_layer=norm_layer,
                                         activation_layer=activation_layer, bias=bias),
        ))
        self.out_channels = out_channels
