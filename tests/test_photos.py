"""The real photos and the class names accepted for each."""

from __future__ import annotations

import pytest
from torchvision.models import MobileNet_V2_Weights

from mobilenet_tutorial import photos


def test_load_photos():
    loaded = photos.load_photos()
    assert tuple(loaded) == photos.PHOTO_NAMES
    assert all(img.mode == "RGB" for img in loaded.values())
    assert loaded["chelsea"].size == (451, 300)
    with pytest.raises(ValueError, match="unknown photo"):
        photos.load_photo("dog")


def test_labels_are_imagenet_classes():
    categories = set(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])
    assert set(photos.PHOTO_LABELS) == set(photos.PHOTO_NAMES)
    for name, labels in photos.PHOTO_LABELS.items():
        assert labels and labels <= categories, name


def test_photo_is_correct():
    assert photos.photo_is_correct("chelsea", "tabby")
    assert photos.photo_is_correct("coffee", "espresso")
    assert not photos.photo_is_correct("chelsea", "espresso")
    assert not photos.photo_is_correct("rocket", "drilling platform")
    assert not photos.photo_is_correct("astronaut", "bobsled")
    with pytest.raises(ValueError, match="unknown photo"):
        photos.photo_is_correct("dog", "tabby")
