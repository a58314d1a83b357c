"""Preprocessing that particular weights expect: EfficientNet-Lite0's TensorFlow scaling.

TensorFlow's Lite models take RGB pixels scaled as ``(x - 127.5) / 128``, not ImageNet's
per-channel mean and standard deviation.  On images already in ``[0, 1]`` that is
normalisation by :data:`LITE0_MEAN` and :data:`LITE0_STD`.  (torchvision's weights carry
their own preprocessing: ``MobileNet_V2_Weights.IMAGENET1K_V1.transforms()``.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .checks import positive_int

__all__ = ["LITE0_MEAN", "LITE0_STD", "lite0_transform"]

LITE0_MEAN = (127.5 / 255.0,) * 3
LITE0_STD = (128.0 / 255.0,) * 3


def lite0_transform(size: int = 224, mean: tuple[float, ...] = LITE0_MEAN,
                    std: tuple[float, ...] = LITE0_STD) -> Callable[[Any], torch.Tensor]:
    """Evaluation preprocessing: resize the short side to ``size * 8 / 7``, crop the centre.

    The result is a ``(3, size, size)`` float tensor normalised by ``mean`` and
    ``std`` (by default TensorFlow's ``(255 * x - 127.5) / 128``).  Accepts a
    PIL image or an image tensor.
    """
    from torchvision.transforms import v2

    positive_int("size", size, "224 for EfficientNet-Lite0")
    return v2.Compose([v2.ToImage(), v2.Resize(round(size * 8 / 7), antialias=True),
                       v2.CenterCrop(size), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(mean, std)])
