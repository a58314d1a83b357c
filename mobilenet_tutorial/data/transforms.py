"""Every preprocessing of the course, from one recipe: resize, crop the centre, scale, normalise.

Pretrained weights expect their images prepared as they were in training.  ImageNet
models resize the shorter side (to 256 for a 224 crop, a ratio of 8/7), crop the
centre, scale pixels to ``[0, 1]`` and normalise each channel by a mean and standard
deviation.  The pieces:

- :func:`eval_transform`: that recipe for any crop size, resize and normalisation; a
  PIL image or image tensor in, a ``(3, size, size)`` float tensor out.  A grey image
  is repeated into three channels.
- :func:`pretrained_transform` (crop as large as the resize, for small images such as
  Fashion-MNIST's), :func:`lite0_transform` (EfficientNet-Lite0's TensorFlow scaling,
  :data:`LITE0_MEAN` and :data:`LITE0_STD`) and :func:`normalisation` (the mean and
  standard deviation torchvision weights carry) are that recipe with other numbers;
  :func:`augmenting_transform` is its training-time variant with random crops and flips.
- :func:`crop_photos` stops before scaling: ``uint8`` pixels, so that two frameworks'
  normalisations can be applied to the same pixels (:func:`imagenet_normalize`,
  torchvision's, and :func:`unit_range`, Keras's MobileNetV2's).

torchvision's own weights carry their preprocessing too
(``MobileNet_V2_Weights.IMAGENET1K_V1.transforms()``), which chapters 3 and 8 use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from PIL import Image
from torchvision.transforms import v2

from .. import checks
from ..checks import positive_int

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "LITE0_MEAN", "LITE0_STD", "eval_transform",
           "pretrained_transform", "augmenting_transform", "lite0_transform", "normalisation",
           "crop_photos", "imagenet_normalize", "unit_range"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
"""Per-channel mean of ImageNet pixels in ``[0, 1]`` (RGB), as torchvision's weights use it."""
IMAGENET_STD = (0.229, 0.224, 0.225)
"""Per-channel standard deviation of ImageNet pixels in ``[0, 1]`` (RGB)."""
LITE0_MEAN = (127.5 / 255.0,) * 3
"""TensorFlow Lite's ``(x - 127.5) / 128`` on pixels ``x`` in 0..255, as a mean for ``[0, 1]``."""
LITE0_STD = (128.0 / 255.0,) * 3
"""The standard deviation that goes with :data:`LITE0_MEAN`."""


def _crop_steps(size: int, resize: int) -> list[Callable[[Any], Any]]:
    """Image in, centre crop out: resize the shorter side to ``resize``, crop ``size`` square."""
    positive_int("size", size, "224 for the ImageNet models")
    positive_int("resize", resize, "256 for a 224 crop")
    if size > resize:
        raise ValueError(f"size ({size}) must not exceed resize ({resize}): the crop is taken "
                         f"from the resized image")
    return [v2.ToImage(), v2.Resize(resize, antialias=True), v2.CenterCrop(size), v2.RGB()]


def _scale_steps(mean: Sequence[float], std: Sequence[float]) -> list[Callable[[Any], Any]]:
    mean = checks.number_tuple("mean", mean, 3, hint="one per RGB channel, such as "
                               "IMAGENET_MEAN")
    std = checks.number_tuple("std", std, 3, positive=True, hint="one per RGB channel, such "
                              "as IMAGENET_STD")
    return [v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean=list(mean), std=list(std)), v2.ToPureTensor()]


def eval_transform(size: int = 224, resize: int | None = None,
                   mean: Sequence[float] = IMAGENET_MEAN,
                   std: Sequence[float] = IMAGENET_STD) -> v2.Compose:
    """Evaluation preprocessing: a PIL image or tensor to a normalised ``(3, size, size)`` tensor.

    Steps: resize the shorter side to ``resize`` (default ``round(size * 8 / 7)``, 256
    for 224), crop the centre square of ``size``, repeat a grey channel three times (RGB
    images pass unchanged), scale to ``[0, 1]``, then subtract ``mean`` and divide by
    ``std`` channel by channel.

    Raises:
        ValueError: if a size is not a positive whole number, ``size > resize``, or
            ``mean``/``std`` do not hold three values (``std`` positive).
    """
    positive_int("size", size, "224 for the ImageNet models")
    resize = round(size * 8 / 7) if resize is None else resize
    return v2.Compose(_crop_steps(size, resize) + _scale_steps(mean, std))


def pretrained_transform(size: int, mean: Sequence[float], std: Sequence[float]) -> v2.Compose:
    """:func:`eval_transform` with the crop as large as the resize (nothing cropped from a square).

    Right for small square images, such as Fashion-MNIST's, enlarged to ``size``.
    """
    return eval_transform(size, size, mean, std)


def lite0_transform(size: int = 224, mean: Sequence[float] = LITE0_MEAN,
                    std: Sequence[float] = LITE0_STD) -> v2.Compose:
    """EfficientNet-Lite0's evaluation preprocessing: :func:`eval_transform` with TF's scaling.

    The result is normalised by ``mean`` and ``std`` (by default TensorFlow's
    ``(255 * x - 127.5) / 128``).
    """
    return eval_transform(size, None, mean, std)


def augmenting_transform(size: int, mean: Sequence[float], std: Sequence[float],
                         min_scale: float = 0.7, flip: bool = True) -> v2.Compose:
    """Preprocessing with data augmentation, for training: a new random variant at every call.

    A random crop covering ``min_scale`` to all of the image's area (and an aspect
    ratio between 3/4 and 4/3), resized to ``size``; a horizontal flip half of the
    time (``flip=False`` for data where left and right differ, such as text);
    then the same channel repeat and normalisation as :func:`eval_transform`.
    """
    positive_int("size", size, "224 for the ImageNet models")
    if not 0.0 < min_scale <= 1.0:
        raise ValueError(f"min_scale must be in (0, 1], got {min_scale}")
    steps = [v2.ToImage(), v2.RandomResizedCrop(size, scale=(min_scale, 1.0), antialias=True)]
    if flip:
        steps.append(v2.RandomHorizontalFlip())
    return v2.Compose(steps + [v2.RGB()] + _scale_steps(mean, std))


def normalisation(weights: Any) -> tuple[list[float], list[float]]:
    """The ``(mean, std)`` per RGB channel that ``weights`` were trained with.

    ``weights`` is a torchvision weights enum member, such as
    ``MobileNet_V2_Weights.IMAGENET1K_V1``; the values come from its own
    ``transforms()``, so they are right for whichever weights you use.
    """
    if not hasattr(weights, "transforms"):
        raise TypeError(
            f"expected torchvision weights (e.g. MobileNet_V2_Weights.IMAGENET1K_V1), "
            f"got {type(weights).__name__}"
        )
    preset = weights.transforms()
    return list(preset.mean), list(preset.std)


def crop_photos(images: Iterable[Image.Image], resize: int = 256, crop: int = 224
                ) -> torch.Tensor:
    """The crop of :func:`eval_transform` without the scaling: ``uint8`` pixels, 0 to 255.

    Returns:
        A ``uint8`` tensor ``(N, 3, crop, crop)``.

    Raises:
        ValueError: if no image is given or ``crop > resize``.
        TypeError: if ``images`` is not a list (or other iterable) of PIL images.
    """
    transform = v2.Compose(_crop_steps(crop, resize) + [v2.ToPureTensor()])
    if isinstance(images, Image.Image) or not isinstance(images, Iterable):
        raise TypeError(f"images must be a list of PIL images, such as [load_photo('chelsea')], "
                        f"got {type(images).__name__}")
    tensors = []
    for i, image in enumerate(images):
        if not isinstance(image, Image.Image):
            raise TypeError(f"images[{i}] must be a PIL image, got {type(image).__name__}")
        tensors.append(transform(image))
    if not tensors:
        raise ValueError("images must hold at least one image, got none")
    return torch.stack(tensors)


def _check_pixels(pixels: torch.Tensor) -> torch.Tensor:
    if not isinstance(pixels, torch.Tensor):
        raise TypeError(f"pixels must be a tensor (N, 3, H, W) of values 0 to 255, such as "
                        f"crop_photos(...), got {type(pixels).__name__}")
    if pixels.ndim != 4 or pixels.shape[1] != 3:
        raise ValueError(f"pixels must have shape (N, 3, H, W), got {tuple(pixels.shape)}")
    return pixels.float()


def imagenet_normalize(pixels: torch.Tensor) -> torch.Tensor:
    """torchvision's normalisation of a ``uint8``-valued batch: ``(pixels / 255 - mean) / std``."""
    x = _check_pixels(pixels) / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """Keras's MobileNetV2 preprocessing (``mode="tf"``): ``pixels / 127.5 - 1``, in [-1, 1]."""
    return _check_pixels(pixels) / 127.5 - 1.0
