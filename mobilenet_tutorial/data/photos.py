"""Real photographs for inference demos, shipped inside installed packages.

Five photos that need no download: scikit-image's ``chelsea`` (a cat),
``coffee`` (a cup of coffee), ``astronaut`` (Eileen Collins), ``rocket`` (a
rocket on its launch pad), and matplotlib's ``grace_hopper`` (Grace Hopper in
uniform).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from functools import cache

from PIL import Image

from ..checks import shown

__all__ = [
    "PHOTO_NAMES",
    "PHOTO_LABELS",
    "imagenet_categories",
    "photo_label_indices",
    "load_photo",
    "load_photos",
    "photo_is_correct",
    "photo_accuracy",
]

PHOTO_NAMES = ("chelsea", "coffee", "astronaut", "rocket", "grace_hopper")

#: ImageNet-1k class names (as in torchvision's ``weights.meta["categories"]``) that a
#: person would accept as a right answer for each photo.  ImageNet has no "person",
#: "astronaut" or "rocket" class, so for the two portraits the clothing and objects in
#: the picture count (Eileen Collins holds a helmet, a model space shuttle and a flag
#: stand behind her), and for the rocket the nearest classes do.
#: :func:`photo_label_indices` gives the same classes as indices.
#: This is the one list of accepted classes in the course: a chapter that scores these
#: photos does so with :func:`photo_is_correct` or :func:`photo_accuracy` (or reads this
#: mapping), never with a set of class names of its own, so that every chapter agrees on
#: what a right answer is (a "drilling platform" for the rocket, say, is not one).
PHOTO_LABELS: dict[str, frozenset[str]] = {
    "chelsea": frozenset({"tabby", "tiger cat", "Egyptian cat"}),
    "coffee": frozenset({"espresso", "cup", "coffee mug"}),
    "astronaut": frozenset({"space shuttle", "crash helmet", "football helmet", "flagpole"}),
    "rocket": frozenset({"missile", "projectile", "space shuttle"}),
    "grace_hopper": frozenset({"military uniform", "bow tie", "Windsor tie", "suit"}),
}


def load_photo(name: str) -> Image.Image:
    """One of :data:`PHOTO_NAMES` as an RGB ``PIL.Image``."""
    _check_name(name)
    if name == "grace_hopper":
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as handle:
            return Image.open(handle).convert("RGB")
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def load_photos() -> dict[str, Image.Image]:
    """All of :data:`PHOTO_NAMES`, in that order."""
    return {name: load_photo(name) for name in PHOTO_NAMES}


@cache
def imagenet_categories() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names, in the order of a classifier's outputs.

    Taken from torchvision's weights metadata (no download needed).
    """
    from torchvision.models import MobileNet_V2_Weights

    return tuple(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])


def _check_name(name: str) -> None:
    if not isinstance(name, str) or name not in PHOTO_LABELS:
        raise ValueError(f"name must be one of {', '.join(PHOTO_NAMES)}, got unknown photo "
                         f"{shown(name)}")


def photo_label_indices(name: str) -> frozenset[int]:
    """The acceptable ImageNet class indices for photo ``name`` (see :data:`PHOTO_LABELS`)."""
    _check_name(name)
    categories = imagenet_categories()
    return frozenset(categories.index(label) for label in PHOTO_LABELS[name])


def photo_is_correct(name: str, label: int | str) -> bool:
    """Whether ``label`` is an acceptable ImageNet class for photo ``name``.

    Args:
        name: one of :data:`PHOTO_NAMES`.
        label: a class index from 0 to 999 (an ``int``, a NumPy integer or a
            one-element integer tensor, e.g. ``logits.argmax()``), or a class name
            such as ``"tabby"``.

    Raises:
        ValueError: for an unknown photo or a class index outside 0..999.
        TypeError: if ``label`` is neither a class name nor an integer.
    """
    _check_name(name)
    if isinstance(label, str):
        return label in PHOTO_LABELS[name]
    try:
        index = operator.index(label)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"label must be an ImageNet class index or class name, got "
                        f"{type(label).__name__}") from None
    categories = imagenet_categories()
    if not 0 <= index < len(categories):
        raise ValueError(f"class index {index} is outside 0..{len(categories) - 1}")
    return categories[index] in PHOTO_LABELS[name]


def photo_accuracy(predictions: Mapping[str, int | str] | Iterable[tuple[str, int | str]]
                   ) -> float:
    """Share (0 to 1) of predictions that are an acceptable class for their photo.

    Args:
        predictions: photo name to predicted class index or name, e.g.
            ``{"chelsea": 281, "coffee": "espresso"}``, for any subset of the photos; or
            ``(name, class)`` pairs, where a photo may come several times (several
            views of it, say).

    Raises:
        ValueError: if ``predictions`` is empty or names an unknown photo.
    """
    pairs = list(predictions.items() if isinstance(predictions, Mapping) else predictions)
    if not pairs:
        raise ValueError("predictions is empty: give at least one photo's predicted class")
    right = [photo_is_correct(str(name), label) for name, label in pairs]
    return sum(right) / len(right)
