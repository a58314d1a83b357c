"""Convolution, normalisation, activation: :class:`ConvNormActivation`, the unit of every network.

Every convolution of MobileNetV1, V2, V3 and EfficientNet is followed by a batch norm and
(usually) an activation.  One class builds that triple, configured by callables as
torchvision's ``Conv2dNormActivation`` is: ``norm_layer`` builds the normalisation from a
channel count (``partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)`` for the
TensorFlow-trained settings), ``activation_layer`` builds the activation (``nn.ReLU6``,
``nn.Hardswish``; ``None`` for a linear layer), and ``padding`` chooses PyTorch's or
TensorFlow's padding rule (:mod:`.padding`).  The children are ``0`` (convolution),
``1`` (normalisation) and ``2`` (activation), the names torchvision's state dicts use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from torch import nn

from ..checks import positive_int
from .activation import ActivationLayer
from .activation import activation_layer as resolve_activation
from .padding import Padding, conv2d

__all__ = ["NormLayer", "TF_BATCH_NORM", "ConvNormActivation"]

NormLayer = Callable[[int], nn.Module]
"""What builds a normalisation layer from a channel count, e.g. ``nn.BatchNorm2d``."""

TF_BATCH_NORM: NormLayer = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)
"""Batch norm with TensorFlow's settings (``eps=1e-3``, PyTorch momentum ``0.01``), which
MobileNetV3, EfficientNet-B5 to B7 and EfficientNet-Lite0 use in torchvision and in
TensorFlow-trained checkpoints."""


class ConvNormActivation(nn.Sequential):
    """A square convolution, then ``norm_layer``, then ``activation_layer``: children 0, 1, 2.

    Args:
        in_channels, out_channels: channel counts.
        kernel_size: the (odd) kernel side.
        stride: the convolution's stride.
        groups: ``in_channels`` (with ``out_channels == in_channels``) makes it depthwise.
        norm_layer: builds the normalisation from ``out_channels``; ``None`` for none.
        activation_layer: builds the activation (a class, a ``partial``, or a name of
            :mod:`.activation`); ``None`` leaves the layer linear.
        padding: ``"symmetric"`` or ``"tf_same"`` (see :func:`.padding.conv2d`).
        bias: whether the convolution has a bias; by default only when there is no
            normalisation (batch norm's shift plays that role).
        inplace: passed to ``activation_layer`` as ``inplace=``; ``None`` passes nothing
            (for activations such as ``nn.Sigmoid`` that have no such argument).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1,
                 norm_layer: NormLayer | None = nn.BatchNorm2d,
                 activation_layer: ActivationLayer | str | None = nn.ReLU,
                 padding: Padding = "symmetric", bias: bool | None = None,
                 inplace: bool | None = True) -> None:
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("kernel_size", kernel_size), ("stride", stride),
                            ("groups", groups)):
            positive_int(name, value)
        build_activation = resolve_activation(activation_layer)
        layers: list[nn.Module] = [conv2d(in_channels, out_channels, kernel_size, stride,
                                          groups=groups, padding=padding,
                                          bias=norm_layer is None if bias is None else bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if build_activation is not None:
            layers.append(build_activation() if inplace is None
                          else build_activation(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels
