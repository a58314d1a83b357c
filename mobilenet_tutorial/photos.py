"""Real photographs for inference demos, shipped inside installed packages.

Five photos that need no download: scikit-image's ``chelsea`` (a cat),
``coffee`` (a cup of coffee), ``astronaut`` (Eileen Collins), ``rocket`` (a
rocket on its launch pad), and matplotlib's ``grace_hopper`` (Grace Hopper in
uniform).
"""

from __future__ import annotations

from PIL import Image

__all__ = ["PHOTO_NAMES", "load_photo", "load_photos"]

PHOTO_NAMES = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")


def load_photo(name: str) -> Image.Image:
    """One of :data:`PHOTO_NAMES` as an RGB ``PIL.Image``."""
    if name == "grace_hopper":
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as handle:
            return Image.open(handle).convert("RGB")
    if name in PHOTO_NAMES:
        from skimage import data

        return Image.fromarray(getattr(data, name)()).convert("RGB")
    raise ValueError(f"unknown photo {name!r}: choose one of {', '.join(PHOTO_NAMES)}")


def load_photos() -> dict[str, Image.Image]:
    """All of :data:`PHOTO_NAMES`, in that order."""
    return {name: load_photo(name) for name in PHOTO_NAMES}
