"""EfficientNet B0 to B7 (Tan & Le, 2019), built from the inverted-residual family.

B0 is a searched network of seven stages of MBConv blocks (:data:`B0_STAGES`, the
paper's Table 1, one :class:`MBConvStage` row per stage).  B1 to B7 scale its width
(channels), depth (blocks per stage) and input resolution.  The paper's *compound
scaling* rule would use ``1.1**phi``, ``1.2**phi`` and ``1.15**phi``; the released
models use the rounded coefficients of :data:`VARIANTS` instead.  Module names and
parameter counts equal torchvision's ``efficientnet_b0`` ... ``efficientnet_b7`` (keys
``features.S.B.block.K...``), so their state dicts load unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import torch
from torch import nn

from .. import checks
from ..checks import positive_int
from ..layers.activation import ActivationLayer
from ..layers.conv import TF_BATCH_NORM, ConvNormActivation, NormLayer
from ..layers.divisible import make_divisible
from ..layers.initialisation import init_weights_
from ..layers.inverted_residual import BlockConfig, InvertedResidual, mbconv_config
from ..layers.padding import Padding
from .contract import check_builder_arguments

__all__ = ["Variant", "VARIANTS", "MBConvStage", "B0_STAGES", "ALPHA", "BETA", "GAMMA",
           "stage_configs", "EfficientNet", "efficientnet"]

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15
"""The paper's depth, width and resolution bases: with ``alpha * beta**2 * gamma**2 ~ 2``,
each step of ``phi`` roughly doubles the multiply-adds."""


@dataclass(frozen=True)
class Variant:
    """The released scaling coefficients of one EfficientNet."""

    width: float
    depth: float
    resolution: int
    dropout: float


VARIANTS: dict[str, Variant] = {
    "b0": Variant(1.0, 1.0, 224, 0.2),
    "b1": Variant(1.0, 1.1, 240, 0.2),
    "b2": Variant(1.1, 1.2, 260, 0.3),
    "b3": Variant(1.2, 1.4, 300, 0.3),
    "b4": Variant(1.4, 1.8, 380, 0.4),
    "b5": Variant(1.6, 2.2, 456, 0.4),
    "b6": Variant(1.8, 2.6, 528, 0.5),
    "b7": Variant(2.0, 3.1, 600, 0.5),
}


class MBConvStage(NamedTuple):
    """One stage of B0 (a row of the paper's Table 1): ``n`` MBConv blocks with expansion
    ``t`` and a ``k x k`` depthwise kernel, the first with stride ``s`` and ``c_in`` input
    channels, all with ``c_out`` output channels."""

    t: int
    k: int
    s: int
    c_in: int
    c_out: int
    n: int


B0_STAGES: tuple[MBConvStage, ...] = (
    MBConvStage(t=1, k=3, s=1, c_in=32, c_out=16, n=1),
    MBConvStage(t=6, k=3, s=2, c_in=16, c_out=24, n=2),
    MBConvStage(t=6, k=5, s=2, c_in=24, c_out=40, n=2),
    MBConvStage(t=6, k=3, s=2, c_in=40, c_out=80, n=3),
    MBConvStage(t=6, k=5, s=1, c_in=80, c_out=112, n=3),
    MBConvStage(t=6, k=5, s=2, c_in=112, c_out=192, n=4),
    MBConvStage(t=6, k=3, s=1, c_in=192, c_out=320, n=1),
)
"""EfficientNet-B0's seven stages."""


def stage_configs(width: float = 1.0, depth: float = 1.0, drop_path: float = 0.2,
                  se: bool = True, activation: ActivationLayer | str = nn.SiLU,
                  stages: Sequence[tuple[int, int, int, int, int, int]] = B0_STAGES,
                  ) -> list[list[BlockConfig]]:
    """The MBConv configurations of every stage, scaled by ``width`` and ``depth``.

    Channels become ``make_divisible(c * width)``; a stage of ``n`` blocks gets
    ``ceil(n * depth)``; the first block of a stage has the stage's stride and
    input channels, the others stride 1.  The stochastic-depth probability grows
    linearly with the block's index, from 0 to ``drop_path`` (excluded).
    ``se=False, activation=nn.ReLU6`` gives EfficientNet-Lite's blocks.
    """
    if width <= 0 or depth <= 0:
        raise ValueError(f"width and depth must be positive, got {width} and {depth}")
    rows = [MBConvStage(*row) for row in stages]
    counts = [int(math.ceil(row.n * depth)) for row in rows]
    total = sum(counts)
    index = 0
    result: list[list[BlockConfig]] = []
    for row, count in zip(rows, counts, strict=True):
        c_in, c_out = make_divisible(row.c_in * width), make_divisible(row.c_out * width)
        stage = []
        for i in range(count):
            stage.append(mbconv_config(c_in if i == 0 else c_out, c_out, row.k,
                                       row.s if i == 0 else 1, row.t,
                                       drop_path=drop_path * index / total, se=se,
                                       activation=activation))
            index += 1
        result.append(stage)
    return result


class EfficientNet(nn.Module):
    """Stem (3x3 conv, stride 2), one ``nn.Sequential`` per stage, a 1x1 head, pooling, classifier.

    Args:
        stages: block configurations per stage (see :func:`stage_configs`).
        stem_channels, head_channels: widths of the stem and head convolutions.
        num_classes: outputs of the classifier.
        dropout: before the classifier.
        activation: of the stem and head (the blocks carry their own).
        norm_layer: builds every normalisation layer.
        padding: ``"symmetric"`` or ``"tf_same"``, for the stem and every depthwise
            convolution.
        in_channels: of the input images (3 for RGB, 1 for greyscale).
    """

    def __init__(self, stages: list[list[BlockConfig]], stem_channels: int, head_channels: int,
                 num_classes: int = 1000, dropout: float = 0.2,
                 activation: ActivationLayer | str = nn.SiLU,
                 norm_layer: NormLayer = nn.BatchNorm2d, padding: Padding = "symmetric",
                 in_channels: int = 3) -> None:
        super().__init__()
        if not stages or not all(stages):
            raise ValueError("EfficientNet needs at least one stage, each with one block or "
                             "more, such as stage_configs()")
        positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
        block = partial(InvertedResidual, norm_layer=norm_layer, padding=padding)
        self.features = nn.Sequential(
            ConvNormActivation(in_channels, stem_channels, 3, 2, norm_layer=norm_layer,
                               activation_layer=activation, padding=padding),
            *[nn.Sequential(*[block(c) for c in stage]) for stage in stages],
            ConvNormActivation(stages[-1][-1].out_channels, head_channels, 1,
                               norm_layer=norm_layer, activation_layer=activation),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(head_channels, num_classes))
        init_weights_(self, linear="uniform")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def efficientnet(*, variant: str = "b0", weights: None = None, progress: bool = True,
                 num_classes: int = 1000, width_mult: float = 1.0, drop_path: float = 0.2,
                 dropout: float | None = None, **kwargs) -> EfficientNet:
    """EfficientNet ``"b0"`` ... ``"b7"``, equal to torchvision's ``efficientnet_bN``.

    B0 has 5,288,548 parameters with 1000 classes.  Following torchvision,
    B5 to B7 use batch norm with ``eps=1e-3, momentum=0.01`` and B0 to B4
    PyTorch's defaults.  ``dropout`` defaults to the variant's (:data:`VARIANTS`);
    ``width_mult`` multiplies the variant's width coefficient.  The input resolution
    is not part of the network: feed images of ``VARIANTS[variant].resolution`` pixels
    to match the paper.  There are no pretrained weights (``weights`` must be ``None``).
    """
    check_builder_arguments("efficientnet", weights=weights, num_classes=num_classes,
                            width_mult=width_mult)
    key = variant.lower() if isinstance(variant, str) else None
    if key not in VARIANTS:
        raise ValueError(f"unknown EfficientNet variant {checks.shown(variant)}: variant must "
                         f"be one of "
                         f"{', '.join(VARIANTS)}")
    v = VARIANTS[key]
    norm_layer = TF_BATCH_NORM if key in ("b5", "b6", "b7") else nn.BatchNorm2d
    width = v.width * width_mult
    stages = stage_configs(width, v.depth, drop_path)
    stem = make_divisible(32 * width)
    head = 4 * stages[-1][-1].out_channels
    return EfficientNet(stages, stem, head, num_classes,
                        v.dropout if dropout is None else dropout, norm_layer=norm_layer,
                        **kwargs)
