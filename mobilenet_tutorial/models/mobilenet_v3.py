"""MobileNetV3-Large and -Small (Howard et al., 2019), built from :mod:`.blocks`.

The two architectures were found by a search; the tables below are the
paper's Tables 1 and 2, one row per block: kernel, expanded channels, output
channels, squeeze-and-excitation, nonlinearity (``RE`` = ReLU, ``HS`` =
hard-swish) and stride.  Module names and parameter counts equal torchvision's
``mobilenet_v3_large`` / ``mobilenet_v3_small``, so their state dicts load
unchanged (``features.N.block.K...``).
"""

from __future__ import annotations

from torch import nn

from .blocks import BlockConfig, ConvBNAct, InvertedResidual, make_divisible, v3_config
from .init import init_weights_

__all__ = ["V3_LARGE", "V3_SMALL", "MobileNetV3", "v3_block_configs", "mobilenet_v3_large",
           "mobilenet_v3_small"]

# kernel, expanded, out, SE, NL, stride (the stem gives the first block 16 channels)
V3_LARGE: tuple[tuple[int, int, int, bool, str, int], ...] = (
    (3, 16, 16, False, "RE", 1),
    (3, 64, 24, False, "RE", 2),
    (3, 72, 24, False, "RE", 1),
    (5, 72, 40, True, "RE", 2),
    (5, 120, 40, True, "RE", 1),
    (5, 120, 40, True, "RE", 1),
    (3, 240, 80, False, "HS", 2),
    (3, 200, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 480, 112, True, "HS", 1),
    (3, 672, 112, True, "HS", 1),
    (5, 672, 160, True, "HS", 2),
    (5, 960, 160, True, "HS", 1),
    (5, 960, 160, True, "HS", 1),
)
V3_SMALL: tuple[tuple[int, int, int, bool, str, int], ...] = (
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
)
_LAST_CHANNEL = {"large": 1280, "small": 1024}


def v3_block_configs(arch: str, width_mult: float = 1.0) -> list[BlockConfig]:
    """The block configurations of ``"large"`` or ``"small"``, channels scaled by ``width_mult``."""
    table = {"large": V3_LARGE, "small": V3_SMALL}.get(arch)
    if table is None:
        raise ValueError(f"arch must be 'large' or 'small', got {arch!r}")
    if width_mult <= 0:
        raise ValueError(f"width_mult must be positive, got {width_mult}")

    def scale(channels: int) -> int:
        return make_divisible(channels * width_mult)

    configs = []
    in_channels = scale(16)
    for kernel, expanded, out, use_se, nl, stride in table:
        configs.append(v3_config(in_channels, kernel, scale(expanded), scale(out), use_se, nl,
                                 stride))
        in_channels = scale(out)
    return configs


class MobileNetV3(nn.Module):
    """Stem (3x3 conv, stride 2, hard-swish), the blocks, a 1x1 head conv, pooling, classifier.

    The head convolution widens the last block's output six-fold; the classifier
    is ``Linear -> hard-swish -> dropout -> Linear``, as in the paper's Fig. 5.
    """

    def __init__(self, configs: list[BlockConfig], last_channel: int, num_classes: int = 1000,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if not configs:
            raise ValueError("MobileNetV3 needs at least one block configuration")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        norm = {"bn_eps": 1e-3, "bn_momentum": 0.01}
        head_in = configs[-1].out_channels
        head_out = 6 * head_in
        self.features = nn.Sequential(
            ConvBNAct(3, configs[0].in_channels, 3, stride=2, activation="hardswish", **norm),
            *[InvertedResidual(c) for c in configs],
            ConvBNAct(head_in, head_out, 1, activation="hardswish", **norm),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(head_out, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )
        init_weights_(self)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _build(arch: str, num_classes: int, width_mult: float, dropout: float) -> MobileNetV3:
    last = make_divisible(_LAST_CHANNEL[arch] * width_mult)
    return MobileNetV3(v3_block_configs(arch, width_mult), last, num_classes, dropout)


def mobilenet_v3_large(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> MobileNetV3:
    """MobileNetV3-Large: 5,483,032 parameters at ``width_mult=1`` with 1000 classes."""
    return _build("large", num_classes, width_mult, dropout)


def mobilenet_v3_small(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> MobileNetV3:
    """MobileNetV3-Small: 2,542,856 parameters at ``width_mult=1`` with 1000 classes."""
    return _build("small", num_classes, width_mult, dropout)
