"""Key conversion: renaming the keys of other projects' state dicts to the course's modules.

- torchvision's MobileNetV2 keeps a block's layers in ``conv`` (the projection as two flat
  entries); the course's :class:`~mobilenet_tutorial.layers.InvertedResidual` keeps them in
  ``block``.  :func:`v2_keys_to_blocks` and :func:`blocks_to_v2_keys` translate both ways
  (:class:`~mobilenet_tutorial.models.MobileNetV2` does it in its state-dict hooks).
- The EfficientNet-Lite0 checkpoint uses the key names of the ``EfficientNet-PyTorch``
  project; :func:`lite0_keys_to_model` renames them to the model's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import torch
from torch import nn

__all__ = ["v2_keys_to_blocks", "blocks_to_v2_keys", "lite0_keys_to_model"]

_V2_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)conv\.(?P<index>\d+)\.(?P<rest>.+)$")
_BLOCK_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)block\.(?P<index>\d+)\.(?P<sub>\d+)\."
                        r"(?P<rest>.+)$")


def _indices(state_dict: Mapping[str, torch.Tensor], pattern: re.Pattern[str],
             keep: Callable[[re.Match[str]], bool] = lambda match: True) -> dict[str, set[int]]:
    """For each block prefix, the layer indices of the keys that match ``pattern``."""
    found: dict[str, set[int]] = {}
    for match in filter(None, map(pattern.match, state_dict)):
        if keep(match):
            found.setdefault(match["prefix"], set()).add(int(match["index"]))
    return found


def _rename(state_dict: Mapping[str, torch.Tensor], pattern: re.Pattern[str],
            rename: Callable[[re.Match[str]], str]) -> dict[str, torch.Tensor]:
    """``state_dict`` with ``rename(match)`` for each key that matches, in the same order."""
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        match = pattern.match(key)
        renamed[key if match is None else rename(match)] = value
    return renamed


def v2_keys_to_blocks(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename torchvision MobileNetV2 block keys to the names of the course's block.

    torchvision's ``InvertedResidual`` keeps its layers in ``conv``: its
    ``Conv2dNormActivation`` layers are ``conv.K.0`` (convolution) and ``conv.K.1``
    (batch norm), but the projection is two flat entries, ``conv.N`` (convolution)
    and ``conv.N+1`` (batch norm).  Here every layer is a ``ConvNormActivation``, so::

        conv.K.0.* -> block.K.0.*      conv.K.1.* -> block.K.1.*
        conv.N.*   -> block.N.0.*      conv.N+1.* -> block.N.1.*

    Keys that are not inside a ``conv`` of a block (stem, head, classifier, or keys that
    already have the course's names) are returned unchanged, in the same order, so a
    whole model's state dict can be passed.

    Raises:
        ValueError: a block whose flat entries are not exactly one convolution and its norm.
    """
    flat = _indices(state_dict, _V2_KEY, keep=lambda match: "." not in match["rest"])

    def rename(match: re.Match[str]) -> str:
        prefix, index, rest = match["prefix"], int(match["index"]), match["rest"]
        if "." in rest:  # conv.K.<0|1>.param: a Conv2dNormActivation
            return f"{prefix}block.{index}.{rest}"
        indices = flat.get(prefix, set())
        if len(indices) != 2:
            raise ValueError(f"{match.string}: expected the projection of a torchvision "
                             "MobileNetV2 block as two flat entries conv.N and conv.N+1, "
                             f"found {indices}")
        return f"{prefix}block.{min(indices)}.{0 if index == min(indices) else 1}.{rest}"

    return _rename(state_dict, _V2_KEY, rename)


def blocks_to_v2_keys(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of :func:`v2_keys_to_blocks`: the course's block keys to torchvision's.

    In each block (keys sharing a prefix before ``block.``) the last layer is the
    projection, whose convolution and norm become the flat ``conv.N`` and ``conv.N+1``;
    the layers before it keep their indices (``block.K.J.* -> conv.K.J.*``).  Other
    keys are returned unchanged, and the order is kept.
    """
    layers = _indices(state_dict, _BLOCK_KEY)

    def rename(match: re.Match[str]) -> str:
        prefix, index, sub = match["prefix"], int(match["index"]), int(match["sub"])
        if index == max(layers[prefix]):  # the projection: two flat entries
            return f"{prefix}conv.{index + sub}.{match['rest']}"
        return f"{prefix}conv.{index}.{sub}.{match['rest']}"

    return _rename(state_dict, _BLOCK_KEY, rename)


_LITE0_BLOCK_KEY = re.compile(r"^_blocks\.(?P<index>\d+)\._(?P<layer>\w+?)\.(?P<param>\w+)$")
_LITE0_TOP_LEVEL = {"_conv_stem": "features.0.0", "_bn0": "features.0.1", "_fc": "classifier.1"}


def lite0_keys_to_model(state_dict: Mapping[str, torch.Tensor], model: nn.Module
                        ) -> dict[str, torch.Tensor]:
    """Rename the converted EfficientNet-Lite0 checkpoint's keys to ``model``'s names.

    The checkpoint numbers its blocks 0 to 15 in one list (``_blocks.i``); the
    model (an :class:`~mobilenet_tutorial.models.efficientnet.EfficientNet`) groups them
    in stages (``features.S.B``).  Within a block::

        _expand_conv -> block.0.0   _bn0 -> block.0.1        (only if the block expands)
        _depthwise_conv -> block.D.0   _bn1 -> block.D.1     (D = 1 if it expands, else 0)
        _project_conv -> block.P.0     _bn2 -> block.P.1     (P = D + 1: Lite has no SE)

    and outside the blocks ``_conv_stem``/``_bn0`` are the stem ``features.0``,
    ``_conv_head``/``_bn1`` the head ``features.<last>``, ``_fc`` the classifier.

    Raises:
        KeyError: a key the mapping does not know, or a block index the model lacks.
    """
    head = f"features.{len(model.features) - 1}"
    top = dict(_LITE0_TOP_LEVEL, _conv_head=f"{head}.0", _bn1=f"{head}.1")
    blocks = [f"features.{s}.{b}" for s, stage in enumerate(model.features[1:-1], start=1)
              for b in range(len(stage))]
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        match = _LITE0_BLOCK_KEY.match(key)
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
