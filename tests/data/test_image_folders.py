"""Preprocessing for pretrained weights, disjoint splits, and the data-source switch."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from torch.utils.data import Subset

from mobilenet_tutorial import rounding_tolerance
from mobilenet_tutorial.data import image_folders as td
from mobilenet_tutorial.transfer import WEIGHTS

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def test_normalisation_reads_the_weights_own_values():
    assert td.normalisation(WEIGHTS) == (MEAN, STD)
    with pytest.raises(TypeError, match="torchvision weights"):
        td.normalisation("IMAGENET1K_V1")


def test_grey_image_becomes_three_equal_normalised_channels():
    image = Image.new("L", (28, 28), color=128)
    out = td.pretrained_transform(64, MEAN, STD)(image)
    assert type(out) is torch.Tensor
    assert out.shape == (3, 64, 64) and out.dtype == torch.float32
    for channel in range(3):
        expected = (128 / 255 - MEAN[channel]) / STD[channel]
        # float32: scale by 255, store mean and std, subtract, divide: five roundings, of
        # the size of the terms (the subtraction cancels most of them)
        terms = (128 / 255 + MEAN[channel]) / STD[channel]
        error = (out[channel].double() - expected).abs().max().item()
        assert error <= rounding_tolerance(terms, 5, dtype=torch.float32)


def test_colour_image_is_resized_on_its_shorter_side_and_centre_cropped():
    image = Image.new("RGB", (40, 20))
    image.paste((255, 0, 0), (0, 0, 6, 20))  # a red strip on the left, outside the crop
    out = td.pretrained_transform(16, [0, 0, 0], [1, 1, 1])(image)
    assert out.shape == (3, 16, 16)
    assert out.abs().max() == 0  # the centre square is black


def test_a_batch_of_tensors_goes_through_too():
    batch = torch.zeros(5, 1, 28, 28, dtype=torch.uint8)
    assert td.pretrained_transform(32, MEAN, STD)(batch).shape == (5, 3, 32, 32)


def test_augmenting_transform_is_random_and_shaped():
    image = Image.fromarray((torch.rand(28, 28) * 255).to(torch.uint8).numpy())
    transform = td.augmenting_transform(32, MEAN, STD)
    torch.manual_seed(0)
    a, b = transform(image), transform(image)
    assert a.shape == b.shape == (3, 32, 32)
    assert not torch.equal(a, b)
    no_flip = td.augmenting_transform(32, MEAN, STD, flip=False)
    names = [type(t).__name__ for t in no_flip.transforms]
    assert "RandomHorizontalFlip" not in names and "RandomResizedCrop" in names


@pytest.mark.parametrize("size", [0, -3, 64.0, None, True])
def test_bad_sizes_are_refused(size):
    with pytest.raises(ValueError, match="size"):
        td.pretrained_transform(size, MEAN, STD)


def test_bad_min_scale_is_refused():
    with pytest.raises(ValueError, match="min_scale"):
        td.augmenting_transform(32, MEAN, STD, min_scale=0.0)


def test_split_indices_are_disjoint_sized_and_reproducible():
    a, b, c = td.split_indices(100, [10, 20, 70], seed=3)
    assert (len(a), len(b), len(c)) == (10, 20, 70)
    assert sorted(a + b + c) == list(range(100))
    assert td.split_indices(100, [10, 20, 70], seed=3) == [a, b, c]
    assert td.split_indices(100, [10], seed=4)[0] != a
    with pytest.raises(ValueError, match="101"):
        td.split_indices(100, [50, 51])
    with pytest.raises(ValueError, match=r"sizes\[0\] must be a whole number of at least 0"):
        td.split_indices(100, [-1])


@pytest.mark.parametrize(("n", "sizes", "message"), [
    (100, None, "sizes must be a list of whole numbers"),
    (100, "12", "sizes must be a list of whole numbers"),
    (100, [2.5], r"sizes\[0\] must be a whole number"),
    (100, [1, True], r"sizes\[1\] must be a whole number"),
    (-1, [1], "n must be a whole number of at least 0"),
    (2.5, [1], "n must be a whole number of at least 0"),
])
def test_split_indices_names_a_bad_argument(n, sizes, message):
    with pytest.raises(ValueError, match=message):
        td.split_indices(n, sizes)


def _folder(root, classes=("cat", "dog"), per_class=5):
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (12, 10), color=(20 * i, 0, 0)).save(root / name / f"{i}.png")
    return root


def test_single_image_folder_is_split_without_overlap(tmp_path):
    root = _folder(tmp_path / "pets")
    train, classes = td.load_image_dataset(root, "train")
    test, _ = td.load_image_dataset(str(root), "test")
    assert classes == ["cat", "dog"]
    assert isinstance(train, Subset) and isinstance(test, Subset)
    assert (len(train), len(test)) == (8, 2)
    assert set(train.indices).isdisjoint(test.indices)
    image, label = train[0]
    assert isinstance(image, Image.Image) and label in (0, 1)
    # no val/ folder: asking for a validation split must not hand out the test images
    with pytest.raises(ValueError, match="no validation split"):
        td.load_image_dataset(root, "val")


def test_folder_with_its_own_train_and_test_split(tmp_path):
    _folder(tmp_path / "train", per_class=3)
    _folder(tmp_path / "test", per_class=2)
    train, classes = td.load_image_dataset(tmp_path, "train")
    test, _ = td.load_image_dataset(tmp_path, "test")
    assert (len(train), len(test), classes) == (6, 4, ["cat", "dog"])
    with pytest.raises(FileNotFoundError, match="val"):
        td.load_image_dataset(tmp_path, "val")


def test_bad_sources_and_splits_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="fashion_mnist"):
        td.load_image_dataset("mnist", "train")
    with pytest.raises(FileNotFoundError, match="ImageFolder|layout|class"):
        td.load_image_dataset(tmp_path / "missing", "train")
    with pytest.raises(ValueError, match="split"):
        td.load_image_dataset("fashion_mnist", "validation")
    with pytest.raises(ValueError, match="split_indices"):
        td.load_image_dataset("fashion_mnist", "val")
    with pytest.raises(ValueError, match="too few"):
        td.load_image_dataset(_folder(tmp_path / "tiny", classes=("a",), per_class=1), "test")


def test_fashion_mnist_source():
    test, classes = td.load_image_dataset("fashion_mnist", "test")
    assert len(test) == 10_000
    assert classes[0] == "T-shirt/top" and classes[-1] == "Ankle boot" and len(classes) == 10
