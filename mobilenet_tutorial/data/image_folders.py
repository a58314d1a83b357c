"""Image datasets for transfer learning, prepared the way a pretrained network expects.

A network pretrained on ImageNet expects RGB images, of roughly the size it was
trained on, normalised with the mean and standard deviation of its training
data: :func:`~mobilenet_tutorial.data.transforms.pretrained_transform` and
:func:`~mobilenet_tutorial.data.transforms.augmenting_transform` (re-exported here)
build that preprocessing, and turn greyscale images (such as Fashion-MNIST's) into
three identical channels.

:func:`load_image_dataset` is the one switch between data sources, all of which
return ``(dataset, classes)`` through the same code path:

- ``"fashion_mnist"``: Fashion-MNIST (offline from Debian's files, or downloaded);
- ``"flowers102"``: Oxford Flowers 102 (downloaded by torchvision, online only);
- a folder path: your own images in torchvision's ``ImageFolder`` layout,
  ``root/<class name>/<image>``, or ``root/train/<class name>/<image>`` and
  ``root/test/<class name>/<image>`` if you have split them yourself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch.utils.data import Dataset, Subset
from torchvision import datasets

from .. import checks
from . import fashion as data
from .transforms import augmenting_transform, normalisation, pretrained_transform

__all__ = [
    "SOURCES",
    "normalisation",
    "pretrained_transform",
    "augmenting_transform",
    "split_indices",
    "load_image_dataset",
]

SOURCES = ("fashion_mnist", "flowers102")
_SPLITS = ("train", "val", "test")


def split_indices(n: int, sizes: Sequence[int], seed: int = 0) -> list[list[int]]:
    """Disjoint random lists of indices into ``range(n)``, of the given sizes (reproducible).

    Example: ``train, val = split_indices(60_000, [5_000, 500])``.
    """
    checks.seed("seed", seed)
    checks.count("n", n, "the number of items")
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"sizes must be a list of whole numbers such as [5000, 500], got "
                         f"{checks.shown(sizes)}")
    sizes = [checks.count(f"sizes[{i}]", size, "a number of items") for i, size in enumerate(sizes)]
    if sum(sizes) > n:
        raise ValueError(f"cannot draw {sum(sizes)} distinct indices from {n} items: "
                         "ask for fewer")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    parts, start = [], 0
    for size in sizes:
        parts.append(order[start:start + size])
        start += size
    return parts


def _image_folder(root: Path, split: str, transform, test_fraction: float,
                  seed: int) -> tuple[Dataset, list[str]]:
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is not a folder. Pass a folder laid out as root/<class name>/<image>, "
            "or root/train/<class>/<image> and root/test/<class>/<image>."
        )
    if (root / "train").is_dir():
        folder = root / split
        if not folder.is_dir():
            raise FileNotFoundError(f"{root} has a train/ folder but no {split}/ folder: add "
                                    f"{folder}, or put all images in root/<class>/ instead")
        dataset = datasets.ImageFolder(str(folder), transform=transform)
        return dataset, list(dataset.classes)
    if split == "val":
        raise ValueError(f"{root} has no val/ folder, so it has no validation split: hold out "
                         "part of split='train' with split_indices, or add root/train/, "
                         "root/val/ and root/test/")
    dataset = datasets.ImageFolder(str(root), transform=transform)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n_test = max(1, round(len(dataset) * test_fraction))
    if n_test >= len(dataset):
        raise ValueError(f"{root} has only {len(dataset)} images: too few to split off a test set")
    test, train = split_indices(len(dataset), [n_test, len(dataset) - n_test], seed=seed)
    return Subset(dataset, train if split == "train" else test), list(dataset.classes)


def load_image_dataset(source: str | Path, split: str = "train", transform=None,
                       root: str | Path | None = None, test_fraction: float = 0.2,
                       seed: int = 0) -> tuple[Dataset, list[str]]:
    """One switch for every data source: ``(dataset, class names)`` of ``(image, label)`` items.

    Args:
        source: ``"fashion_mnist"``, ``"flowers102"``, or the path of a folder in
            ``ImageFolder`` layout (see the module's docstring).
        split: ``"train"`` or ``"test"`` (``"val"`` too for Flowers102 and for
            folders that have a ``val/`` subfolder).
        transform: applied to each image (e.g. :func:`pretrained_transform`).
        root: where torchvision keeps downloaded datasets (defaults to
            :func:`mobilenet_tutorial.data.default_data_dir`).
        test_fraction, seed: for a single folder of images, the share of images
            held out as the test split, chosen at random with ``seed`` (the two
            splits never overlap).
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {', '.join(_SPLITS)}; got {split!r}")
    if isinstance(source, str) and source in SOURCES:
        if source == "fashion_mnist":
            if split == "val":
                raise ValueError("Fashion-MNIST has no 'val' split: hold out part of 'train' "
                                 "with split_indices")
            dataset = data.fashion_mnist(train=split == "train", transform=transform, root=root)
            return dataset, list(dataset.classes)
        root_path = Path(root) if root is not None else data.default_data_dir()
        dataset = datasets.Flowers102(str(root_path), split=split, transform=transform,
                                      download=True)
        return dataset, list(dataset.classes)
    path = Path(source)
    if isinstance(source, str) and not path.exists() and "/" not in source:
        raise ValueError(f"unknown data source {source!r}: choose one of {', '.join(SOURCES)}, "
                         "or give the path of a folder of images in ImageFolder layout")
    return _image_folder(path, split, transform, test_fraction, seed)
