"""Real data for the chapters: Fashion-MNIST, online or offline.

:func:`fashion_mnist` returns torchvision's own ``FashionMNIST`` dataset.
Readers who are online get it through torchvision's download.  Machines with no
internet (such as the ones that build this book) fill torchvision's ``raw``
folder from the original gzip files of Debian's package ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist``), decompressed, so that torchvision finds
the data and attempts no download.
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
from pathlib import Path

import torch
from torch.utils.data import Subset
from torchvision import datasets

from .. import checks
from ..storage import atomic_path

__all__ = [
    "FASHION_MNIST_CLASSES",
    "DEBIAN_FASHION_MNIST_DIR",
    "DataNotFoundError",
    "default_data_dir",
    "prepare_fashion_mnist",
    "fashion_mnist",
    "fashion_mnist_tensors",
    "random_subset",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
_RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class DataNotFoundError(FileNotFoundError):
    """The dataset is neither on disk nor downloadable."""


def default_data_dir() -> Path:
    """Where datasets are kept.

    ``$MOBILENET_TUTORIAL_DATA`` if set, else ``~/.cache/mobilenet_tutorial/data``.
    """
    env = os.environ.get("MOBILENET_TUTORIAL_DATA")
    return Path(env) if env else Path.home() / ".cache" / "mobilenet_tutorial" / "data"


def _raw_dir(root: Path) -> Path:
    return root / "FashionMNIST" / "raw"


def prepare_fashion_mnist(root: str | Path | None = None,
                          source_dir: str | Path = DEBIAN_FASHION_MNIST_DIR) -> bool:
    """Fill torchvision's raw folder under ``root`` from gzip files in ``source_dir``.

    Files already in place are checked (their IDX header and size) and left alone, so
    calling this twice is cheap; a damaged one is rewritten from ``source_dir``.

    Returns:
        ``True`` if the four raw files are in place afterwards, ``False`` if
        ``source_dir`` does not hold them (then nothing is written).

    Raises:
        ValueError: if a gzip file cannot be decompressed or does not hold the IDX
            file it is named for (its header is checked; nothing half-written is kept),
            if a file in place is damaged and ``source_dir`` cannot replace it, or if a
            split's images and labels differ in number.
    """
    raw = _raw_dir(Path(root) if root is not None else default_data_dir())
    source = Path(source_dir)
    gz_files = {name: source / f"{name}.gz" for name in _RAW_FILES}
    have_source = all(path.is_file() for path in gz_files.values())
    for name in _RAW_FILES:
        target = raw / name
        if target.is_file():
            try:
                _check_idx_header(target, name, target)
                continue  # already in place and whole
            except ValueError as damaged:
                if not have_source:
                    raise ValueError(f"{damaged}; delete {target} so that it is fetched "
                                     "again") from None
        elif not have_source:
            return False
        raw.mkdir(parents=True, exist_ok=True)
        gz_path = gz_files[name]
        try:
            with atomic_path(target) as partial:
                with gzip.open(gz_path, "rb") as src, open(partial, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                _check_idx_header(partial, name, gz_path)
        except (OSError, EOFError) as error:
            raise ValueError(
                f"{gz_path} could not be decompressed into {raw} "
                f"({type(error).__name__}: {error}); "
                "reinstall the package that provides it, or delete it to download instead"
            ) from error
    _check_counts(raw)
    return True


def _idx_count(path: Path) -> int:
    with open(path, "rb") as file:
        return int.from_bytes(file.read(8)[4:], "big")


def _check_counts(raw: Path) -> None:
    """Raise ``ValueError`` unless each split has as many labels as images."""
    for split in ("train", "t10k"):
        images = _idx_count(raw / f"{split}-images-idx3-ubyte")
        labels = _idx_count(raw / f"{split}-labels-idx1-ubyte")
        if images != labels:
            raise ValueError(f"{raw} holds {images} {split} images but {labels} labels: the "
                             f"files do not belong together; delete the folder {raw} so "
                             "that it is filled again")


def _check_idx_header(path: Path, name: str, origin: Path) -> None:
    """Raise ``ValueError`` unless ``path`` starts like the IDX file ``name`` should.

    IDX files begin with a magic number (0x00000803 for images, 0x00000801 for
    labels), then one 4-byte big-endian size per dimension; the payload follows.
    """
    images = "images" in name
    dims = 3 if images else 1
    with open(path, "rb") as file:
        header = file.read(4 * (dims + 1))
    expected_magic = 0x0800 + dims
    if len(header) < 4 * (dims + 1) or int.from_bytes(header[:4], "big") != expected_magic:
        raise ValueError(
            f"{origin} does not hold an IDX {'image' if images else 'label'} file "
            f"(expected magic number {expected_magic:#010x}); reinstall the package "
            "that provides it, or delete it to download instead"
        )
    sizes = [int.from_bytes(header[4 * i:4 * i + 4], "big") for i in range(1, dims + 1)]
    payload = path.stat().st_size - len(header)
    if payload != math.prod(sizes):
        raise ValueError(
            f"{origin} is truncated or padded: its header announces shape {sizes}, "
            f"{math.prod(sizes)} bytes, but {payload} follow; reinstall the package "
            "that provides it"
        )


def fashion_mnist(train: bool = True, transform=None, root: str | Path | None = None,
                  source_dir: str | Path = DEBIAN_FASHION_MNIST_DIR,
                  download: bool = True) -> datasets.FashionMNIST:
    """torchvision's ``FashionMNIST`` (60,000 training or 10,000 test images, 28x28 greyscale).

    Looks for the data in this order: already under ``root``; Debian's gzip files
    in ``source_dir`` (decompressed into ``root``); torchvision's download (if
    ``download`` is true).

    Raises:
        DataNotFoundError: if none of these works; the message names both ways
            to get the data.
    """
    root_path = Path(root) if root is not None else default_data_dir()
    if prepare_fashion_mnist(root_path, source_dir):
        return datasets.FashionMNIST(str(root_path), train=train, transform=transform,
                                     download=False)
    if download:
        try:
            return datasets.FashionMNIST(str(root_path), train=train, transform=transform,
                                         download=True)
        except Exception as error:  # no internet: urllib raises several kinds
            reason = f"torchvision's download failed ({type(error).__name__}: {error})"
    else:
        reason = "download=False"
    raise DataNotFoundError(
        f"Fashion-MNIST is not under {root_path} and {reason}. Get it either way: "
        "(1) online, call fashion_mnist(download=True) and torchvision downloads it; "
        "(2) offline on Debian or Ubuntu, `sudo apt-get install dataset-fashion-mnist`, "
        f"which puts the gzip files in {DEBIAN_FASHION_MNIST_DIR}."
    )


def fashion_mnist_tensors(train: bool = True, root: str | Path | None = None,
                          **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole split as tensors: images ``(N, 1, 28, 28)`` float in ``[0, 1]``, labels ``(N,)``.

    Much faster than going through PIL image by image, which matters on a CPU.
    """
    dataset = fashion_mnist(train=train, root=root, **kwargs)
    images = dataset.data.unsqueeze(1).float().div_(255.0)
    return images, dataset.targets.clone()


def random_subset(dataset, size: int | None, seed: int = 0):
    """A reproducible random subset of ``size`` items (the whole dataset if ``size`` is None)."""
    if size is None or size >= len(dataset):
        return dataset
    checks.positive_int("size", size)
    generator = torch.Generator().manual_seed(seed)
    indices = torch.randperm(len(dataset), generator=generator)[:size].tolist()
    return Subset(dataset, indices)
