"""Squeeze-and-excitation (Hu et al., 2018): :class:`SqueezeExcitation`, a per-channel gate.

Average-pool each channel to one number (*squeeze*), pass the vector through two
``1 x 1`` convolutions with an activation between them (*excitation*), squash it to
``[0, 1]`` with the gate (``scale_activation``), and multiply each channel by its value.
MobileNetV3 gates with a hard sigmoid and sizes the bottleneck from the expanded width;
EfficientNet gates with a sigmoid and sizes it from the block's input.  The children are
named as torchvision's (``fc1``, ``fc2``), so state dicts load unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import positive_int
from .activation import ActivationLayer, activation_layer

__all__ = ["SqueezeExcitation"]


class SqueezeExcitation(nn.Module):
    """Gate each of ``channels`` channels by a value computed from the whole feature map.

    Its cost is ``2 * channels * squeeze_channels`` weights plus ``channels +
    squeeze_channels`` biases, whatever the image size.

    Args:
        channels: channels in (and out).
        squeeze_channels: width of the bottleneck between the two convolutions.
        activation: builds the activation between them (a class or a name; ReLU).
        scale_activation: builds the gate (a class or a name; sigmoid).
    """

    def __init__(self, channels: int, squeeze_channels: int,
                 activation: ActivationLayer | str = nn.ReLU,
                 scale_activation: ActivationLayer | str = nn.Sigmoid) -> None:
        super().__init__()
        positive_int("channels", channels)
        positive_int("squeeze_channels", squeeze_channels,
                     "e.g. channels // 4; use no SE layer at all for none")
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = activation_layer(activation)()
        self.scale_activation = activation_layer(scale_activation)()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return x * self.scale_activation(scale)
