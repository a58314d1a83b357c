"""One block family for MobileNetV2, MobileNetV3 and EfficientNet: the inverted residual.

All three networks stack the same block: a ``1x1`` *expansion* convolution
(skipped when it would not change the channel count), a ``KxK`` *depthwise*
convolution, an optional *squeeze-and-excitation* gate, and a linear ``1x1``
*projection*, with a residual connection when input and output have the same
shape.  What differs is configuration, held by :class:`BlockConfig`:

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

:func:`v2_config`, :func:`v3_config` and :func:`mbconv_config` fill in the
table's columns.  Module names follow torchvision's MobileNetV3 and EfficientNet,
so their state dicts load unchanged: ``block.K.0`` is the K-th convolution,
``block.K.1`` its batch norm, and the SE layer is ``block.K.fc1``/``block.K.fc2``.
torchvision's MobileNetV2 names its layers differently; :func:`v2_keys_to_blocks`
renames them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from .tf_padding import Conv2dSame

__all__ = [
    "ACTIVATIONS",
    "make_divisible",
    "ConvBNAct",
    "SqueezeExcitation",
    "StochasticDepth",
    "BlockConfig",
    "InvertedResidual",
    "v2_config",
    "v3_config",
    "mbconv_config",
    "v2_keys_to_blocks",
    "block_table",
]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "hardswish": nn.Hardswish,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "hardsigmoid": nn.Hardsigmoid,
}


def _activation(name: str | None) -> nn.Module | None:
    if name is None:
        return None
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(ACTIVATIONS)}")
    cls = ACTIVATIONS[name]
    return cls() if cls in (nn.Sigmoid,) else cls(inplace=True)


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to the nearest multiple of ``divisor``, never more than 10% down.

    This is the rule of the TensorFlow MobileNet code that torchvision copies:
    ``make_divisible(37.5) == 40``, ``make_divisible(12) == 16``.
    """
    if divisor < 1:
        raise ValueError(f"divisor must be at least 1, got {divisor}")
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


class ConvBNAct(nn.Sequential):
    """Convolution (no bias), batch norm, then an activation (or none): children 0, 1, 2.

    Args:
        padding: ``"symmetric"`` pads ``(kernel_size - 1) // 2`` on every side, as
            PyTorch models do; ``"tf_same"`` uses TensorFlow's "same" rule
            (:class:`~mobilenet_tutorial.models.tf_padding.Conv2dSame`).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 stride: int = 1, groups: int = 1, activation: str | None = "relu",
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1,
                 padding: str = "symmetric") -> None:
        if padding == "symmetric":
            conv: nn.Conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                                        (kernel_size - 1) // 2, groups=groups, bias=False)
        elif padding == "tf_same":
            conv = Conv2dSame(in_channels, out_channels, kernel_size, stride, groups=groups,
                              bias=False)
        else:
            raise ValueError(f"padding must be 'symmetric' or 'tf_same', got {padding!r}")
        layers: list[nn.Module] = [conv, nn.BatchNorm2d(out_channels, bn_eps, bn_momentum)]
        act = _activation(activation)
        if act is not None:
            layers.append(act)
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2018): a per-channel gate computed from the whole image.

    Average-pool each channel to one number (*squeeze*), pass the vector through
    two ``1x1`` convolutions with an activation between (*excitation*), squash it
    to ``[0, 1]`` with ``gate``, and multiply each channel by its value.  Its cost
    is ``2 * channels * squeeze_channels`` weights plus biases, whatever the image size.
    """

    def __init__(self, channels: int, squeeze_channels: int, activation: str = "relu",
                 gate: str = "sigmoid") -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = _activation(activation)
        self.scale_activation = _activation(gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return x * self.scale_activation(scale)


class StochasticDepth(nn.Module):
    """Drop the residual branch of each sample with probability ``p`` while training.

    Surviving branches are divided by ``1 - p`` so that the expected output is
    unchanged; in eval mode this is the identity (Huang et al., 2016).
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"drop probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype, device=x.device)
        return x * mask.bernoulli_(keep).div_(keep)

    def extra_repr(self) -> str:
        return f"p={self.p}"


@dataclass(frozen=True)
class BlockConfig:
    """Everything that distinguishes one inverted-residual block from another.

    Attributes:
        in_channels, expanded_channels, out_channels: channel counts; no expansion
            convolution is built when ``expanded_channels == in_channels``.
        kernel_size: of the depthwise convolution (odd).
        stride: 1 or 2, applied by the depthwise convolution.
        activation: name in :data:`ACTIVATIONS` used after expansion and depthwise.
        se_channels: width of the squeeze-and-excitation bottleneck; 0 means no SE.
        se_activation, se_gate: SE's inner activation and its gate.
        drop_path: stochastic-depth probability of the residual branch.
        bn_eps, bn_momentum: batch-norm settings (models differ: 1e-5/0.1 or 1e-3/0.01).
        padding: ``"symmetric"`` or ``"tf_same"`` (see :class:`ConvBNAct`).
    """

    in_channels: int
    expanded_channels: int
    out_channels: int
    kernel_size: int = 3
    stride: int = 1
    activation: str = "relu6"
    se_channels: int = 0
    se_activation: str = "relu"
    se_gate: str = "sigmoid"
    drop_path: float = 0.0
    bn_eps: float = 1e-5
    bn_momentum: float = 0.1
    padding: str = "symmetric"

    def __post_init__(self) -> None:
        for name in ("in_channels", "expanded_channels", "out_channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {self.kernel_size}")
        if self.stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {self.stride}")
        if self.se_channels < 0:
            raise ValueError(f"se_channels must be 0 (no SE) or positive, got {self.se_channels}")
        for name in ("activation", "se_activation", "se_gate"):
            if getattr(self, name) not in ACTIVATIONS:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}: choose one of "
                                 f"{', '.join(ACTIVATIONS)}")

    @property
    def expands(self) -> bool:
        """Whether the block has a ``1x1`` expansion convolution."""
        return self.expanded_channels != self.in_channels

    @property
    def uses_se(self) -> bool:
        """Whether the block has a squeeze-and-excitation layer."""
        return self.se_channels > 0

    @property
    def residual(self) -> bool:
        """Whether the input is added to the output (same shape in and out)."""
        return self.stride == 1 and self.in_channels == self.out_channels


class InvertedResidual(nn.Module):
    """The inverted residual of MobileNetV2/V3 and EfficientNet, built from a :class:`BlockConfig`.

    ``block`` holds, in order: the expansion ``ConvBNAct`` (if any), the depthwise
    ``ConvBNAct``, the :class:`SqueezeExcitation` (if any) and the projection
    ``ConvBNAct`` with no activation (the *linear bottleneck*).
    """

    def __init__(self, config: BlockConfig) -> None:
        super().__init__()
        c = config
        norm = {"bn_eps": c.bn_eps, "bn_momentum": c.bn_momentum}
        layers: list[nn.Module] = []
        if c.expands:
            layers.append(ConvBNAct(c.in_channels, c.expanded_channels, 1,
                                    activation=c.activation, **norm))
        layers.append(ConvBNAct(c.expanded_channels, c.expanded_channels, c.kernel_size,
                                c.stride, groups=c.expanded_channels, activation=c.activation,
                                padding=c.padding, **norm))
        if c.uses_se:
            layers.append(SqueezeExcitation(c.expanded_channels, c.se_channels,
                                            c.se_activation, c.se_gate))
        layers.append(ConvBNAct(c.expanded_channels, c.out_channels, 1, activation=None, **norm))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(c.drop_path)
        self.config = config
        self.out_channels = c.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        if self.config.residual:
            out = self.stochastic_depth(out) + x
        return out


def v2_config(in_channels: int, out_channels: int, stride: int, expand_ratio: int) -> BlockConfig:
    """A MobileNetV2 block: ReLU6, 3x3 depthwise, no SE, expansion ``round(in * t)``."""
    return BlockConfig(in_channels, int(round(in_channels * expand_ratio)), out_channels,
                       kernel_size=3, stride=stride, activation="relu6")


def v3_config(in_channels: int, kernel_size: int, expanded_channels: int, out_channels: int,
              use_se: bool, activation: str, stride: int) -> BlockConfig:
    """A MobileNetV3 block, in the column order of the paper's Tables 1 and 2.

    ``activation`` is ``"RE"`` (ReLU) or ``"HS"`` (hard-swish); the SE layer, if
    used, is ``make_divisible(expanded / 4)`` wide with a hard-sigmoid gate; batch
    norm uses ``eps=1e-3, momentum=0.01``.
    """
    names = {"RE": "relu", "HS": "hardswish"}
    if activation not in names:
        raise ValueError(f"activation must be 'RE' or 'HS', got {activation!r}")
    se = make_divisible(expanded_channels // 4) if use_se else 0
    return BlockConfig(in_channels, expanded_channels, out_channels, kernel_size, stride,
                       activation=names[activation], se_channels=se, se_activation="relu",
                       se_gate="hardsigmoid", bn_eps=1e-3, bn_momentum=0.01)


def mbconv_config(in_channels: int, out_channels: int, kernel_size: int, stride: int,
                  expand_ratio: float, drop_path: float = 0.0, se: bool = True,
                  activation: str = "silu", bn_eps: float = 1e-5, bn_momentum: float = 0.1,
                  padding: str = "symmetric") -> BlockConfig:
    """An EfficientNet MBConv block: SiLU, SE ``in / 4`` wide with a sigmoid gate, stochastic depth.

    ``se=False, activation="relu6"`` gives EfficientNet-Lite's block.
    """
    expanded = make_divisible(in_channels * expand_ratio)
    se_channels = max(1, in_channels // 4) if se else 0
    return BlockConfig(in_channels, expanded, out_channels, kernel_size, stride,
                       activation=activation, se_channels=se_channels, se_activation="silu",
                       se_gate="sigmoid", drop_path=drop_path, bn_eps=bn_eps,
                       bn_momentum=bn_momentum, padding=padding)


_V2_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)conv\.(?P<index>\d+)\.(?P<rest>.+)$")


def v2_keys_to_blocks(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename torchvision MobileNetV2 block keys to this module's names.

    torchvision's ``InvertedResidual`` keeps its layers in ``conv``: its
    ``Conv2dNormActivation`` layers are ``conv.K.0`` (convolution) and ``conv.K.1``
    (batch norm), but the projection is two flat entries, ``conv.N`` (convolution)
    and ``conv.N+1`` (batch norm).  Here every layer is a ``ConvBNAct``, so::

        conv.K.0.* -> block.K.0.*      conv.K.1.* -> block.K.1.*
        conv.N.*   -> block.N.0.*      conv.N+1.* -> block.N.1.*

    Keys that are not inside a ``conv`` of a block (stem, head, classifier) are
    returned unchanged, so a whole model's state dict can be passed.
    """
    flat: dict[str, set[int]] = {}
    for key in state_dict:
        match = _V2_KEY.match(key)
        if match and "." not in match["rest"]:
            flat.setdefault(match["prefix"], set()).add(int(match["index"]))
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        match = _V2_KEY.match(key)
        if match is None:
            renamed[key] = value
            continue
        prefix, index, rest = match["prefix"], int(match["index"]), match["rest"]
        if "." in rest:  # conv.K.<0|1>.param: a Conv2dNormActivation
            renamed[f"{prefix}block.{index}.{rest}"] = value
            continue
        indices = flat.get(prefix, set())
        if len(indices) != 2:
            raise ValueError(f"{key}: expected the projection of a torchvision MobileNetV2 "
                             f"block as two flat entries conv.N and conv.N+1, found {indices}")
        conv_index = min(indices)
        sub = 0 if index == conv_index else 1
        renamed[f"{prefix}block.{conv_index}.{sub}.{rest}"] = value
    return renamed


_ACT_LABELS = {"relu": "RE", "relu6": "RE6", "hardswish": "HS", "silu": "SiLU"}


def block_table(model: nn.Module, input_size: tuple[int, int, int, int] = (1, 3, 224, 224)
                ) -> pd.DataFrame:
    """The architecture of ``model`` as the MobileNetV3 paper tabulates it, one row per layer.

    Columns: ``module`` (its name), ``input`` (``HxWxC`` seen by the layer),
    ``operator``, ``exp`` (expanded channels), ``out``, ``SE``, ``NL``
    (nonlinearity) and ``stride``.  Rows are the stem and head ``ConvBNAct``
    layers and every :class:`InvertedResidual`, found by running one forward pass
    of zeros (in eval mode) through forward hooks.
    """
    rows: list[dict[str, object]] = []
    handles = []
    inside_block: set[int] = set()
    for module in model.modules():
        if isinstance(module, InvertedResidual):
            inside_block.update(id(m) for m in module.modules() if m is not module)

    def describe(name: str, module: nn.Module):
        def hook(mod: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            _, channels, height, width = inputs[0].shape
            row: dict[str, object] = {"module": name, "input": f"{height}x{width}x{channels}"}
            if isinstance(mod, InvertedResidual):
                c = mod.config
                row.update(operator=f"bneck, {c.kernel_size}x{c.kernel_size}",
                           exp=c.expanded_channels, out=c.out_channels, SE=c.uses_se,
                           NL=_ACT_LABELS.get(c.activation, c.activation), stride=c.stride)
            else:
                conv = mod[0]
                k = conv.kernel_size[0]
                act = type(mod[2]).__name__.lower() if len(mod) > 2 else "none"
                row.update(operator=f"conv2d, {k}x{k}", exp=None, out=conv.out_channels,
                           SE=False, NL=_ACT_LABELS.get(act, act), stride=conv.stride[0])
            rows.append(row)

        return hook

    for name, module in model.named_modules():
        if id(module) in inside_block:
            continue
        if isinstance(module, (InvertedResidual, ConvBNAct)):
            handles.append(module.register_forward_hook(describe(name, module)))
    was_training = model.training
    try:
        param = next(model.parameters())
        model.eval()
        with torch.no_grad():
            model(torch.zeros(input_size, dtype=param.dtype, device=param.device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    frame = pd.DataFrame(rows)
    frame["exp"] = frame["exp"].astype("Int64")
    return frame
