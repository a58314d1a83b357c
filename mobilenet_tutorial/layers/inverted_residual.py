"""The inverted residual, one block family for MobileNetV2, MobileNetV3 and EfficientNet.

All three networks stack the same block: a ``1x1`` *expansion* convolution (left out
when it would not change the channel count), a ``KxK`` *depthwise* convolution, an
optional *squeeze-and-excitation* gate, and a linear ``1x1`` *projection*, with a
residual connection when input and output have the same shape.  What differs is
configuration, held by :class:`BlockConfig`:

============== ================ ==================== =====================
               MobileNetV2      MobileNetV3          EfficientNet (MBConv)
============== ================ ==================== =====================
kernel         3                3 or 5               3 or 5
activation     ReLU6            ReLU or hard-swish   SiLU (swish)
SE             none             some blocks, hard-   every block, sigmoid
                                sigmoid gate
SE width       --               expanded / 4, to 8s  block input / 4
residual       identity         identity             stochastic depth
============== ================ ==================== =====================

:func:`v2_config`, :func:`v3_config` and :func:`mbconv_config` fill in the table's
columns.  Normalisation and padding are not part of a block's configuration: a network
chooses them once and hands the same ``norm_layer`` and ``padding`` to every block.

Module names follow torchvision's MobileNetV3 and EfficientNet, so their state dicts
load unchanged: ``block.K.0`` is the K-th convolution, ``block.K.1`` its batch norm, and
the SE layer is ``block.K.fc1``/``block.K.fc2``.  torchvision's MobileNetV2 names its
blocks' layers differently (``conv.K``, with a flat projection);
:class:`~mobilenet_tutorial.models.mobilenet_v2.MobileNetV2` translates its keys.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import nn

from ..checks import LARGEST_INT, positive_int, probability, shown
from .activation import ActivationLayer, activation_layer
from .cnsn import CrossNorm, SelfNorm
from .conv import ConvNormActivation, NormLayer
from .divisible import make_divisible
from .padding import Padding
from .squeeze_excitation import SqueezeExcitation
from .stochastic_depth import StochasticDepth
from .triplet_attention import TripletAttention

__all__ = ["BlockConfig", "InvertedResidual", "v2_config", "v3_config", "mbconv_config",
           "ATTENTIONS"]

ATTENTIONS = (None, "triplet")
"""The attention layers a block can insert after its projection (``None``: none)."""


@dataclass(frozen=True)
class BlockConfig:
    """Everything that distinguishes one inverted-residual block from another.

    Activations may be given as classes (``nn.Hardswish``) or names of
    :mod:`.activation` (``"hardswish"``, ``"HS"``); they are stored as classes.

    Attributes:
        in_channels, expanded_channels, out_channels: channel counts; no expansion
            convolution is built when ``expanded_channels == in_channels``.
        kernel_size: of the depthwise convolution (odd).
        stride: 1 or 2, applied by the depthwise convolution.
        activation: after the expansion and the depthwise convolution.
        se_channels: width of the squeeze-and-excitation bottleneck; 0 means no SE.
        se_activation, se_gate: SE's inner activation and its gate.
        project_activation: after the projection; ``None``, the *linear bottleneck*,
            in every real network (``nn.ReLU6`` is the ablation of MobileNetV2's
            Section 6.3).
        drop_path: stochastic-depth probability of the residual branch.
        attention: ``"triplet"`` puts :class:`~.triplet_attention.TripletAttention` after
            the projection, before the residual add, as the official Triplet Attention
            MobileNetV2 does; ``None`` (every real MobileNet) leaves it out.
        crossnorm: probability of :class:`~.cnsn.CrossNorm` after the projection (train
            mode only); 0 leaves it out.
        selfnorm: put :class:`~.cnsn.SelfNorm` after the projection (after CrossNorm,
            before the attention).

    The last three are chapter 9's insertions; they add modules outside ``block``
    (``crossnorm``, ``selfnorm``, ``attention``), so a block without them has exactly the
    keys it always had.
    """

    in_channels: int
    expanded_channels: int
    out_channels: int
    kernel_size: int = 3
    stride: int = 1
    activation: ActivationLayer = nn.ReLU6
    se_channels: int = 0
    se_activation: ActivationLayer = nn.ReLU
    se_gate: ActivationLayer = nn.Sigmoid
    project_activation: ActivationLayer | None = None
    drop_path: float = 0.0
    attention: str | None = None
    crossnorm: float = 0.0
    selfnorm: bool = False

    def __post_init__(self) -> None:
        for name in ("in_channels", "expanded_channels", "out_channels"):
            positive_int(name, getattr(self, name), "a channel count")
        if isinstance(self.kernel_size, bool) or not isinstance(self.kernel_size, int) \
                or not 1 <= self.kernel_size <= LARGEST_INT or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive (3 or 5), "
                             f"got {self.kernel_size!r}")
        if isinstance(self.stride, bool) or self.stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {self.stride!r}")
        if isinstance(self.se_channels, bool) or not isinstance(self.se_channels, int) \
                or self.se_channels < 0:
            raise ValueError(f"se_channels must be 0 (no SE) or a positive integer, "
                             f"got {self.se_channels!r}")
        probability("drop_path", self.drop_path, "0 for no stochastic depth")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {sorted(ATTENTIONS, key=str)} "
                             f"(None for none), got {self.attention!r}")
        probability("crossnorm", self.crossnorm, "0 for no CrossNorm, 0.5 in chapter 9")
        if not isinstance(self.selfnorm, bool):
            raise ValueError(f"selfnorm must be True or False, got {self.selfnorm!r}")
        for name in ("activation", "se_activation", "se_gate", "project_activation"):
            value = getattr(self, name)
            if value is None and name != "project_activation":
                raise ValueError(f"{name} must be an activation such as nn.ReLU, got None")
            try:
                object.__setattr__(self, name, activation_layer(value))
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None

    @property
    def expands(self) -> bool:
        """Whether the block has a ``1x1`` expansion convolution."""
        return self.expanded_channels != self.in_channels

    @property
    def expand_ratio(self) -> float:
        """The expansion factor ``t = expanded / in`` (a whole number when it is one)."""
        ratio = self.expanded_channels / self.in_channels
        return int(ratio) if ratio.is_integer() else ratio

    @property
    def uses_se(self) -> bool:
        """Whether the block has a squeeze-and-excitation layer."""
        return self.se_channels > 0

    @property
    def insertions(self) -> tuple[str, ...]:
        """The chapter-9 layers this block adds after its projection, in order."""
        return tuple(name for name, on in (("crossnorm", self.crossnorm > 0),
                                           ("selfnorm", self.selfnorm),
                                           ("attention", self.attention is not None)) if on)

    @property
    def residual(self) -> bool:
        """Whether the input is added to the output (same shape in and out)."""
        return self.stride == 1 and self.in_channels == self.out_channels


class InvertedResidual(nn.Module):
    """The inverted residual of MobileNetV2/V3 and EfficientNet, built from a :class:`BlockConfig`.

    ``block`` holds, in order: the expansion :class:`~.conv.ConvNormActivation` (if
    any), the depthwise one, the :class:`~.squeeze_excitation.SqueezeExcitation` (if
    any) and the projection, linear unless ``config.project_activation`` is set.

    Args:
        config: the block's configuration.
        norm_layer: builds every normalisation layer (the network's choice, e.g.
            ``partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)``).
        padding: of the depthwise convolution, ``"symmetric"`` or ``"tf_same"``.

    ``InvertedResidual(in_channels, out_channels, stride, expand_ratio)``, MobileNetV2's
    own signature, still works and means ``InvertedResidual(v2_config(...))``; it is
    deprecated.
    """

    def __init__(self, config: BlockConfig, *legacy_args: object,
                 norm_layer: NormLayer = nn.BatchNorm2d, padding: Padding = "symmetric",
                 **legacy_kwargs: object) -> None:
        super().__init__()
        if not isinstance(config, BlockConfig):
            warnings.warn("InvertedResidual(in_channels, out_channels, stride, expand_ratio) "
                          "is deprecated: use InvertedResidual(v2_config(in_channels, "
                          "out_channels, stride, expand_ratio))", DeprecationWarning,
                          stacklevel=2)
            config = v2_config(config, *legacy_args, **legacy_kwargs)  # type: ignore[arg-type]
        elif legacy_args or legacy_kwargs:
            raise TypeError("InvertedResidual takes one BlockConfig (plus norm_layer= and "
                            "padding=); build it with v2_config, v3_config or mbconv_config")
        c = config
        layers: list[nn.Module] = []
        if c.expands:
            layers.append(ConvNormActivation(c.in_channels, c.expanded_channels, 1,
                                             norm_layer=norm_layer, activation_layer=c.activation))
        layers.append(ConvNormActivation(c.expanded_channels, c.expanded_channels,
                                         c.kernel_size, c.stride, groups=c.expanded_channels,
                                         norm_layer=norm_layer, activation_layer=c.activation,
                                         padding=padding))
        if c.uses_se:
            layers.append(SqueezeExcitation(c.expanded_channels, c.se_channels,
                                            c.se_activation, c.se_gate))
        layers.append(ConvNormActivation(c.expanded_channels, c.out_channels, 1,
                                         norm_layer=norm_layer,
                                         activation_layer=c.project_activation))
        self.block = nn.Sequential(*layers)
        if c.crossnorm > 0:
            self.crossnorm = CrossNorm(c.crossnorm)
        if c.selfnorm:
            self.selfnorm = SelfNorm(c.out_channels)
        if c.attention == "triplet":
            self.attention = TripletAttention(c.out_channels)
        self.stochastic_depth = StochasticDepth(c.drop_path)
        self.config = config
        self.out_channels = c.out_channels
        # MobileNetV2's names for what the configuration holds (chapter 3 reads them)
        self.hidden_channels, self.expand_ratio = c.expanded_channels, c.expand_ratio
        self.use_residual = c.residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        for name in self.config.insertions:
            out = getattr(self, name)(out)
        if self.config.residual:
            out = self.stochastic_depth(out) + x
        return out

    def extra_repr(self) -> str:
        c = self.config
        return (f"{c.in_channels}->{c.expanded_channels}->{c.out_channels}, "
                f"stride={c.stride}, residual={c.residual}")


def _expand_ratio(value: object, hint: str) -> float:
    """``value`` if it is an expansion ratio: a finite number from 1 to 1000; else raise."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 1 <= value <= 1000):
        raise ValueError(f"expand_ratio must be a number from 1 to 1000 ({hint}), got "
                         f"{shown(value)}")
    return value


def v2_config(in_channels: int, out_channels: int, stride: int, expand_ratio: float,
              relu_after_projection: bool = False, *,
              activation: str | ActivationLayer = nn.ReLU6, attention: str | None = None,
              crossnorm: float = 0.0, selfnorm: bool = False) -> BlockConfig:
    """A MobileNetV2 block: ReLU6, 3x3 depthwise, no SE, expansion ``round(in * t)``.

    ``relu_after_projection=True`` puts a ReLU6 after the projection: the ablation of the
    paper's Section 6.3 (MobileNetV2 itself keeps the projection linear).  The keyword
    arguments are chapter 9's variants: another ``activation`` (``"mish"``) and the
    insertions after the projection (see :class:`BlockConfig`).
    """
    positive_int("in_channels", in_channels, "a channel count")
    _expand_ratio(expand_ratio, "MobileNetV2 uses 1 and 6")
    return BlockConfig(in_channels, int(round(in_channels * expand_ratio)), out_channels,
                       kernel_size=3, stride=stride, activation=activation,
                       project_activation=nn.ReLU6 if relu_after_projection else None,
                       attention=attention, crossnorm=crossnorm, selfnorm=selfnorm)


def v3_config(in_channels: int, kernel_size: int, expanded_channels: int, out_channels: int,
              use_se: bool, activation: str | ActivationLayer, stride: int) -> BlockConfig:
    """A MobileNetV3 block, in the column order of the paper's Tables 1 and 2.

    ``activation`` is the paper's ``"RE"`` (ReLU) or ``"HS"`` (hard-swish), or any name
    or class of :mod:`.activation`; the SE layer, if used, is
    ``make_divisible(expanded / 4)`` wide with a ReLU inside and a hard-sigmoid gate.
    """
    se = make_divisible(expanded_channels // 4) if use_se else 0
    return BlockConfig(in_channels, expanded_channels, out_channels, kernel_size, stride,
                       activation=activation, se_channels=se, se_activation=nn.ReLU,
                       se_gate=nn.Hardsigmoid)


def mbconv_config(in_channels: int, out_channels: int, kernel_size: int, stride: int,
                  expand_ratio: float, drop_path: float = 0.0, se: bool = True,
                  activation: str | ActivationLayer = nn.SiLU) -> BlockConfig:
    """An EfficientNet MBConv block: SiLU, SE ``in / 4`` wide with a sigmoid gate, stochastic depth.

    ``se=False, activation=nn.ReLU6`` gives EfficientNet-Lite's block.
    """
    positive_int("in_channels", in_channels, "a channel count")
    _expand_ratio(expand_ratio, "EfficientNet uses 1 and 6")
    expanded = make_divisible(in_channels * expand_ratio)
    se_channels = max(1, in_channels // 4) if se else 0
    return BlockConfig(in_channels, expanded, out_channels, kernel_size, stride,
                       activation=activation, se_channels=se_channels, se_activation=nn.SiLU,
                       se_gate=nn.Sigmoid, drop_path=drop_path)
