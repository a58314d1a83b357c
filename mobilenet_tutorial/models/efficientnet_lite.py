"""EfficientNet-Lite0 with real ImageNet weights, from the same block family.

The Lite variants adapt EfficientNet to mobile accelerators: no
squeeze-and-excitation, ReLU6 instead of SiLU, and a stem and head whose widths
(32 and 1280) do not scale.  Lite0 has B0's stages, 4,652,008 parameters and no
scaling at all.

The weights (``efficientnet-lite0-57934424.pth``, see
:data:`mobilenet_tutorial.weights.EFFICIENTNET_LITE0_IMAGENET`) were converted
from Google's TensorFlow checkpoint, with key names in the style of the
``EfficientNet-PyTorch`` project.  :func:`lite0_keys_to_model` renames them once.
Because they come from TensorFlow, the model pads its strided convolutions the
TensorFlow way (:mod:`.tf_padding`) unless told otherwise.  Inputs are RGB in
``[0, 1]`` normalised per channel by :data:`LITE0_MEAN` and :data:`LITE0_STD`,
i.e. ``(255 * x - 127.5) / 128``, TensorFlow's preprocessing for the Lite models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch
from torch import nn

from .. import weights as _weights
from .efficientnet import EfficientNet, stage_configs

__all__ = ["LITE0_MEAN", "LITE0_STD", "lite0_transform", "lite0_keys_to_model",
           "efficientnet_lite0"]

LITE0_MEAN = (127.5 / 255.0,) * 3
LITE0_STD = (128.0 / 255.0,) * 3



def lite0_transform(size: int = 224, mean: tuple[float, ...] = LITE0_MEAN,
                    std: tuple[float, ...] = LITE0_STD):
    """Evaluation preprocessing: resize the short side to ``size * 8 / 7``, crop the centre.

    The result is a ``(3, size, size)`` float tensor normalised by ``mean`` and
    ``std`` (by default TensorFlow's ``(255 * x - 127.5) / 128``).  Accepts a
    PIL image or an image tensor.
    """
    from torchvision.transforms import v2

    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    return v2.Compose([v2.ToImage(), v2.Resize(round(size * 8 / 7), antialias=True),
                       v2.CenterCrop(size), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(mean, std)])


_BLOCK_KEY = re.compile(r"^_blocks\.(?P<index>\d+)\._(?P<layer>\w+?)\.(?P<param>\w+)$")
_TOP_LEVEL = {"_conv_stem": "features.0.0", "_bn0": "features.0.1", "_fc": "classifier.1"}


def lite0_keys_to_model(state_dict: Mapping[str, torch.Tensor], model: EfficientNet
                        ) -> dict[str, torch.Tensor]:
    """Rename the converted checkpoint's keys to ``model``'s names.

    The checkpoint numbers its blocks 0 to 15 in one list (``_blocks.i``); the
    model groups them in stages (``features.S.B``).  Within a block::

        _expand_conv -> block.0.0   _bn0 -> block.0.1        (only if the block expands)
        _depthwise_conv -> block.D.0   _bn1 -> block.D.1     (D = 1 if it expands, else 0)
        _project_conv -> block.P.0     _bn2 -> block.P.1     (P = D + 1: Lite has no SE)

    and outside the blocks ``_conv_stem``/``_bn0`` are the stem ``features.0``,
    ``_conv_head``/``_bn1`` the head ``features.<last>``, ``_fc`` the classifier.

    Raises:
        KeyError: a key the mapping does not know, or a block index the model lacks.
    """
    head = f"features.{len(model.features) - 1}"
    top = dict(_TOP_LEVEL, _conv_head=f"{head}.0", _bn1=f"{head}.1")
    blocks = [f"features.{s}.{b}" for s, stage in enumerate(model.features[1:-1], start=1)
              for b in range(len(stage))]
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        match = _BLOCK_KEY.match(key)
        if match is None:
            module, _, param = key.rpartition(".")
            if module not in top:
                raise KeyError(f"unexpected key {key!r} in an EfficientNet-Lite0 checkpoint")
            renamed[f"{top[module]}.{param}"] = value
            continue
        index, layer, param = int(match["index"]), match["layer"], match["param"]
        if index >= len(blocks):
            raise KeyError(f"{key!r}: the model has only {len(blocks)} blocks")
        prefix = blocks[index]
        expands = f"_blocks.{index}._expand_conv.weight" in state_dict
        depthwise = 1 if expands else 0
        places = {"expand_conv": "0.0", "bn0": "0.1",
                  "depthwise_conv": f"{depthwise}.0", "bn1": f"{depthwise}.1",
                  "project_conv": f"{depthwise + 1}.0", "bn2": f"{depthwise + 1}.1"}
        if layer not in places:
            raise KeyError(f"unexpected layer {layer!r} in key {key!r}")
        renamed[f"{prefix}.block.{places[layer]}.{param}"] = value
    return renamed


def efficientnet_lite0(num_classes: int = 1000, weights: str | None = None,
                       tf_padding: bool = True, drop_path: float = 0.2,
                       dropout: float = 0.2) -> EfficientNet:
    """EfficientNet-Lite0: B0's stages without SE, with ReLU6; 4,652,008 parameters.

    Args:
        num_classes: size of the classifier.  With ``weights``, the ImageNet
            classifier is loaded and then, if ``num_classes != 1000``, replaced
            by a new, randomly initialised ``Linear`` (for transfer learning).
        weights: ``None`` (random initialisation) or ``"IMAGENET1K"`` (the
            converted TensorFlow weights, SHA-256 checked).
        tf_padding: pad depthwise and stem convolutions as TensorFlow's "same"
            does (needed for the ImageNet weights to behave as trained).
    """
    if weights not in (None, "IMAGENET1K"):
        raise ValueError(f"weights must be None or 'IMAGENET1K', got {weights!r}")
    padding = "tf_same" if tf_padding else "symmetric"
    norm = {"bn_eps": 1e-3, "bn_momentum": 0.01}
    stages = stage_configs(1.0, 1.0, drop_path, se=False, activation="relu6", padding=padding,
                           **norm)
    model = EfficientNet(stages, 32, 1280, 1000 if weights else num_classes, dropout,
                         activation="relu6", padding=padding, **norm)
    if weights == "IMAGENET1K":
        state = _weights.load_weights(_weights.EFFICIENTNET_LITE0_IMAGENET)
        model.load_state_dict(lite0_keys_to_model(state, model))
        if num_classes != 1000:
            if num_classes < 1:
                raise ValueError(f"num_classes must be at least 1, got {num_classes}")
            old = model.classifier[1]
            model.classifier[1] = nn.Linear(old.in_features, num_classes)
    return model
