"""Port a torchvision network into its Keras twin, and remove every source of divergence.

Porting has two halves.  The weights: each PyTorch tensor is laid out for
PyTorch (convolution kernels ``(out, in, h, w)``, linear weights ``(out, in)``)
and Keras wants its own layout (``(h, w, in, out)``, depthwise ``(h, w, channels,
multiplier)``, dense ``(in, out)``); :func:`copy_weights` pairs the layers in
order, converts each tensor and checks every shape.  The arithmetic: with the
same weights the two graphs still compute different things, for four reasons,
each with a fix here:

- **layout**: Keras takes images as ``(N, H, W, C)``, PyTorch as ``(N, C, H, W)``;
  use :func:`to_channels_last` (a permutation; a ``reshape`` scrambles the pixels);
- **preprocessing**: Keras's MobileNetV2 expects pixels scaled to ``[-1, 1]``
  (:func:`unit_range`), torchvision's weights expect ImageNet mean/std
  normalisation (:func:`imagenet_normalize`);
- **padding**: a stride-2 convolution with ``"same"`` padding in Keras pads only
  the bottom and right of an even-sized input (so do the ``ZeroPadding2D`` layers
  Keras's MobileNets put before strided depthwise convolutions); PyTorch pads
  every side by ``(k - 1) // 2``.  :func:`with_symmetric_padding` rebuilds a Keras
  model to pad like PyTorch;
- **epsilon**: Keras's BatchNormalization adds ``1e-3`` to the variance,
  torchvision's MobileNetV2 ``1e-5``; :func:`with_batchnorm_epsilon` rebuilds with
  another value.

:class:`PortComparison` measures the logit difference as the fixes are applied
one after the other.  Keras is imported with the PyTorch backend unless
``KERAS_BACKEND`` is already set (see :mod:`mobilenet_tutorial.keras_counts`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402  (the backend must be chosen before this import)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "DIVERGENCES",
    "LayerPair",
    "paired_layers",
    "architecture_table",
    "torch_to_keras_arrays",
    "copy_weights",
    "strided_padding_table",
    "with_symmetric_padding",
    "with_batchnorm_epsilon",
    "batchnorm_epsilon",
    "crop_photos",
    "imagenet_normalize",
    "unit_range",
    "to_channels_last",
    "keras_logits",
    "agreement",
    "PortComparison",
]

#: Per-channel mean and standard deviation of ImageNet pixels in [0, 1] (torchvision's).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: The four sources of divergence, in the order :meth:`PortComparison.cumulative_table` fixes them.
DIVERGENCES = ("layout", "epsilon", "preprocessing", "padding")

_TORCH_KINDS = (nn.Conv2d, nn.Linear, nn.modules.batchnorm._BatchNorm)
_KERAS_KINDS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D,
                keras.layers.BatchNormalization, keras.layers.Dense)


# --------------------------------------------------------------------------- pairing


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
    if isinstance(torch_model, keras.Model) or not isinstance(torch_model, nn.Module):
        raise TypeError("torch_model must be a PyTorch nn.Module, got "
                        f"{type(torch_model).__name__}")
    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"keras_model must be a keras.Model, got {type(keras_model).__name__}")
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

    Returns:
        The number of values copied (the Keras model's ``count_params()``).
    """
    copied = 0
    for pair in paired_layers(torch_model, keras_model):
        arrays = torch_to_keras_arrays(pair.module, pair.layer)
        pair.layer.set_weights(arrays)
        copied += sum(a.size for a in arrays)
    return copied


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


# --------------------------------------------------------------------------- padding


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
    pads = []
    for size, k, s, d in zip((height, width), layer.kernel_size, layer.strides,
                             layer.dilation_rate, strict=True):
        effective = (k - 1) * d + 1
        out = (size + s - 1) // s
        total = max(0, (out - 1) * s + effective - size)
        pads += [total // 2, total - total // 2]  # the extra zero goes at the end
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
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a functional keras.Model, got {type(model).__name__}")
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
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")

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
    if isinstance(model, keras.Model):
        values = {float(layer.epsilon) for layer in model.layers
                  if isinstance(layer, keras.layers.BatchNormalization)}
    else:
        values = {float(m.eps) for m in model.modules()
                  if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    if len(values) != 1:
        raise ValueError(f"expected one BatchNorm epsilon, found {sorted(values)}")
    return values.pop()


# --------------------------------------------------------------------------- inputs


def crop_photos(images: Iterable[Image.Image], resize: int = 256, crop: int = 224
                ) -> torch.Tensor:
    """Resize (shorter side) and centre-crop photos as torchvision's ImageNet recipe does.

    Returns:
        The pixels as a ``uint8`` tensor ``(N, 3, crop, crop)``, values 0 to 255.
    """
    from torchvision.transforms import v2

    if crop > resize:
        raise ValueError(f"crop ({crop}) must not exceed resize ({resize})")
    transform = v2.Compose([v2.Resize(resize, antialias=True), v2.CenterCrop(crop),
                            v2.PILToTensor()])
    tensors = [transform(image.convert("RGB")) for image in images]
    if not tensors:
        raise ValueError("crop_photos needs at least one image")
    return torch.stack(tensors)


def _check_pixels(pixels: torch.Tensor) -> torch.Tensor:
    if pixels.ndim != 4 or pixels.shape[1] != 3:
        raise ValueError(f"expected pixels of shape (N, 3, H, W), got {tuple(pixels.shape)}")
    return pixels.float()


def imagenet_normalize(pixels: torch.Tensor) -> torch.Tensor:
    """torchvision's preprocessing: ``(pixels / 255 - mean) / std`` per channel, NCHW."""
    x = _check_pixels(pixels) / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """Keras's MobileNetV2 preprocessing (``mode="tf"``): ``pixels / 127.5 - 1``, in [-1, 1]."""
    return _check_pixels(pixels) / 127.5 - 1.0


def to_channels_last(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` to ``(N, H, W, C)`` by permuting axes (never by reshaping)."""
    if x.ndim != 4:
        raise ValueError(f"expected a 4-D (N, C, H, W) tensor, got shape {tuple(x.shape)}")
    return x.permute(0, 2, 3, 1).contiguous()


def keras_logits(model: keras.Model, x: torch.Tensor) -> torch.Tensor:
    """Run a Keras model in inference mode on ``x`` (``(N, H, W, C)``); return a torch tensor."""
    with torch.inference_mode():
        out = model(x, training=False)
    return torch.as_tensor(keras.ops.convert_to_numpy(out)).clone()


def agreement(reference: torch.Tensor, candidate: torch.Tensor) -> dict[str, float]:
    """How closely two ``(N, classes)`` logit tensors agree.

    Returns:
        ``max_abs_diff`` and ``mean_abs_diff`` of the logits, ``top1_agree`` (share
        of images with the same best class), ``top5_overlap`` (mean number of shared
        classes among the five best, 0 to 5), ``same_top5`` (share of images whose
        five best classes are the same and in the same order).
    """
    if reference.shape != candidate.shape or reference.ndim != 2:
        raise ValueError(f"need two (N, classes) tensors of one shape, got "
                         f"{tuple(reference.shape)} and {tuple(candidate.shape)}")
    ref, cand = reference.detach().float(), candidate.detach().float()
    diff = (ref - cand).abs()
    top_ref, top_cand = ref.topk(5, dim=1).indices, cand.topk(5, dim=1).indices
    overlap = [len(set(a.tolist()) & set(b.tolist())) for a, b in zip(top_ref, top_cand,
                                                                      strict=True)]
    return {
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "top1_agree": float((top_ref[:, 0] == top_cand[:, 0]).float().mean()),
        "top5_overlap": float(np.mean(overlap)),
        "same_top5": float((top_ref == top_cand).all(dim=1).float().mean()),
    }


# --------------------------------------------------------------------------- measuring


class PortComparison:
    """Measure a ported Keras model against its PyTorch original, with any set of fixes.

    The Keras variants (padding and epsilon fixed or not) are rebuilt once each and
    reused; the reference logits are computed once.

    Args:
        torch_model: the original (its BatchNorm epsilon is the target of the epsilon fix).
        keras_model: the Keras model already holding the copied weights (see
            :func:`copy_weights`), with Keras's own padding and epsilon.
        pixels: ``uint8``-valued images ``(N, 3, H, W)``, e.g. from :func:`crop_photos`.
        keras_preprocess: the Keras model's own preprocessing (:func:`unit_range` for
            Keras's MobileNetV2).
    """

    def __init__(self, torch_model: nn.Module, keras_model: keras.Model, pixels: torch.Tensor,
                 keras_preprocess: Callable[[torch.Tensor], torch.Tensor] = unit_range):
        torch_model.eval()
        with torch.inference_mode():
            self.reference = torch_model(imagenet_normalize(pixels)).float()
        self.pixels = pixels
        self.keras_preprocess = keras_preprocess
        self.epsilon = batchnorm_epsilon(torch_model)
        self._models = {(False, False): keras_model}
        self._logits: dict[frozenset[str], torch.Tensor] = {}

    def model(self, padding: bool, epsilon: bool) -> keras.Model:
        """The Keras model with the padding and/or epsilon fix applied (built on first use)."""
        key = (bool(padding), bool(epsilon))
        if key not in self._models:
            if key == (True, True):  # reuse the epsilon-fixed variant: one rebuild each
                model = with_symmetric_padding(self.model(False, True))
            elif padding:
                model = with_symmetric_padding(self._models[(False, False)])
            else:
                model = with_batchnorm_epsilon(self._models[(False, False)], self.epsilon)
            self._models[key] = model
        return self._models[key]

    def keras_input(self, fixed: Iterable[str]) -> torch.Tensor:
        """The Keras model's input with the input-side fixes in ``fixed`` applied.

        Without the layout fix the NCHW batch is *reshaped* into the NHWC shape, the
        classic mistake: it runs, and scrambles every image.
        """
        fixed = set(fixed)
        preprocess = imagenet_normalize if "preprocessing" in fixed else self.keras_preprocess
        x = preprocess(self.pixels)
        if "layout" in fixed:
            return to_channels_last(x)
        n, c, h, w = x.shape
        return x.reshape(n, h, w, c)

    def logits(self, fixed: Iterable[str]) -> torch.Tensor:
        """The Keras model's logits with the fixes in ``fixed`` (names from :data:`DIVERGENCES`).

        Each combination of fixes is run once; later calls return a copy of the result.
        """
        fixed = frozenset(fixed)
        unknown = fixed - set(DIVERGENCES)
        if unknown:
            raise ValueError(f"unknown fixes {sorted(unknown)}; choose from {DIVERGENCES}")
        if fixed not in self._logits:
            model = self.model("padding" in fixed, "epsilon" in fixed)
            self._logits[fixed] = keras_logits(model, self.keras_input(fixed))
        return self._logits[fixed].clone()

    def measure(self, fixed: Iterable[str]) -> dict[str, float]:
        """:func:`agreement` of the reference with the Keras logits under ``fixed``."""
        return agreement(self.reference, self.logits(fixed))

    def cumulative_table(self, order: Sequence[str] = DIVERGENCES) -> pd.DataFrame:
        """Agreement fix after fix: row 0 is the naive port, each next row adds a fix of ``order``.

        The naive port has the weights copied and everything else left as it comes:
        Keras's own preprocessing, the NCHW batch reshaped into NHWC, Keras's padding
        and epsilon.  Indexed by step, with the columns of :func:`agreement`.
        """
        if sorted(order) != sorted(DIVERGENCES):
            raise ValueError(f"order must be a permutation of {DIVERGENCES}, got {tuple(order)}")
        rows, labels = [], []
        for step in range(len(order) + 1):
            rows.append(self.measure(order[:step]))
            labels.append("naive port" if step == 0 else f"+ {order[step - 1]}")
        return pd.DataFrame(rows, index=pd.Index(labels, name="step"))

    def remaining_table(self) -> pd.DataFrame:
        """Agreement when exactly one source of divergence is left unfixed (and when none is).

        Shows each source's own effect, which the cumulative table hides when one
        large error masks the others.  Indexed by the divergence left unfixed.
        """
        rows = {name: self.measure(set(DIVERGENCES) - {name}) for name in DIVERGENCES}
        rows["none"] = self.measure(DIVERGENCES)
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("left unfixed")
