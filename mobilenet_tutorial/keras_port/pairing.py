"""Pair a PyTorch network's layers with its Keras twin's, and copy the weights across.

Each PyTorch tensor is laid out for PyTorch (convolution kernels ``(out, in, h, w)``,
linear weights ``(out, in)``) and Keras wants its own layout (``(h, w, in, out)``,
depthwise ``(h, w, channels, multiplier)``, dense ``(in, out)``).
:func:`paired_layers` pairs the weighted layers in order, :func:`copy_weights` converts
each tensor (:func:`torch_to_keras_arrays`) and checks every shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from torch import nn

from .backend import keras, require_keras_model, require_torch_module

__all__ = ["LayerPair", "paired_layers", "torch_to_keras_arrays", "copy_weights",
           "architecture_table"]

_TORCH_KINDS = (nn.Conv2d, nn.Linear, nn.modules.batchnorm._BatchNorm)
_KERAS_KINDS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D,
                keras.layers.BatchNormalization, keras.layers.Dense)


@dataclass(frozen=True)
class LayerPair:
    """A PyTorch module and the Keras layer that holds the same numbers."""

    torch_name: str
    keras_name: str
    kind: str
    module: nn.Module
    layer: keras.layers.Layer


def _torch_kind(module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        if module.groups == 1:
            return "conv"
        if module.groups == module.in_channels:
            return "depthwise"
        return "grouped"
    if isinstance(module, nn.Linear):
        return "dense"
    return "batchnorm"


def _keras_kind(layer: keras.layers.Layer) -> str:
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return "depthwise"
    if isinstance(layer, keras.layers.Conv2D):
        return "conv"
    if isinstance(layer, keras.layers.Dense):
        return "dense"
    return "batchnorm"


def _compatible(module: nn.Module, layer: keras.layers.Layer) -> bool:
    torch_kind, keras_kind = _torch_kind(module), _keras_kind(layer)
    if torch_kind == keras_kind:
        return True
    # A Linear layer and a 1x1 Conv2D on a 1x1 map compute the same thing (Keras's V3 head).
    return (torch_kind == "dense" and keras_kind == "conv"
            and tuple(layer.kernel_size) == (1, 1))


def paired_layers(torch_model: nn.Module, keras_model: keras.Model) -> list[LayerPair]:
    """Pair every weighted PyTorch module with its Keras layer, in definition order.

    PyTorch modules: ``Conv2d``, ``Linear``, BatchNorm; Keras layers: ``Conv2D``,
    ``DepthwiseConv2D``, ``BatchNormalization``, ``Dense``.

    Raises:
        ValueError: the two models have different numbers of such layers, or a pair
            does not match in kind (a depthwise convolution against a full one, ...).
    """
    require_torch_module("torch_model", torch_model)
    require_keras_model("keras_model", keras_model)
    modules = [(n, m) for n, m in torch_model.named_modules() if isinstance(m, _TORCH_KINDS)]
    layers = [layer for layer in keras_model.layers if isinstance(layer, _KERAS_KINDS)]
    if len(modules) != len(layers):
        raise ValueError(
            f"the PyTorch model has {len(modules)} weighted layers and the Keras model "
            f"{len(layers)}: they are not the same architecture (check width multiplier, "
            "number of classes and include_top)"
        )
    pairs = []
    for (name, module), layer in zip(modules, layers, strict=True):
        if not _compatible(module, layer):
            raise ValueError(
                f"layer {name} ({_torch_kind(module)}) is paired with Keras layer "
                f"{layer.name} ({_keras_kind(layer)}): the layer orders differ"
            )
        pairs.append(LayerPair(name, layer.name, _torch_kind(module), module, layer))
    return pairs


def torch_to_keras_arrays(module: nn.Module, layer: keras.layers.Layer) -> list[np.ndarray]:
    """The tensors of ``module`` converted to the layout of ``layer``'s weights, in its order.

    - ``Conv2d`` ``(out, in, kh, kw)`` to ``Conv2D`` ``(kh, kw, in, out)``;
    - depthwise ``Conv2d`` ``(channels * m, 1, kh, kw)`` to ``DepthwiseConv2D``
      ``(kh, kw, channels, m)``;
    - ``Linear`` ``(out, in)`` to ``Dense`` ``(in, out)``, or to a 1x1 ``Conv2D``
      ``(1, 1, in, out)``;
    - BatchNorm ``weight, bias, running_mean, running_var`` to
      ``gamma, beta, moving_mean, moving_variance``.

    Raises:
        ValueError: a converted shape differs from the Keras layer's.
    """
    if not _compatible(module, layer):
        raise ValueError(f"cannot copy a {_torch_kind(module)} module into a "
                         f"{_keras_kind(layer)} layer ({layer.name})")
    kind = _torch_kind(module)
    if kind == "batchnorm":
        tensors = [module.weight, module.bias] if module.affine else []
        tensors += [module.running_mean, module.running_var]
    elif kind == "dense":
        weight = module.weight.T
        if isinstance(layer, keras.layers.Conv2D):
            weight = weight.reshape(1, 1, *weight.shape)
        tensors = [weight] + ([module.bias] if module.bias is not None else [])
    elif kind == "depthwise":
        kh, kw = module.kernel_size
        weight = module.weight.permute(2, 3, 1, 0).reshape(
            kh, kw, module.in_channels, module.out_channels // module.in_channels)
        tensors = [weight] + ([module.bias] if module.bias is not None else [])
    else:
        tensors = [module.weight.permute(2, 3, 1, 0)]
        tensors += [module.bias] if module.bias is not None else []
    arrays = [t.detach().cpu().float().contiguous().numpy() for t in tensors]
    expected = [tuple(int(d) for d in w.shape) for w in layer.weights]
    got = [a.shape for a in arrays]
    if got != expected:
        raise ValueError(f"Keras layer {layer.name} holds weights of shapes {expected}, "
                         f"but the PyTorch module converts to {got}")
    return arrays


def copy_weights(torch_model: nn.Module, keras_model: keras.Model) -> int:
    """Copy every weight and BatchNorm statistic of ``torch_model`` into ``keras_model``.

    Every tensor is converted and its shape checked before the first is written, so a
    mismatch anywhere leaves the Keras model as it was (never half-ported).

    Returns:
        The number of values copied (the Keras model's ``count_params()``).

    Raises:
        ValueError: if the two models' layers do not pair up, or a shape differs.
    """
    converted = [(pair.layer, torch_to_keras_arrays(pair.module, pair.layer))
                 for pair in paired_layers(torch_model, keras_model)]
    for layer, arrays in converted:
        layer.set_weights(arrays)
    return sum(a.size for _, arrays in converted for a in arrays)


def architecture_table(torch_model: nn.Module, keras_model: keras.Model) -> pd.DataFrame:
    """One row per paired layer: names, kind, tensor shapes in each framework, and a match flag.

    ``torch_shapes`` are as PyTorch stores them (buffers included for BatchNorm);
    ``keras_shapes`` as Keras does; ``same_numbers`` says whether the PyTorch
    tensors convert exactly to the Keras shapes.  For BatchNorm layers the two
    ``eps`` columns give each framework's epsilon.
    """
    rows = []
    for pair in paired_layers(torch_model, keras_model):
        if pair.kind == "batchnorm":
            tensors = [pair.module.weight, pair.module.bias,
                       pair.module.running_mean, pair.module.running_var]
        else:
            tensors = [p for p in (pair.module.weight, pair.module.bias) if p is not None]
        try:
            torch_to_keras_arrays(pair.module, pair.layer)
            same = True
        except ValueError:
            same = False
        rows.append({
            "torch_name": pair.torch_name,
            "keras_name": pair.keras_name,
            "kind": pair.kind,
            "torch_shapes": [tuple(t.shape) for t in tensors],
            "keras_shapes": [tuple(int(d) for d in w.shape) for w in pair.layer.weights],
            "same_numbers": same,
            "torch_eps": getattr(pair.module, "eps", np.nan),
            "keras_eps": getattr(pair.layer, "epsilon", np.nan),
        })
    return pd.DataFrame(rows)
