"""Real photographs for inference demos, shipped inside installed packages.

Five photos that need no download: scikit-image's ``chelsea`` (a cat),
``coffee`` (a cup of coffee), ``astronaut`` (Eileen Collins), ``rocket`` (a
rocket on its launch pad), and matplotlib's ``grace_hopper`` (Grace Hopper in
uniform).
"""

from __future__ import annotations

from PIL import Image

__all__ = ["PHOTO_NAMES", "PHOTO_LABELS", "load_photo", "load_photos", "photo_is_correct"]

PHOTO_NAMES = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")

#: ImageNet-1k class names (as in torchvision's ``weights.meta["categories"]``) that a
#: person would accept as a right answer for each photo.  ImageNet has no "person"
#: or "astronaut" class, so for the two portraits the clothing and objects in the
#: picture count.
PHOTO_LABELS: dict[str, frozenset[str]] = {
    "chelsea": frozenset({"tabby", "tiger cat", "Egyptian cat"}),
    "coffee": frozenset({"espresso", "cup", "coffee mug"}),
    "astronaut": frozenset({"space shuttle", "crash helmet", "football helmet", "flagpole"}),
    "rocket": frozenset({"missile", "projectile", "space shuttle"}),
    "grace_hopper": frozenset({"military uniform", "bow tie", "Windsor tie", "suit"}),
}


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


def photo_is_correct(name: str, class_name: str) -> bool:
    """Whether ``class_name`` (an ImageNet class name) is an acceptable label for photo ``name``."""
    if name not in PHOTO_LABELS:
        raise ValueError(f"unknown photo {name!r}: choose one of {', '.join(PHOTO_NAMES)}")
    return class_name in PHOTO_LABELS[name]
