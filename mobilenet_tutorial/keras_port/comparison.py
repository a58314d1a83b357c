"""Measure a Keras port against its PyTorch original, with any set of fixes applied.

With the same weights the two graphs still compute different things, for four reasons
(:data:`DIVERGENCES`): the input **layout** (Keras takes ``(N, H, W, C)``; use
:func:`to_channels_last`, a permutation, since a ``reshape`` scrambles the pixels),
the **preprocessing** (:func:`~mobilenet_tutorial.data.transforms.unit_range` against
:func:`~mobilenet_tutorial.data.transforms.imagenet_normalize`), the **padding** and
the BatchNorm **epsilon** (:mod:`.divergences`).  :class:`PortComparison` measures the
logits with :func:`~mobilenet_tutorial.measure.agreement.logit_agreement` as the fixes
are applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd
import torch
from torch import nn

from ..data.transforms import imagenet_normalize, unit_range
from ..measure.agreement import logit_agreement
from ..modes import evaluating
from .backend import keras, require_image_batch, require_keras_model, require_torch_module
from .divergences import batchnorm_epsilon, with_batchnorm_epsilon, with_symmetric_padding

__all__ = ["DIVERGENCES", "to_channels_last", "keras_logits", "PortComparison"]

#: The four sources of divergence, in the order :meth:`PortComparison.cumulative_table` fixes them.
DIVERGENCES = ("layout", "epsilon", "preprocessing", "padding")


def to_channels_last(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` to ``(N, H, W, C)`` by permuting axes (never by reshaping)."""
    require_image_batch("x", x)
    return x.permute(0, 2, 3, 1).contiguous()


def keras_logits(model: keras.Model, x: torch.Tensor) -> torch.Tensor:
    """Run a Keras model in inference mode on ``x`` (``(N, H, W, C)``); return a torch tensor."""
    require_keras_model("model", model)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor (N, H, W, C) for a convolutional model, got "
                        f"{type(x).__name__}")
    with torch.inference_mode():
        out = model(x, training=False)
    return torch.as_tensor(keras.ops.convert_to_numpy(out)).clone()


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
        require_torch_module("torch_model", torch_model)
        require_keras_model("keras_model", keras_model)
        require_image_batch("pixels", pixels)
        if pixels.shape[1] != 3:
            raise ValueError(f"pixels must hold RGB images (N, 3, H, W), got shape "
                             f"{tuple(pixels.shape)}")
        if not callable(keras_preprocess):
            raise TypeError(f"keras_preprocess must be a function of a pixel batch, such as "
                            f"unit_range, got {type(keras_preprocess).__name__}")
        with evaluating(torch_model), torch.inference_mode():  # the caller's modes stay
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
        """How the Keras logits under ``fixed`` follow the reference: :func:`logit_agreement`."""
        return logit_agreement(self.reference, self.logits(fixed))

    def cumulative_table(self, order: Sequence[str] = DIVERGENCES) -> pd.DataFrame:
        """Agreement fix after fix: row 0 is the naive port, each next row adds a fix of ``order``.

        The naive port has the weights copied and everything else left as it comes:
        Keras's own preprocessing, the NCHW batch reshaped into NHWC, Keras's padding
        and epsilon.  Indexed by step, with the columns of
        :func:`~mobilenet_tutorial.measure.agreement.logit_agreement`.
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
