"""Analytic cost of convolutions: parameters and multiply-accumulates (MACs).

These functions compute, from the shapes alone, what
:func:`mobilenet_tutorial.count_macs` measures with forward hooks.  One MAC is
one multiplication followed by one addition; the MobileNet papers call it a
*mult-add*.  Counters disagree on the name "FLOPs": PyTorch's ``FlopCounterMode``
reports two per MAC, while fvcore, thop, ptflops and the EfficientNet papers
report MACs under that name.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ..checks import LARGEST_INT, shown

__all__ = [
    "ConvCost",
    "conv_output_size",
    "conv2d_cost",
    "depthwise_cost",
    "pointwise_cost",
    "depthwise_separable_cost",
    "separable_ratio",
]


@dataclass(frozen=True)
class ConvCost:
    """Cost of one convolution layer.

    Attributes:
        params: number of learnable parameters (weights plus bias).
        macs: multiply-accumulates for one input image.
        out_h: output height.
        out_w: output width.
    """

    params: int
    macs: int
    out_h: int
    out_w: int

    def __add__(self, other: ConvCost) -> ConvCost:
        return ConvCost(
            self.params + other.params, self.macs + other.macs, other.out_h, other.out_w
        )


def _whole(name: str, value: object, least: int) -> int:
    """``value`` if it is a whole number from ``least`` to ``checks.LARGEST_INT``; else raise."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least
            or value > LARGEST_INT):
        kind = "a positive integer" if least == 1 else f"an integer of at least {least}"
        raise ValueError(f"{name} must be {kind} up to {LARGEST_INT}, got {shown(value)}")
    return int(value)


def _positive(name: str, value: object) -> int:
    return _whole(name, value, 1)


def _pair(name: str, value: int | tuple[int, int], least: int = 1) -> tuple[int, int]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {shown(value)}")
        return _whole(name, value[0], least), _whole(name, value[1], least)
    whole = _whole(name, value, least)
    return whole, whole


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution along one axis (PyTorch's formula).

    ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``

    Raises:
        ValueError: if ``kernel_size``, ``stride`` or ``dilation`` is below 1, if
            ``padding`` is negative, or if the kernel does not fit in the padded input.
    """
    size = _whole("size", size, 1)
    kernel_size, stride, dilation = (_positive("kernel_size", kernel_size),
                                     _positive("stride", stride), _positive("dilation", dilation))
    padding = _whole("padding", padding, 0)
    effective = dilation * (kernel_size - 1) + 1
    if size + 2 * padding < effective:
        raise ValueError(
            f"input of size {size} (padding {padding}) is smaller than the "
            f"kernel's reach {effective}: use a larger input or more padding"
        )
    return (size + 2 * padding - effective) // stride + 1


def conv2d_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int],
    height: int,
    width: int | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    bias: bool = False,
) -> ConvCost:
    """Parameters and MACs of a 2-D convolution, as ``torch.nn.Conv2d`` computes it.

    Each output value needs ``K_h * K_w * C_in / groups`` multiply-accumulates,
    and there are ``C_out * H_out * W_out`` output values.  A bias adds no MACs
    here (it is an addition, not a multiply-accumulate), but it adds
    ``C_out`` parameters.

    Raises:
        ValueError: if a size is not positive, or if ``groups`` does not divide
            both channel counts.
    """
    width = height if width is None else width
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("height", height), ("width", width), ("groups", groups)):
        _positive(name, value)
    in_channels, out_channels, height, width, groups = (
        int(in_channels), int(out_channels), int(height), int(width), int(groups)
    )
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both in_channels={in_channels} and "
            f"out_channels={out_channels}; pick channel counts that are multiples of groups"
        )
    kh, kw = _pair("kernel_size", kernel_size)
    sh, sw = _pair("stride", stride)
    ph, pw = _pair("padding", padding, least=0)
    dh, dw = _pair("dilation", dilation)
    out_h = conv_output_size(height, kh, sh, ph, dh)
    out_w = conv_output_size(width, kw, sw, pw, dw)
    weights_per_output = kh * kw * (in_channels // groups)
    params = out_channels * weights_per_output + (out_channels if bias else 0)
    macs = out_channels * out_h * out_w * weights_per_output
    return ConvCost(params=params, macs=macs, out_h=out_h, out_w=out_w)


def depthwise_cost(channels: int, kernel_size: int, height: int, width: int | None = None,
                   stride: int = 1, padding: int | None = None, bias: bool = False) -> ConvCost:
    """A depthwise convolution: one ``K x K`` filter per channel (``groups = channels``).

    ``padding`` defaults to ``kernel_size // 2`` ("same" size at stride 1).
    """
    if padding is None:
        kh, kw = _pair("kernel_size", kernel_size)
        padding = (kh // 2, kw // 2)
    return conv2d_cost(channels, channels, kernel_size, height, width, stride=stride,
                       padding=padding, groups=channels, bias=bias)


def pointwise_cost(in_channels: int, out_channels: int, height: int, width: int | None = None,
                   bias: bool = False) -> ConvCost:
    """A pointwise (``1 x 1``) convolution."""
    return conv2d_cost(in_channels, out_channels, 1, height, width, bias=bias)


def depthwise_separable_cost(in_channels: int, out_channels: int, kernel_size: int,
                             height: int, width: int | None = None, stride: int = 1,
                             bias: bool = False) -> ConvCost:
    """A depthwise ``K x K`` convolution followed by a pointwise ``1 x 1`` convolution."""
    dw = depthwise_cost(in_channels, kernel_size, height, width, stride=stride, bias=bias)
    pw = pointwise_cost(in_channels, out_channels, dw.out_h, dw.out_w, bias=bias)
    return dw + pw


def separable_ratio(out_channels: int, kernel_size: int) -> float:
    """Cost of a depthwise-separable layer divided by that of a standard one.

    With ``N`` output channels and a ``D_K x D_K`` kernel the ratio of MACs
    (and, without bias, of parameters) is ``1 / N + 1 / D_K**2``.
    """
    _positive("out_channels", out_channels)
    _positive("kernel_size", kernel_size)
    return 1.0 / out_channels + 1.0 / kernel_size**2
