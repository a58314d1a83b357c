"""Tests of the preprocessing particular weights expect (mobilenet_tutorial.preprocessing)."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial import rounding_tolerance
from mobilenet_tutorial.data.transforms import LITE0_MEAN, LITE0_STD, lite0_transform


def test_transform_scales_to_tensorflow_range():
    image = torch.zeros(3, 16, 16, dtype=torch.uint8)
    image[:, :, 8:] = 255
    out = lite0_transform(8)(image)
    assert out.shape == (3, 8, 8)
    # float32: (x - 0.5) is exact for x = 0 and 1; std = 128 / 255 is stored, then divides
    tolerance = rounding_tolerance(127.5 / 128, 3, dtype=torch.float32)
    assert abs(out.min().item() + 127.5 / 128) <= tolerance
    assert abs(out.max().item() - 127.5 / 128) <= tolerance
    with pytest.raises(ValueError, match="size"):
        lite0_transform(0)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        lite0_transform(2.5)


def test_constants_are_tensorflow_s_scaling():
    assert LITE0_MEAN == (0.5,) * 3 and LITE0_STD == (128 / 255,) * 3


def test_old_import_path_still_works():
    from mobilenet_tutorial.models import efficientnet_lite

    assert efficientnet_lite.lite0_transform is lite0_transform
    assert efficientnet_lite.LITE0_MEAN is LITE0_MEAN and efficientnet_lite.LITE0_STD is LITE0_STD


@pytest.mark.parametrize(("changes", "message"), [
    ({"mean": None}, r"mean must be a tuple of 3 finite numbers \(one per RGB channel"),
    ({"mean": (0.5, 0.5)}, "mean must be a tuple of 3 finite numbers"),
    ({"mean": (0.5, 0.5, float("nan"))}, "mean must be a tuple of 3 finite numbers"),
    ({"std": (0.5, 0.0, 0.5)}, "std must be a tuple of 3 positive numbers"),
    ({"std": (0.5, 0.5, 10**400)}, "std must be a tuple of 3 positive numbers"),
])
def test_a_bad_mean_or_std_is_named(changes, message):
    from mobilenet_tutorial.data.transforms import eval_transform

    with pytest.raises(ValueError, match=message):
        eval_transform(**changes)


@pytest.mark.parametrize(("images", "error", "message"), [
    (None, TypeError, "images must be a list of PIL images"),
    (3, TypeError, "images must be a list of PIL images"),
    ([], ValueError, "images must hold at least one image"),
    (["chelsea"], TypeError, r"images\[0\] must be a PIL image, got str"),
])
def test_crop_photos_names_bad_images(images, error, message):
    from mobilenet_tutorial.data.transforms import crop_photos

    with pytest.raises(error, match=message):
        crop_photos(images)


def test_crop_photos_refuses_a_single_image_given_bare():
    from PIL import Image

    from mobilenet_tutorial.data.transforms import crop_photos

    with pytest.raises(TypeError, match="images must be a list"):
        crop_photos(Image.new("RGB", (300, 300)))
    assert tuple(crop_photos([Image.new("RGB", (300, 300))]).shape) == (1, 3, 224, 224)


@pytest.mark.parametrize(("pixels", "error", "message"), [
    (None, TypeError, r"^pixels must be a tensor \(N, 3, H, W\)"),
    ([[0, 255]], TypeError, r"^pixels must be a tensor"),
    (torch.zeros(3, 8, 8), ValueError, r"^pixels must have shape \(N, 3, H, W\), got \(3, 8, 8\)"),
])
def test_normalisations_name_bad_pixels(pixels, error, message):
    from mobilenet_tutorial.data.transforms import imagenet_normalize, unit_range

    for normalise in (imagenet_normalize, unit_range):
        with pytest.raises(error, match=message):
            normalise(pixels)
