"""Corrupted copies of test images, made locally and deterministically (chapter 9).

Robustness is measured, as in ImageNet-C (Hendrycks and Dietterich, 2019), by the accuracy
on copies of the test set damaged in a known way at several severities.  Five of their
corruptions, written here for images in ``[0, 1]`` of any size and channel count:

====================== =================================== ==========================
name                   what it does                        severity 1 .. 5
====================== =================================== ==========================
``gaussian_noise``     adds ``N(0, s^2)`` to every pixel   ``s`` = .08 .12 .18 .26 .38
``gaussian_blur``      Gaussian blur, ``sigma`` in pixels  .5 .75 1 1.5 2 (28-pixel images)
``contrast``           pulls pixels to the image mean      factor .4 .3 .2 .1 .05
``brightness``         adds a constant                     +.1 +.2 +.3 +.4 +.5
``jpeg``               JPEG encoding at a low quality      quality 25 18 15 10 7
====================== =================================== ==========================

The noise, contrast, brightness and JPEG levels are ImageNet-C's; the blur's are scaled
down for 28 x 28 images.  Every result is clipped to ``[0, 1]``; the noise comes from a
generator seeded by the caller, so the same call gives the same images on every machine
(the JPEG codec is PIL's libjpeg, deterministic for a given library version).
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from PIL import Image

from .. import checks

__all__ = ["CORRUPTIONS", "SEVERITIES", "corrupt"]

CORRUPTIONS: dict[str, tuple[float, ...]] = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "gaussian_blur": (0.5, 0.75, 1.0, 1.5, 2.0),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "jpeg": (25, 18, 15, 10, 7),
}
"""Each corruption's parameter at severities 1 to 5 (see the module's table)."""

SEVERITIES = (1, 2, 3, 4, 5)


def _blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype)
    kernel = torch.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = kernel / kernel.sum()
    n, c, h, w = images.shape
    flat = images.reshape(n * c, 1, h, w)
    padded = torch.nn.functional.pad(flat, (radius, radius, radius, radius), mode="reflect")
    rows = torch.nn.functional.conv2d(padded, kernel.view(1, 1, 1, -1))
    both = torch.nn.functional.conv2d(rows, kernel.view(1, 1, -1, 1))
    return both.reshape(n, c, h, w)


def _jpeg(images: torch.Tensor, quality: int) -> torch.Tensor:
    out = torch.empty_like(images)
    pixels = (images * 255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for i, array in enumerate(pixels):
        mode = "L" if array.shape[2] == 1 else "RGB"
        image = Image.fromarray(array[..., 0] if mode == "L" else array, mode=mode)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(quality))
        decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert(mode))
        decoded = decoded[..., None] if mode == "L" else decoded
        out[i] = torch.from_numpy(decoded.copy()).permute(2, 0, 1).to(images.dtype) / 255
    return out


def corrupt(images: torch.Tensor, name: str, severity: int, seed: int = 0) -> torch.Tensor:
    """A corrupted copy of ``images`` (``(N, C, H, W)`` floats in ``[0, 1]``, C = 1 or 3).

    Args:
        images: the clean images; not modified.
        name: one of :data:`CORRUPTIONS`.
        severity: 1 (mild) to 5 (severe).
        seed: of the noise (only ``gaussian_noise`` draws random numbers).

    Raises:
        ValueError: an unknown corruption or severity, or images that are not a 4-D float
            tensor with 1 or 3 channels.
    """
    checks.one_of("name", name, CORRUPTIONS)
    checks.one_of("severity", severity, SEVERITIES)
    if (not isinstance(images, torch.Tensor) or images.dim() != 4
            or images.shape[1] not in (1, 3) or not images.is_floating_point()):
        raise ValueError("images must be a float tensor (N, C, H, W) in [0, 1] with C = 1 or "
                         f"3, got {checks.shown(images)}")
    level = CORRUPTIONS[name][severity - 1]
    if name == "gaussian_noise":
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(images.shape, generator=generator, dtype=images.dtype)
        out = images + level * noise
    elif name == "gaussian_blur":
        out = _blur(images, level)
    elif name == "contrast":
        mean = images.mean(dim=(1, 2, 3), keepdim=True)
        out = (images - mean) * level + mean
    elif name == "brightness":
        out = images + level
    else:
        out = _jpeg(images, int(level))
    return out.clamp(0.0, 1.0)
