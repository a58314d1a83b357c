"""Two of the four sources of divergence between a PyTorch network and its Keras port, fixed.

- **padding**: a stride-2 convolution with ``"same"`` padding in Keras pads only the
  bottom and right of an even-sized input (so do the ``ZeroPadding2D`` layers Keras's
  MobileNets put before strided depthwise convolutions); PyTorch pads every side by
  ``(k - 1) // 2``.  :func:`strided_padding_table` shows both, and
  :func:`with_symmetric_padding` rebuilds a Keras model to pad like PyTorch;
- **epsilon**: Keras's BatchNormalization adds ``1e-3`` to the variance, torchvision's
  MobileNetV2 ``1e-5``; :func:`with_batchnorm_epsilon` rebuilds with another value.

The other two, layout and preprocessing, are on the input side: see
:mod:`.comparison` and :mod:`mobilenet_tutorial.data.transforms`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from torch import nn

from .. import checks
from ..layers.padding import same_padding
from .backend import keras, require_keras_model, require_torch_module
from .pairing import paired_layers

__all__ = ["strided_padding_table", "with_symmetric_padding", "with_batchnorm_epsilon",
           "batchnorm_epsilon"]


def _producer(layer: keras.layers.Layer) -> keras.layers.Layer | None:
    history = getattr(layer.input, "_keras_history", None)
    return None if history is None else history.operation


def _keras_padding(layer: keras.layers.Layer, height: int, width: int) -> tuple[int, ...]:
    """(top, bottom, left, right) zeros a Keras convolution adds to an input of that size."""
    if layer.padding == "valid":
        producer = _producer(layer)
        if isinstance(producer, keras.layers.ZeroPadding2D):
            (top, bottom), (left, right) = producer.padding
            return (int(top), int(bottom), int(left), int(right))
        return (0, 0, 0, 0)
    pads: list[int] = []
    for size, k, s, d in zip((height, width), layer.kernel_size, layer.strides,
                             layer.dilation_rate, strict=True):
        pads += same_padding(size, k, s, d)  # the extra zero goes at the end
    return tuple(pads)


def strided_padding_table(torch_model: nn.Module, keras_model: keras.Model) -> pd.DataFrame:
    """Every strided convolution: its input size and the zeros each framework pads it with.

    Padding is given as ``(top, bottom, left, right)``; the input size is read from
    the Keras model's graph, so build it with a fixed input shape.
    """
    rows = []
    for pair in paired_layers(torch_model, keras_model):
        if pair.kind == "batchnorm" or pair.kind == "dense":
            continue
        if tuple(pair.layer.strides) == (1, 1):
            continue
        producer = _producer(pair.layer)
        source = producer.input if isinstance(producer, keras.layers.ZeroPadding2D) \
            else pair.layer.input
        spatial = source.shape[2:] if pair.layer.data_format == "channels_first" \
            else source.shape[1:3]
        if None in spatial:
            raise ValueError("the Keras model has no fixed input size: build it with "
                             "input_shape=(224, 224, 3) to see its padding")
        height, width = (int(d) for d in spatial)
        ph, pw = pair.module.padding
        rows.append({
            "torch_name": pair.torch_name,
            "keras_name": pair.keras_name,
            "kernel": tuple(pair.module.kernel_size),
            "input": (height, width),
            "torch_padding": (ph, ph, pw, pw),
            "keras_padding": _keras_padding(pair.layer, height, width),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- rebuilding


def _rebuild(model: keras.Model, clone_function: Callable[[keras.layers.Layer], object],
             call_function: Callable[..., object] | None = None) -> keras.Model:
    """Clone a functional model with modified layers and copy its weights, layer by name."""
    require_keras_model("model", model)
    clone = keras.models.clone_model(model, clone_function=clone_function,
                                     call_function=call_function)
    for layer in model.layers:
        if layer.weights:
            clone.get_layer(layer.name).set_weights(layer.get_weights())
    return clone


def _torch_pads(layer: keras.layers.Layer) -> tuple[tuple[int, int], tuple[int, int]]:
    (kh, kw), (dh, dw) = layer.kernel_size, layer.dilation_rate
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"layer {layer.name} has an even kernel {layer.kernel_size}: "
                         "PyTorch has no symmetric padding that keeps its output size")
    return ((dh * (kh - 1) // 2,) * 2, (dw * (kw - 1) // 2,) * 2)


def with_symmetric_padding(model: keras.Model) -> keras.Model:
    """A copy of ``model`` that pads its strided convolutions like PyTorch.

    Two patterns are rewritten, and nothing else changes (same layers, names and weights):

    - a ``ZeroPadding2D`` layer feeding a ``"valid"`` convolution now pads every side
      by ``(k - 1) // 2`` (Keras's MobileNets pad ``(0, 1)`` before strided depthwise
      convolutions, via ``correct_pad``);
    - a strided convolution with ``"same"`` padding becomes ``"valid"`` behind a new
      ``ZeroPadding2D`` layer named ``<layer>_torchpad``.

    Stride-1 ``"same"`` convolutions with odd kernels already pad symmetrically.
    """
    require_keras_model("model", model)
    consumers: dict[str, keras.layers.Layer] = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D):
            producer = _producer(layer)
            if isinstance(producer, keras.layers.ZeroPadding2D) and layer.padding == "valid":
                consumers[producer.name] = layer

    def strided_same(layer: keras.layers.Layer) -> bool:
        return (isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D)
                and layer.padding == "same" and tuple(layer.strides) != (1, 1))

    def clone_function(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if layer.name in consumers:
            config["padding"] = _torch_pads(consumers[layer.name])
        elif strided_same(layer):
            config["padding"] = "valid"
        return layer.__class__.from_config(config)

    strided = {layer.name: _torch_pads(layer) for layer in model.layers if strided_same(layer)}

    def call_function(layer: keras.layers.Layer, *args, **kwargs):
        if layer.name in strided:
            pad = keras.layers.ZeroPadding2D(strided[layer.name], data_format=layer.data_format,
                                             name=f"{layer.name}_torchpad")
            args = (pad(args[0]), *args[1:])
        return layer(*args, **kwargs)

    return _rebuild(model, clone_function, call_function)


def with_batchnorm_epsilon(model: keras.Model, epsilon: float) -> keras.Model:
    """A copy of ``model`` (same weights) whose BatchNormalization layers use ``epsilon``."""
    require_keras_model("model", model)
    checks.positive_number("epsilon", epsilon, "PyTorch's BatchNorm uses 1e-5")

    def clone_function(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if isinstance(layer, keras.layers.BatchNormalization):
            config["epsilon"] = float(epsilon)
        return layer.__class__.from_config(config)

    return _rebuild(model, clone_function)


def batchnorm_epsilon(model: nn.Module | keras.Model) -> float:
    """The epsilon every BatchNorm layer of ``model`` uses (PyTorch or Keras).

    Raises:
        ValueError: the model has no BatchNorm layer, or its layers use several values.
    """
    if not isinstance(model, keras.Model):
        require_torch_module("model", model)
    if isinstance(model, keras.Model):
        values = {float(layer.epsilon) for layer in model.layers
                  if isinstance(layer, keras.layers.BatchNormalization)}
    else:
        values = {float(m.eps) for m in model.modules()
                  if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    if len(values) != 1:
        raise ValueError(f"model must have BatchNorm layers that share one epsilon, found "
                         f"{sorted(values)}")
    return values.pop()
