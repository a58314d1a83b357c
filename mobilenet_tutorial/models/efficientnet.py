"""EfficientNet B0 to B7 (Tan & Le, 2019), built from :mod:`.blocks`.

B0 is a searched network of seven stages of MBConv blocks (:data:`B0_STAGES`).
B1 to B7 scale its width (channels), depth (blocks per stage) and input
resolution.  The paper's *compound scaling* rule would use ``1.1**phi``,
``1.2**phi`` and ``1.15**phi``; the released models use the rounded
coefficients of :data:`VARIANTS` instead.  Module names and parameter counts
equal torchvision's ``efficientnet_b0`` ... ``efficientnet_b7`` (keys
``features.S.B.block.K...``), so their state dicts load unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from .blocks import BlockConfig, ConvBNAct, InvertedResidual, make_divisible, mbconv_config
from .init import init_weights_

__all__ = ["Variant", "VARIANTS", "B0_STAGES", "ALPHA", "BETA", "GAMMA", "stage_configs",
           "EfficientNet", "efficientnet"]

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

# expand ratio, kernel, stride, in channels, out channels, blocks (the paper's Table 1)
B0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)


def stage_configs(width: float = 1.0, depth: float = 1.0, drop_path: float = 0.2,
                  se: bool = True, activation: str = "silu", bn_eps: float = 1e-5,
                  bn_momentum: float = 0.1, padding: str = "symmetric",
                  stages: tuple[tuple[int, int, int, int, int, int], ...] = B0_STAGES,
                  ) -> list[list[BlockConfig]]:
    """The MBConv configurations of every stage, scaled by ``width`` and ``depth``.

    Channels become ``make_divisible(c * width)``; a stage of ``n`` blocks gets
    ``ceil(n * depth)``; the first block of a stage has the stage's stride and
    input channels, the others stride 1.  The stochastic-depth probability grows
    linearly with the block's index, from 0 to ``drop_path`` (excluded).
    """
    if width <= 0 or depth <= 0:
        raise ValueError(f"width and depth must be positive, got {width} and {depth}")
    counts = [int(math.ceil(n * depth)) for *_, n in stages]
    total = sum(counts)
    index = 0
    result: list[list[BlockConfig]] = []
    for (ratio, kernel, stride, c_in, c_out, _), count in zip(stages, counts, strict=True):
        c_in, c_out = make_divisible(c_in * width), make_divisible(c_out * width)
        stage = []
        for i in range(count):
            stage.append(mbconv_config(c_in if i == 0 else c_out, c_out, kernel,
                                       stride if i == 0 else 1, ratio,
                                       drop_path=drop_path * index / total, se=se,
                                       activation=activation, bn_eps=bn_eps,
                                       bn_momentum=bn_momentum, padding=padding))
            index += 1
        result.append(stage)
    return result


class EfficientNet(nn.Module):
    """Stem (3x3 conv, stride 2), one ``nn.Sequential`` per stage, a 1x1 head, pooling, classifier.

    Args:
        stages: block configurations per stage (see :func:`stage_configs`).
        stem_channels, head_channels: widths of the stem and head convolutions.
        activation: of the stem and head (the blocks carry their own).
        padding: ``"symmetric"`` or ``"tf_same"`` for the stem convolution.
        in_channels: of the input images (3 for RGB, 1 for greyscale).
    """

    def __init__(self, stages: list[list[BlockConfig]], stem_channels: int, head_channels: int,
                 num_classes: int = 1000, dropout: float = 0.2, activation: str = "silu",
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1,
                 padding: str = "symmetric", in_channels: int = 3) -> None:
        super().__init__()
        if not stages or not all(stages):
            raise ValueError("EfficientNet needs at least one stage, each with one block or more")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        norm = {"bn_eps": bn_eps, "bn_momentum": bn_momentum}
        self.features = nn.Sequential(
            ConvBNAct(in_channels, stem_channels, 3, stride=2, activation=activation,
                      padding=padding, **norm),
            *[nn.Sequential(*[InvertedResidual(c) for c in stage]) for stage in stages],
            ConvBNAct(stages[-1][-1].out_channels, head_channels, 1, activation=activation,
                      **norm),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(head_channels, num_classes))
        init_weights_(self, linear="uniform")

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def efficientnet(variant: str = "b0", num_classes: int = 1000, drop_path: float = 0.2,
                 dropout: float | None = None) -> EfficientNet:
    """EfficientNet ``"b0"`` ... ``"b7"``, equal to torchvision's ``efficientnet_bN``.

    B0 has 5,288,548 parameters with 1000 classes.  Following torchvision,
    B5 to B7 use batch norm with ``eps=1e-3, momentum=0.01`` and B0 to B4
    PyTorch's defaults.  ``dropout`` defaults to the variant's (:data:`VARIANTS`).
    The input resolution is not part of the network: feed images of
    ``VARIANTS[variant].resolution`` pixels to match the paper.
    """
    key = variant.lower() if isinstance(variant, str) else variant
    if key not in VARIANTS:
        raise ValueError(f"unknown EfficientNet variant {variant!r}: choose one of "
                         f"{', '.join(VARIANTS)}")
    v = VARIANTS[key]
    norm = {"bn_eps": 1e-3, "bn_momentum": 0.01} if key in ("b5", "b6", "b7") else {}
    stages = stage_configs(v.width, v.depth, drop_path, **norm)
    stem = make_divisible(32 * v.width)
    head = 4 * stages[-1][-1].out_channels
    return EfficientNet(stages, stem, head, num_classes,
                        v.dropout if dropout is None else dropout, **norm)
