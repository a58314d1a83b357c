"""Unit tests of mobilenet_tutorial.photo_views: exact crops, seeded randomness, bad input."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from mobilenet_tutorial.data import photo_views
from mobilenet_tutorial.data.photos import PHOTO_NAMES


def _gradient(width: int = 100, height: int = 50) -> Image.Image:
    pixels = torch.arange(width, dtype=torch.uint8).repeat(height, 1)
    return Image.fromarray(torch.stack([pixels] * 3, dim=2).numpy())


def test_grid_views_are_the_photo_and_five_crops_per_fraction_each_mirrored():
    image = _gradient()
    views = photo_views.grid_views(image, fractions=(0.6, 0.8))
    assert len(views) == 22
    assert views[0] is image
    assert [v.size for v in views[1:6]] == [(60, 30)] * 5
    assert [v.size for v in views[6:11]] == [(80, 40)] * 5
    # top-left crop starts at column 0, top-right ends at the last column
    assert views[1].getpixel((0, 0))[0] == 0 and views[2].getpixel((59, 0))[0] == 99
    assert views[11].getpixel((0, 0))[0] == 99  # the mirror of the whole photo
    assert len(photo_views.grid_views(image, fractions=(), mirror=False)) == 1
    with pytest.raises(ValueError, match="fractions"):
        photo_views.grid_views(image, fractions=(1.5,))


def test_random_views_are_seeded_and_sized():
    image = _gradient()
    first = photo_views.random_views(image, 6, torch.Generator().manual_seed(3))
    again = photo_views.random_views(image, 6, torch.Generator().manual_seed(3))
    assert [v.tobytes() for v in first] == [v.tobytes() for v in again]
    assert all(50 <= v.size[0] <= 100 and 25 <= v.size[1] <= 50 for v in first)
    with pytest.raises(ValueError, match="count"):
        photo_views.random_views(image, -1, torch.Generator())
    with pytest.raises(ValueError, match="smallest"):
        photo_views.random_views(image, 1, torch.Generator(), smallest=0)


def test_view_batch_preprocesses_like_torchvision():
    image = _gradient(300, 260)
    batch = photo_views.view_batch([image, image])
    assert batch.shape == (2, 3, 224, 224) and batch.dtype == torch.float32
    # normalised with ImageNet's statistics: a black pixel of the red channel is -0.485 / 0.229
    assert batch[0, 0].min().item() == pytest.approx(-0.485 / 0.229, abs=0.02)
    with pytest.raises(ValueError, match="at least one"):
        photo_views.view_batch([])


def test_sources_are_rgb_photos():
    sources = photo_views.load_sources()
    assert list(sources) == list(PHOTO_NAMES + photo_views.EXTRA_NAMES)
    assert all(img.mode == "RGB" and min(img.size) >= 200 for img in sources.values())
    with pytest.raises(ValueError, match="name must be one of chelsea.*unknown photo"):
        photo_views.load_source("dog")
