"""The real photos and the class names accepted for each."""

from __future__ import annotations

import pytest
from torchvision.models import MobileNet_V2_Weights

from mobilenet_tutorial.data import photos


def test_load_photos():
    loaded = photos.load_photos()
    assert tuple(loaded) == photos.PHOTO_NAMES
    assert all(img.mode == "RGB" for img in loaded.values())
    assert loaded["chelsea"].size == (451, 300)
    with pytest.raises(ValueError, match="name must be one of chelsea.*unknown photo"):
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
    with pytest.raises(ValueError, match="name must be one of chelsea.*unknown photo"):
        photos.photo_is_correct("dog", "tabby")


def test_photo_is_correct_with_class_indices():
    import numpy as np
    import torch

    categories = photos.imagenet_categories()
    assert len(categories) == 1000 and categories[281] == "tabby"
    assert photos.photo_label_indices("chelsea") == {281, 282, 285}
    assert photos.photo_label_indices("coffee") == {967, 968, 504}
    assert photos.photo_label_indices("rocket") == {657, 744, 812}
    assert photos.photo_is_correct("chelsea", 285)
    assert photos.photo_is_correct("chelsea", np.int64(282))
    assert photos.photo_is_correct("coffee", torch.tensor(967))
    assert not photos.photo_is_correct("coffee", 285)
    assert not photos.photo_is_correct("rocket", 540)  # drilling platform
    for name in photos.PHOTO_NAMES:
        for index in photos.photo_label_indices(name):
            assert photos.photo_is_correct(name, categories[index])
    with pytest.raises(ValueError, match="outside 0..999"):
        photos.photo_is_correct("chelsea", 1000)
    with pytest.raises(ValueError, match="outside"):
        photos.photo_is_correct("chelsea", -1)
    with pytest.raises(TypeError, match="class index or class name"):
        photos.photo_is_correct("chelsea", 281.0)
    with pytest.raises(ValueError, match="name must be one of chelsea.*unknown photo"):
        photos.photo_label_indices("dog")


def test_photo_accuracy():
    assert photos.photo_accuracy({"chelsea": 281, "coffee": "cup", "rocket": 540}) == 2 / 3
    assert photos.photo_accuracy({"astronaut": "space shuttle"}) == 1.0
    assert photos.photo_accuracy({"astronaut": "bobsled"}) == 0.0
    with pytest.raises(ValueError, match="empty"):
        photos.photo_accuracy({})
    with pytest.raises(ValueError, match="name must be one of chelsea.*unknown photo"):
        photos.photo_accuracy({"dog": 1})


@pytest.mark.parametrize("name", [[], None, 3, {"chelsea"}])
def test_a_photo_name_that_is_not_a_string_is_named(name):
    from mobilenet_tutorial.data.photos import photo_label_indices

    with pytest.raises(ValueError, match="name must be one of chelsea"):
        photo_label_indices(name)
