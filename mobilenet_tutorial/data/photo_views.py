"""Many test images from a few real photos: crops and mirror images, preprocessed for ImageNet.

Checking that a faster model still predicts what the original predicts needs more
than five images, and calibrating an int8 model needs images of the kind the model
will see.  Both can come from the course's photos (:mod:`.photos`) and a few more
natural images that scikit-image ships (a motorcycle, a camera man, coins, a clock):

- :func:`grid_views` gives a fixed set of views of a photo: the whole photo and
  crops at its corners and centre, each also mirrored (for *evaluation*);
- :func:`random_views` gives random crops and flips, seeded (for *calibration*);
- :func:`preprocess` resizes, crops and normalises a view exactly as torchvision's
  ImageNet weights expect (``MobileNet_V2_Weights.IMAGENET1K_V1.transforms()``).

Views of the same photo are not independent images: agreement measured on them says
how stable a model is on these scenes, not how accurate it is on ImageNet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from PIL import Image
from torchvision.models import MobileNet_V2_Weights
from torchvision.transforms.v2 import functional as F

from ..checks import shown
from .photos import PHOTO_NAMES, load_photo

__all__ = ["EXTRA_NAMES", "load_source", "load_sources", "preprocess", "grid_views",
           "random_views", "view_batch"]

EXTRA_NAMES = ("motorcycle", "camera", "coins", "clock")
"""More natural images bundled with scikit-image, beyond :data:`.photos.PHOTO_NAMES`."""

_PREPROCESS = MobileNet_V2_Weights.IMAGENET1K_V1.transforms()


def load_source(name: str) -> Image.Image:
    """A photo of :data:`.photos.PHOTO_NAMES` or :data:`EXTRA_NAMES`, as an RGB ``PIL.Image``."""
    if name in PHOTO_NAMES:
        return load_photo(name)
    if name not in EXTRA_NAMES:
        raise ValueError(f"name must be one of {', '.join(PHOTO_NAMES + EXTRA_NAMES)}, got "
                         f"unknown photo {shown(name)}")
    from skimage import data

    if name == "motorcycle":
        array = data.stereo_motorcycle()[0]
    else:
        array = getattr(data, name)()
    return Image.fromarray(array).convert("RGB")


def load_sources(names: Iterable[str] = PHOTO_NAMES + EXTRA_NAMES) -> dict[str, Image.Image]:
    """Several photos by name (default: all nine), in the order given."""
    return {name: load_source(name) for name in names}


def preprocess(image: Image.Image) -> torch.Tensor:
    """ImageNet preprocessing: resize to 256, centre-crop 224, scale to [0, 1], normalise."""
    return _PREPROCESS(image)


def _crop(image: Image.Image, fraction: float, top_frac: float, left_frac: float) -> Image.Image:
    width, height = image.size
    crop_h, crop_w = max(1, round(height * fraction)), max(1, round(width * fraction))
    top, left = round((height - crop_h) * top_frac), round((width - crop_w) * left_frac)
    return F.crop(image, top, left, crop_h, crop_w)


def grid_views(image: Image.Image, fractions: Sequence[float] = (0.6, 0.8),
               mirror: bool = True) -> list[Image.Image]:
    """The photo itself and, for each fraction, five crops of that size (four corners, centre).

    With ``mirror`` each view also appears mirrored left to right, after the unmirrored
    ones: ``2 * (1 + 5 * len(fractions))`` views in all (22 by default).

    Raises:
        ValueError: if a fraction is not in ``(0, 1]``.
    """
    if any(not 0 < f <= 1 for f in fractions):
        raise ValueError(f"crop fractions must be in (0, 1], got {tuple(fractions)}")
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.5)]
    views = [image] + [_crop(image, f, top, left) for f in fractions for top, left in corners]
    return views + [F.hflip(v) for v in views] if mirror else views


def random_views(image: Image.Image, count: int, generator: torch.Generator,
                 smallest: float = 0.5) -> list[Image.Image]:
    """``count`` random crops (side between ``smallest`` and 1 of the photo's), half mirrored.

    Raises:
        ValueError: if ``count`` is negative or ``smallest`` is not in ``(0, 1]``.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    if not 0 < smallest <= 1:
        raise ValueError(f"smallest must be in (0, 1], got {smallest}")
    views = []
    for _ in range(count):
        fraction, top, left, flip = torch.rand(4, generator=generator).tolist()
        view = _crop(image, smallest + (1 - smallest) * fraction, top, left)
        views.append(F.hflip(view) if flip < 0.5 else view)
    return views


def view_batch(views: Iterable[Image.Image]) -> torch.Tensor:
    """Preprocess views and stack them into one batch ``(N, 3, 224, 224)``."""
    tensors = [preprocess(v) for v in views]
    if not tensors:
        raise ValueError("view_batch needs at least one image")
    return torch.stack(tensors)
