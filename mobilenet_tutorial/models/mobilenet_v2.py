"""MobileNetV2 (Sandler et al., 2018): inverted residuals and linear bottlenecks.

The network is a 3×3 stem convolution, seventeen *inverted residual* blocks
and a 1×1 convolution to 1280 channels, then global average pooling, dropout
and a linear classifier.  Each inverted residual block
(:class:`~mobilenet_tutorial.layers.InvertedResidual` configured by
:func:`~mobilenet_tutorial.layers.v2_config`)

1. expands its narrow input ``t`` times with a 1×1 convolution (+ BN + ReLU6),
   skipped when ``t = 1``;
2. filters each expanded channel with a 3×3 depthwise convolution (+ BN + ReLU6);
3. projects back to a narrow output with a *linear* 1×1 convolution (+ BN, no
   activation: the "linear bottleneck");
4. adds its input when the stride is 1 and the channel counts match.

The state dict is torchvision's ``mobilenet_v2``'s, key for key (``features.0.0``,
``features.N.conv.0.0``, ..., ``classifier.1``), so torchvision's ImageNet state dict
loads with ``load_state_dict`` as it is.  The blocks name their layers ``block.K`` as
MobileNetV3's and EfficientNet's do; two state-dict hooks of :class:`MobileNetV2`
translate the block keys to torchvision's when saving and back when loading
(:func:`~mobilenet_tutorial.weights.keys.blocks_to_v2_keys`).

Chapter 9's variants are options of the same network: ``activation`` (``"mish"``) and
the insertions after each block's projection, ``attention="triplet"``, ``crossnorm`` and
``selfnorm`` (:data:`VARIANTS` names the five the chapter compares).  A variant keeps
every key of the base model, so ``mobilenet_v2(weights=..., **VARIANTS[name])`` loads
torchvision's ImageNet weights into every layer it shares with MobileNetV2 and leaves
only the inserted layers at their initial values (:func:`load_shared_state_dict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from ..checks import positive_int, positive_number
from ..layers.activation import ActivationLayer, activation_layer
from ..layers.conv import ConvNormActivation, NormLayer
from ..layers.divisible import make_divisible
from ..layers.initialisation import init_weights_
from ..layers.inverted_residual import InvertedResidual, v2_config  # InvertedResidual: old path
from ..measure.architecture import block_memory  # noqa: F401  (moved; old imports keep working)
from ..weights.catalog import (
    MobileNetV2Weights,
    imagenet_state_dict,  # noqa: F401  (moved; old imports work)
)
from ..weights.keys import blocks_to_v2_keys, v2_keys_to_blocks
from .contract import check_builder_arguments

__all__ = [
    "Stage",
    "INVERTED_RESIDUAL_SETTING",
    "MobileNetV2",
    "mobilenet_v2",
    "MobileNetV2Weights",
    "WEIGHTS_NAMES",
    "ConvBNReLU6",
    "VARIANTS",
    "load_shared_state_dict",
]

VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "+Mish": {"activation": "mish"},
    "+Triplet": {"attention": "triplet"},
    "+CNSN": {"crossnorm": 0.1, "selfnorm": True},
    "all three": {"activation": "mish", "attention": "triplet", "crossnorm": 0.1,
                  "selfnorm": True},
}
"""Chapter 9's ablation: the keyword arguments of :func:`mobilenet_v2` for each variant."""


class Stage(NamedTuple):
    """One row of the paper's Table 2: ``n`` blocks with expansion ``t`` and ``c`` output
    channels, the first of them with stride ``s``."""

    t: int
    c: int
    n: int
    s: int


INVERTED_RESIDUAL_SETTING: tuple[Stage, ...] = (
    Stage(t=1, c=16, n=1, s=1),
    Stage(t=6, c=24, n=2, s=2),
    Stage(t=6, c=32, n=3, s=2),
    Stage(t=6, c=64, n=4, s=2),
    Stage(t=6, c=96, n=3, s=1),
    Stage(t=6, c=160, n=3, s=2),
    Stage(t=6, c=320, n=1, s=1),
)
"""The paper's Table 2, the body of MobileNetV2."""

#: Names accepted by ``mobilenet_v2(weights=...)``.
WEIGHTS_NAMES = tuple(member.name for member in MobileNetV2Weights)


def ConvBNReLU6(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                groups: int = 1, activation: bool = True) -> ConvNormActivation:
    """Deprecated name of ``ConvNormActivation(..., activation_layer=nn.ReLU6)``."""
    return ConvNormActivation(in_channels, out_channels, kernel_size, stride, groups=groups,
                              activation_layer=nn.ReLU6 if activation else None)


class MobileNetV2(nn.Module):
    """MobileNetV2 with a width multiplier; state-dict keys as in torchvision.

    Args:
        width_mult: scales every layer's channels (rounded to multiples of 8);
            the last layer keeps 1280 channels when ``width_mult < 1``.
        num_classes: outputs of the classifier.
        dropout: dropout probability before the classifier (0.2 in torchvision).
        setting: rows ``(t, c, n, s)`` (:class:`Stage` or plain tuples); defaults to
            the paper's Table 2.
        norm_layer: builds every normalisation layer (batch norm, PyTorch's defaults).
        activation: of the stem, the blocks and the head (``nn.ReLU6``; ``"mish"`` or
            :class:`~mobilenet_tutorial.layers.Mish` for chapter 9).
        attention, crossnorm, selfnorm: insertions after every block's projection (see
            :class:`~mobilenet_tutorial.layers.BlockConfig`).
    """

    def __init__(self, width_mult: float = 1.0, num_classes: int = 1000, dropout: float = 0.2,
                 setting: Sequence[tuple[int, int, int, int]] = INVERTED_RESIDUAL_SETTING,
                 norm_layer: NormLayer = nn.BatchNorm2d,
                 activation: str | ActivationLayer = nn.ReLU6, attention: str | None = None,
                 crossnorm: float = 0.0, selfnorm: bool = False) -> None:
        super().__init__()
        positive_number("width_mult", width_mult, "such as 1.0, 0.75, 0.5 or 0.35")
        positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
        if activation is None:
            raise ValueError("activation must be an activation such as nn.ReLU6 or 'mish', "
                             "got None")
        try:
            act = activation_layer(activation)
        except ValueError as error:
            raise ValueError(f"activation: {error}") from None
        channels = make_divisible(32 * width_mult)
        self.last_channels = make_divisible(1280 * max(1.0, width_mult))
        layers: list[nn.Module] = [ConvNormActivation(3, channels, 3, 2, norm_layer=norm_layer,
                                                      activation_layer=act)]
        for stage in (Stage(*row) for row in setting):
            out_channels = make_divisible(stage.c * width_mult)
            for i in range(stage.n):
                config = v2_config(channels, out_channels, stage.s if i == 0 else 1, stage.t,
                                   activation=act, attention=attention, crossnorm=crossnorm,
                                   selfnorm=selfnorm)
                layers.append(InvertedResidual(config, norm_layer=norm_layer))
                channels = out_channels
        layers.append(ConvNormActivation(channels, self.last_channels, 1, norm_layer=norm_layer,
                                         activation_layer=act))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout),
                                        nn.Linear(self.last_channels, num_classes))
        init_weights_(self)
        _register_key_hooks(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x)


def _save_torchvision_keys(module: nn.Module, state_dict: dict[str, Any], prefix: str,
                           local_metadata: dict[str, Any]) -> None:
    """State-dict post hook: rename this model's block keys to torchvision's, in place.

    The model's keys are the last ones in ``state_dict`` when the hook runs, so taking
    them out and putting them back renamed keeps the order.
    """
    ours = {key[len(prefix):]: state_dict.pop(key) for key in
            [key for key in state_dict if key.startswith(prefix)]}
    state_dict.update({prefix + key: value for key, value in blocks_to_v2_keys(ours).items()})


def _load_torchvision_keys(module: nn.Module, state_dict: dict[str, Any], prefix: str,
                           local_metadata: dict[str, Any], strict: bool,
                           missing_keys: list[str], unexpected_keys: list[str],
                           error_msgs: list[str]) -> None:
    """Load-state-dict pre hook: rename torchvision's block keys to this model's, in place."""
    keys = [key for key in state_dict if key.startswith(prefix)]
    theirs = {key[len(prefix):]: state_dict.pop(key) for key in keys}
    state_dict.update({prefix + key: value for key, value in v2_keys_to_blocks(theirs).items()})


def _register_key_hooks(model: nn.Module) -> None:
    if hasattr(nn.Module, "register_state_dict_post_hook"):  # public since torch 2.5
        model.register_state_dict_post_hook(_save_torchvision_keys)
        model.register_load_state_dict_pre_hook(_load_torchvision_keys)
    else:  # torch 2.4: the same hooks, registered through the private methods
        model._register_state_dict_hook(_save_torchvision_keys)
        model._register_load_state_dict_pre_hook(_load_torchvision_keys, with_module=True)


def load_shared_state_dict(model: MobileNetV2, state_dict: dict[str, torch.Tensor]
                           ) -> list[str]:
    """Load a base MobileNetV2 ``state_dict`` into a variant; return the keys it left alone.

    Every key of ``state_dict`` must exist in ``model`` with the same shape (a variant
    keeps all of the base model's layers), and every key of ``model`` it does not set
    must belong to an inserted layer (``crossnorm``, ``selfnorm`` or ``attention`` of a
    block); so nothing the two share is silently left at random.

    Raises:
        ValueError: a key of ``state_dict`` the model lacks, or a key of the model that
            is neither in ``state_dict`` nor part of an inserted layer.
    """
    result = model.load_state_dict(state_dict, strict=False)
    if result.unexpected_keys:
        raise ValueError(f"the state dict has keys this model lacks: "
                         f"{result.unexpected_keys[:3]}; is it a MobileNetV2's, at this width?")
    inserted = (".crossnorm.", ".selfnorm.", ".attention.")
    shared_missing = [key for key in result.missing_keys
                      if not any(part in key for part in inserted)]
    if shared_missing:
        raise ValueError(f"the state dict lacks keys of layers the base model has: "
                         f"{shared_missing[:3]}")
    return list(result.missing_keys)


def mobilenet_v2(*, weights: MobileNetV2Weights | str | None = None, progress: bool = True,
                 num_classes: int = 1000, width_mult: float = 1.0, **kwargs) -> MobileNetV2:
    """MobileNetV2, optionally with torchvision's ImageNet weights.

    Args:
        weights: ``None`` for random initialisation, or
            :attr:`MobileNetV2Weights.IMAGENET1K_V1` (also by name, ``"IMAGENET1K_V1"``,
            or as torchvision's ``MobileNet_V2_Weights.IMAGENET1K_V1``), which needs
            ``width_mult=1.0`` and ``num_classes=1000``.  See
            :func:`~mobilenet_tutorial.weights.imagenet_state_dict` for where the file
            comes from and how it is checked.
        progress: show a progress bar if the weights have to be downloaded.
        num_classes: classifier outputs (``>= 1``).
        width_mult: the width multiplier (``> 0``).
        kwargs: go to :class:`MobileNetV2` (``dropout``, ``setting``, ``norm_layer``, and
            chapter 9's ``activation``, ``attention``, ``crossnorm``, ``selfnorm``: with
            weights, a variant gets them in every layer it shares with the base model).

    Raises:
        ValueError: on a bad width, class count or weights name, or weights that
            do not fit the requested shape (see :mod:`.contract`).
    """
    member = check_builder_arguments("mobilenet_v2", weights=weights, num_classes=num_classes,
                                     width_mult=width_mult, weights_enum=MobileNetV2Weights)
    model = MobileNetV2(width_mult=width_mult, num_classes=num_classes, **kwargs)
    if member is not None:
        load_shared_state_dict(model, member.get_state_dict(progress=progress))
    return model

