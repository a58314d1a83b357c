"""MobileNetV3-Large and -Small (Howard et al., 2019), built from the inverted-residual family.

The two architectures were found by a search; :data:`V3_LARGE` and :data:`V3_SMALL`
are the paper's Tables 1 and 2, one :class:`Bneck` row per block: kernel ``k``,
expanded channels ``exp``, output channels ``out``, squeeze-and-excitation ``se``,
nonlinearity ``nl`` (``RE`` = ReLU, ``HS`` = hard-swish, in the vocabulary of
:mod:`mobilenet_tutorial.layers.activation`) and stride ``s``.  Module names and
parameter counts equal torchvision's ``mobilenet_v3_large`` / ``mobilenet_v3_small``,
so their state dicts load unchanged (``features.N.block.K...``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from ..checks import positive_int, positive_number
from ..layers.conv import TF_BATCH_NORM, ConvNormActivation, NormLayer
from ..layers.divisible import make_divisible
from ..layers.initialisation import init_weights_
from ..layers.inverted_residual import BlockConfig, InvertedResidual, v3_config
from .contract import check_builder_arguments

__all__ = ["Bneck", "V3_LARGE", "V3_SMALL", "MobileNetV3", "v3_block_configs",
           "mobilenet_v3_large", "mobilenet_v3_small"]


class Bneck(NamedTuple):
    """One ``bneck`` row of the paper's Tables 1 and 2 (the stem gives the first 16 channels)."""

    k: int
    exp: int
    out: int
    se: bool
    nl: str
    s: int


V3_LARGE: tuple[Bneck, ...] = (
    Bneck(k=3, exp=16, out=16, se=False, nl="RE", s=1),
    Bneck(k=3, exp=64, out=24, se=False, nl="RE", s=2),
    Bneck(k=3, exp=72, out=24, se=False, nl="RE", s=1),
    Bneck(k=5, exp=72, out=40, se=True, nl="RE", s=2),
    Bneck(k=5, exp=120, out=40, se=True, nl="RE", s=1),
    Bneck(k=5, exp=120, out=40, se=True, nl="RE", s=1),
    Bneck(k=3, exp=240, out=80, se=False, nl="HS", s=2),
    Bneck(k=3, exp=200, out=80, se=False, nl="HS", s=1),
    Bneck(k=3, exp=184, out=80, se=False, nl="HS", s=1),
    Bneck(k=3, exp=184, out=80, se=False, nl="HS", s=1),
    Bneck(k=3, exp=480, out=112, se=True, nl="HS", s=1),
    Bneck(k=3, exp=672, out=112, se=True, nl="HS", s=1),
    Bneck(k=5, exp=672, out=160, se=True, nl="HS", s=2),
    Bneck(k=5, exp=960, out=160, se=True, nl="HS", s=1),
    Bneck(k=5, exp=960, out=160, se=True, nl="HS", s=1),
)
"""MobileNetV3-Large, the paper's Table 1."""

V3_SMALL: tuple[Bneck, ...] = (
    Bneck(k=3, exp=16, out=16, se=True, nl="RE", s=2),
    Bneck(k=3, exp=72, out=24, se=False, nl="RE", s=2),
    Bneck(k=3, exp=88, out=24, se=False, nl="RE", s=1),
    Bneck(k=5, exp=96, out=40, se=True, nl="HS", s=2),
    Bneck(k=5, exp=240, out=40, se=True, nl="HS", s=1),
    Bneck(k=5, exp=240, out=40, se=True, nl="HS", s=1),
    Bneck(k=5, exp=120, out=48, se=True, nl="HS", s=1),
    Bneck(k=5, exp=144, out=48, se=True, nl="HS", s=1),
    Bneck(k=5, exp=288, out=96, se=True, nl="HS", s=2),
    Bneck(k=5, exp=576, out=96, se=True, nl="HS", s=1),
    Bneck(k=5, exp=576, out=96, se=True, nl="HS", s=1),
)
"""MobileNetV3-Small, the paper's Table 2."""

_LAST_CHANNEL = {"large": 1280, "small": 1024}


def v3_block_configs(arch: str, width_mult: float = 1.0) -> list[BlockConfig]:
    """The block configurations of ``"large"`` or ``"small"``, channels scaled by ``width_mult``."""
    table = {"large": V3_LARGE, "small": V3_SMALL}.get(arch)
    if table is None:
        raise ValueError(f"arch must be 'large' or 'small', got {arch!r}")
    positive_number("width_mult", width_mult, "such as 1.0, 0.75 or 0.5")

    def scale(channels: int) -> int:
        return make_divisible(channels * width_mult)

    configs = []
    in_channels = scale(16)
    for row in table:
        configs.append(v3_config(in_channels, row.k, scale(row.exp), scale(row.out), row.se,
                                 row.nl, row.s))
        in_channels = scale(row.out)
    return configs


class MobileNetV3(nn.Module):
    """Stem (3x3 conv, stride 2, hard-swish), the blocks, a 1x1 head conv, pooling, classifier.

    The head convolution widens the last block's output six-fold; the classifier
    is ``Linear -> hard-swish -> dropout -> Linear``, as in the paper's Fig. 5.

    Args:
        configs: the blocks (see :func:`v3_block_configs`).
        last_channel: width of the classifier's hidden layer.
        num_classes: outputs of the classifier.
        dropout: before the last linear layer.
        norm_layer: builds every normalisation layer (TensorFlow's settings,
            :data:`~mobilenet_tutorial.layers.conv.TF_BATCH_NORM`).
    """

    def __init__(self, configs: list[BlockConfig], last_channel: int, num_classes: int = 1000,
                 dropout: float = 0.2, norm_layer: NormLayer = TF_BATCH_NORM) -> None:
        super().__init__()
        if not configs:
            raise ValueError("MobileNetV3 needs at least one block configuration, "
                             "such as v3_block_configs('large')")
        positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
        head_in = configs[-1].out_channels
        head_out = 6 * head_in
        self.features = nn.Sequential(
            ConvNormActivation(3, configs[0].in_channels, 3, 2, norm_layer=norm_layer,
                               activation_layer=nn.Hardswish),
            *[InvertedResidual(c, norm_layer=norm_layer) for c in configs],
            ConvNormActivation(head_in, head_out, 1, norm_layer=norm_layer,
                               activation_layer=nn.Hardswish),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(head_out, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )
        init_weights_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _build(arch: str, builder: str, weights: None, num_classes: int, width_mult: float,
           dropout: float = 0.2, **kwargs) -> MobileNetV3:
    check_builder_arguments(builder, weights=weights, num_classes=num_classes,
                            width_mult=width_mult, head="classifier[3]")
    last = make_divisible(_LAST_CHANNEL[arch] * width_mult)
    return MobileNetV3(v3_block_configs(arch, width_mult), last, num_classes, dropout, **kwargs)


def mobilenet_v3_large(*, weights: None = None, progress: bool = True, num_classes: int = 1000,
                       width_mult: float = 1.0, **kwargs) -> MobileNetV3:
    """MobileNetV3-Large: 5,483,032 parameters at ``width_mult=1`` with 1000 classes.

    There are no pretrained weights (``weights`` must be ``None``); ``dropout`` and
    ``norm_layer`` go to :class:`MobileNetV3`.
    """
    return _build("large", "mobilenet_v3_large", weights, num_classes, width_mult, **kwargs)


def mobilenet_v3_small(*, weights: None = None, progress: bool = True, num_classes: int = 1000,
                       width_mult: float = 1.0, **kwargs) -> MobileNetV3:
    """MobileNetV3-Small: 2,542,856 parameters at ``width_mult=1`` with 1000 classes.

    There are no pretrained weights (``weights`` must be ``None``); ``dropout`` and
    ``norm_layer`` go to :class:`MobileNetV3`.
    """
    return _build("small", "mobilenet_v3_small", weights, num_classes, width_mult, **kwargs)
