"""Count a model the way PyTorch counts it and the way Keras counts it, side by side.

The two frameworks store the same network in the same numbers but file them
differently.  A BatchNorm layer holds four vectors: a scale (gamma), a shift
(beta), and the running mean and variance it collected in training.  PyTorch
calls the first two *parameters* and the last two *buffers*; ``model.parameters()``
skips buffers.  Keras calls all four *weights*: gamma and beta are trainable, the
moving mean and variance are non-trainable, and ``model.count_params()`` adds
both.  So the same MobileNetV2 has 3,504,872 parameters in PyTorch and
3,538,984 weights in Keras, and the 34,112 in between are the running statistics.

Keras is imported with the PyTorch backend unless another was chosen (see
:mod:`.backend`); the counting works the same on any backend.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
from torch import nn

from ..measure.counting import layer_kind
from .backend import keras, require_keras_model, require_torch_module

__all__ = [
    "BYTES_PER_FLOAT32",
    "SHARED_COMPARISON",
    "ParamCounts",
    "keras_param_counts",
    "torch_param_counts",
    "keras_layer_counts",
    "torch_layer_counts",
    "keras_batchnorm_values",
    "torch_batchnorm_values",
    "mib",
    "framework_comparison",
]

BYTES_PER_FLOAT32 = 4

#: The numbers of an uncited comparison of MobileNetV2 in PyTorch and TensorFlow
#: (sizes in MB, times in ms): claims chapter 7 tests, not a source it cites.
SHARED_COMPARISON: dict[str, dict[str, float]] = {
    "PyTorch": {
        "parameters": 3_504_872, "Conv2d": 52, "BatchNorm2d": 52, "Linear": 1,
        "batchnorm_values": 34_112, "size_mb": 13.50, "time_ms": 49.62,
    },
    "TensorFlow": {
        "parameters": 3_538_984, "Conv2D": 35, "DepthwiseConv2D": 17,
        "BatchNormalization": 52, "Dense": 1, "batchnorm_values": 68_224,
        "size_mb": 13.50, "time_ms": 59.58,
    },
}


@dataclass(frozen=True)
class ParamCounts:
    """How many numbers a model stores, split the way its framework splits them.

    Attributes:
        trainable: values a gradient step changes (weights, biases, gamma, beta).
        non_trainable: values stored but not trained: Keras's non-trainable
            weights, or PyTorch's frozen parameters plus its floating-point buffers
            (BatchNorm running statistics).
        reported: the number the framework itself prints as the model's size:
            ``model.count_params()`` in Keras (trainable + non-trainable),
            ``sum(p.numel() for p in model.parameters())`` in PyTorch (buffers excluded).
    """

    trainable: int
    non_trainable: int
    reported: int

    @property
    def stored(self) -> int:
        """Every floating-point value the model holds: trainable plus non-trainable."""
        return self.trainable + self.non_trainable


def _size(variable: object) -> int:
    count = 1
    for dim in variable.shape:  # type: ignore[attr-defined]
        count *= int(dim)
    return count


def keras_param_counts(model: keras.Model) -> ParamCounts:
    """Trainable and non-trainable weights of a Keras model, and ``model.count_params()``."""
    model = require_keras_model("model", model)
    trainable = sum(_size(w) for w in model.trainable_weights)
    non_trainable = sum(_size(w) for w in model.non_trainable_weights)
    return ParamCounts(trainable, non_trainable, int(model.count_params()))


def torch_param_counts(model: nn.Module) -> ParamCounts:
    """Parameters and floating-point buffers of a PyTorch model.

    Integer buffers, such as BatchNorm's ``num_batches_tracked`` step counter,
    are not counted: they are bookkeeping, and Keras keeps no equivalent.
    """
    model = require_torch_module("model", model)
    params = list(model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    frozen = sum(p.numel() for p in params if not p.requires_grad)
    buffers = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    return ParamCounts(trainable, frozen + buffers, sum(p.numel() for p in params))


def keras_layer_counts(model: keras.Model) -> Counter[str]:
    """How many layers of each class a Keras model has (``{"Conv2D": 35, ...}``)."""
    model = require_keras_model("model", model)
    return Counter(type(layer).__name__ for layer in model.layers)


def torch_layer_counts(model: nn.Module, split_convolutions: bool = False) -> Counter[str]:
    """How many leaf modules of each class a PyTorch model has (``{"Conv2d": 52, ...}``).

    Args:
        model: the network.
        split_convolutions: also count ``Conv2d`` layers by kind, as
            :func:`mobilenet_tutorial.measure.counting.layer_kind` names them (``"depthwise 3x3"``,
            ``"pointwise 1x1"``, ...): PyTorch has no separate depthwise class, a
            depthwise convolution is a ``Conv2d`` with ``groups == in_channels``.
    """
    model = require_torch_module("model", model)
    counts: Counter[str] = Counter()
    for module in model.modules():
        if next(module.children(), None) is not None:
            continue  # containers (Sequential, blocks) are not layers
        counts[type(module).__name__] += 1
        if split_convolutions and isinstance(module, nn.Conv2d):
            counts[layer_kind(module)] += 1
    return counts


def keras_batchnorm_values(model: keras.Model) -> int:
    """All values held by a Keras model's BatchNormalization layers (4 per channel)."""
    model = require_keras_model("model", model)
    return sum(_size(w) for layer in model.layers
               if isinstance(layer, keras.layers.BatchNormalization) for w in layer.weights)


def torch_batchnorm_values(model: nn.Module, include_buffers: bool = False) -> int:
    """Values held by a PyTorch model's BatchNorm layers.

    Args:
        model: the network.
        include_buffers: ``False`` counts the parameters only (gamma and beta, 2 per
            channel); ``True`` adds the floating-point running statistics (4 per channel).
    """
    model = require_torch_module("model", model)
    total = 0
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            total += sum(p.numel() for p in module.parameters(recurse=False))
            if include_buffers:
                total += sum(b.numel() for b in module.buffers(recurse=False)
                             if b.is_floating_point())
    return total


def mib(values: int, bytes_per_value: int = BYTES_PER_FLOAT32) -> float:
    """Size in mebibytes (2**20 bytes) of ``values`` numbers of ``bytes_per_value`` bytes."""
    if values < 0 or bytes_per_value < 1:
        raise ValueError(f"need values >= 0 and bytes_per_value >= 1, got {values}, "
                         f"{bytes_per_value}")
    return values * bytes_per_value / 2**20


def framework_comparison(torch_model: nn.Module, keras_model: keras.Model) -> pd.DataFrame:
    """One table comparing what each framework reports for the same network.

    Rows are quantities (reported total, trainable, non-trainable, BatchNorm values,
    sizes in MiB with and without the running statistics, layer counts); the
    columns are ``PyTorch`` and ``Keras``.  Layer rows use each framework's own
    class names and are 0 where a framework has no such class.
    """
    require_torch_module("torch_model", torch_model)
    require_keras_model("keras_model", keras_model)
    t, k = torch_param_counts(torch_model), keras_param_counts(keras_model)
    rows: dict[str, tuple[int | float, int | float]] = {
        "reported parameters": (t.reported, k.reported),
        "trainable": (t.trainable, k.trainable),
        "non-trainable (incl. running statistics)": (t.non_trainable, k.non_trainable),
        "stored float values": (t.stored, k.stored),
        "BatchNorm values in the reported count": (
            torch_batchnorm_values(torch_model), keras_batchnorm_values(keras_model)),
        "MiB of the reported count": (mib(t.reported), mib(k.reported)),
        "MiB without running statistics": (mib(t.trainable), mib(k.trainable)),
        "MiB with running statistics": (mib(t.stored), mib(k.stored)),
    }
    torch_layers = torch_layer_counts(torch_model)
    keras_layers = keras_layer_counts(keras_model)
    names = ["Conv2d", "BatchNorm2d", "Linear", "Conv2D", "DepthwiseConv2D",
             "BatchNormalization", "Dense"]
    for name in names:
        rows[f"{name} layers"] = (torch_layers.get(name, 0), keras_layers.get(name, 0))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["PyTorch", "Keras"],
                                  dtype=object)

