"""Fashion-MNIST loading: offline from gzip IDX files, the Debian files, and the error message."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
import torch
from torchvision import datasets

from mobilenet_tutorial.data import fashion as data

TRAIN_IMAGES = torch.arange(3 * 28 * 28, dtype=torch.int64).remainder(256).to(torch.uint8)
TRAIN_IMAGES = TRAIN_IMAGES.reshape(3, 28, 28)
TRAIN_LABELS = torch.tensor([9, 0, 3], dtype=torch.uint8)
TEST_IMAGES = torch.full((2, 28, 28), 255, dtype=torch.uint8)
TEST_LABELS = torch.tensor([1, 7], dtype=torch.uint8)


def _write_idx(path: Path, array: torch.Tensor) -> None:
    """Write ``array`` (uint8) as a gzip IDX file: magic 0x0800+ndim, sizes, bytes."""
    header = struct.pack(">I", 0x0800 + array.ndim)
    header += b"".join(struct.pack(">I", size) for size in array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.numpy().tobytes())


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A directory laid out like Debian's, holding a tiny Fashion-MNIST."""
    folder = tmp_path / "source"
    folder.mkdir()
    _write_idx(folder / "train-images-idx3-ubyte.gz", TRAIN_IMAGES)
    _write_idx(folder / "train-labels-idx1-ubyte.gz", TRAIN_LABELS)
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", TEST_IMAGES)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", TEST_LABELS)
    return folder


@pytest.fixture
def no_download(monkeypatch):
    """Make any download attempt by torchvision fail loudly."""
    def refuse(self):
        raise AssertionError("torchvision tried to download")
    monkeypatch.setattr(datasets.FashionMNIST, "download", refuse)


def test_offline_from_gzip_idx_files(tmp_path, source, no_download):
    root = tmp_path / "root"
    train = data.fashion_mnist(train=True, root=root, source_dir=source)
    test = data.fashion_mnist(train=False, root=root, source_dir=source)
    assert isinstance(train, datasets.FashionMNIST)
    assert len(train) == 3 and len(test) == 2
    assert torch.equal(train.data, TRAIN_IMAGES)
    assert train.targets.tolist() == [9, 0, 3]
    assert test.targets.tolist() == [1, 7]
    # The raw folder holds the decompressed files, as torchvision's own download leaves them.
    raw = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(data._RAW_FILES)
    with gzip.open(source / "t10k-labels-idx1-ubyte.gz", "rb") as file:
        assert (raw / "t10k-labels-idx1-ubyte").read_bytes() == file.read()
    image, label = train[1]
    assert image.size == (28, 28) and label == 0


def test_tensors(tmp_path, source, no_download):
    images, labels = data.fashion_mnist_tensors(train=True, root=tmp_path, source_dir=source)
    assert images.shape == (3, 1, 28, 28) and images.dtype == torch.float32
    assert torch.equal(images[:, 0], TRAIN_IMAGES.float() / 255)
    assert labels.tolist() == [9, 0, 3]
    images, _ = data.fashion_mnist_tensors(train=False, root=tmp_path, source_dir=source)
    assert images.max().item() == 1.0


def test_prepare_twice_keeps_the_files(tmp_path, source):
    assert data.prepare_fashion_mnist(tmp_path, source)
    raw = tmp_path / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    before = raw.stat().st_mtime_ns
    assert data.prepare_fashion_mnist(tmp_path, source_dir=tmp_path / "nowhere")
    assert raw.stat().st_mtime_ns == before


def test_prepare_without_source_writes_nothing(tmp_path):
    assert not data.prepare_fashion_mnist(tmp_path / "root", tmp_path / "nowhere")
    assert not (tmp_path / "root").exists()


def test_corrupt_file_is_reported_and_not_kept(tmp_path, source):
    _write_idx(source / "train-labels-idx1-ubyte.gz", TRAIN_IMAGES)  # images where labels go
    with pytest.raises(ValueError, match="does not hold an IDX label file"):
        data.prepare_fashion_mnist(tmp_path, source)
    raw = tmp_path / "FashionMNIST" / "raw"
    assert not (raw / "train-labels-idx1-ubyte").exists()
    assert not list(raw.glob("*.partial"))


def test_truncated_file_is_reported(tmp_path, source):
    header = struct.pack(">IIII", 0x0803, 5, 28, 28)  # announces 5 images, holds 1
    with gzip.open(source / "t10k-images-idx3-ubyte.gz", "wb") as file:
        file.write(header + bytes(28 * 28))
    with pytest.raises(ValueError, match="truncated"):
        data.prepare_fashion_mnist(tmp_path, source)


def test_not_gzip_is_reported(tmp_path, source):
    (source / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not a gzip file")
    with pytest.raises(ValueError, match="could not be decompressed"):
        data.prepare_fashion_mnist(tmp_path, source)


def _assert_names_both_ways(message: str) -> None:
    assert "download=True" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert str(data.DEBIAN_FASHION_MNIST_DIR) in message


def test_error_when_download_is_off(tmp_path):
    with pytest.raises(data.DataNotFoundError) as info:
        data.fashion_mnist(root=tmp_path, source_dir=tmp_path / "nowhere", download=False)
    message = str(info.value)
    assert "download=False" in message and str(tmp_path) in message
    _assert_names_both_ways(message)


def test_error_when_download_fails(tmp_path, monkeypatch):
    def fail(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")
    monkeypatch.setattr(datasets.FashionMNIST, "download", fail)
    with pytest.raises(data.DataNotFoundError) as info:
        data.fashion_mnist(root=tmp_path, source_dir=tmp_path / "nowhere")
    message = str(info.value)
    assert "download failed (RuntimeError: Error downloading" in message
    _assert_names_both_ways(message)
    assert isinstance(info.value, FileNotFoundError)


@pytest.mark.skipif(not all((data.DEBIAN_FASHION_MNIST_DIR / f"{name}.gz").is_file()
                            for name in data._RAW_FILES),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_files(tmp_path, no_download):
    train = data.fashion_mnist(train=True, root=tmp_path)
    test = data.fashion_mnist(train=False, root=tmp_path)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert torch.bincount(train.targets).tolist() == [6000] * 10
    assert torch.bincount(test.targets).tolist() == [1000] * 10
    assert train.classes[train.targets[0]] == "Ankle boot"


def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBILENET_TUTORIAL_DATA", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    monkeypatch.delenv("MOBILENET_TUTORIAL_DATA")
    assert data.default_data_dir().parts[-2:] == ("mobilenet_tutorial", "data")


def test_random_subset():
    items = list(range(100))
    first = data.random_subset(items, 10, seed=1)
    assert len(first) == 10 and len(set(first.indices)) == 10
    assert first.indices == data.random_subset(items, 10, seed=1).indices
    assert first.indices != data.random_subset(items, 10, seed=2).indices
    assert data.random_subset(items, None) is items
    assert data.random_subset(items, 500) is items
    with pytest.raises(ValueError, match="size must be a positive integer"):
        data.random_subset(items, 0)


def test_a_damaged_file_in_place_is_rewritten_from_the_source(tmp_path, source, no_download):
    assert data.prepare_fashion_mnist(tmp_path, source)
    raw = tmp_path / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte"
    raw.write_bytes(b"")  # emptied, as an interrupted copy by hand would leave it
    assert data.prepare_fashion_mnist(tmp_path, source)
    assert data.fashion_mnist(root=tmp_path, source_dir=source).targets.tolist() == [9, 0, 3]


def test_a_damaged_file_without_a_source_says_to_delete_it(tmp_path, source):
    assert data.prepare_fashion_mnist(tmp_path, source)
    raw = tmp_path / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    raw.write_bytes(raw.read_bytes()[:-10])
    with pytest.raises(ValueError, match="delete .*t10k-images-idx3-ubyte"):
        data.prepare_fashion_mnist(tmp_path, source_dir=tmp_path / "nowhere")


def test_images_and_labels_of_different_counts_are_refused(tmp_path, source):
    _write_idx(source / "train-labels-idx1-ubyte.gz", TRAIN_LABELS[:2])  # 3 images, 2 labels
    with pytest.raises(ValueError, match="3 train images but 2 labels"):
        data.prepare_fashion_mnist(tmp_path, source)
