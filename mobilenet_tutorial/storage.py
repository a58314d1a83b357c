"""Files written whole and read back checked: no half-written file, no silently corrupt one.

Every file the package writes (weights copied into torchvision's cache, decompressed
Fashion-MNIST, cached features, a saved classifier, an ONNX export, an int8 model) goes
through :func:`atomic_path`: the data is written to a fresh temporary file in the same
folder, flushed to disk, and put in the target's place in one step (``os.replace``)
only once it is complete.

Tensor files the package writes for itself (a saved classifier, cached features) carry
a SHA-256 of their tensors (:func:`tensors_digest`): :func:`save_checked` writes one and
:func:`load_checked` refuses a file that cannot be read, lacks the digest or no longer
matches it, with an error that names the file and says to delete it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import torch

from .checks import file_path

__all__ = ["atomic_path", "tensors_digest", "save_checked", "load_checked", "CorruptFileError"]


class CorruptFileError(ValueError):
    """A file the package wrote cannot be trusted any more: unreadable, or changed since."""


def atomic_path(target: str | os.PathLike) -> AbstractContextManager[Path]:
    """A temporary path to write ``target``'s contents to; it becomes ``target`` on success.

    ``with atomic_path("model.pt") as partial: torch.save(state, partial)`` leaves either
    the complete new file at ``model.pt`` or, if the block raises, whatever was there
    before (the partial file is deleted).  The folder is created if needed.  Two writers
    never share a temporary file.  ``target`` is checked when ``atomic_path`` is called.
    """
    target = file_path("target", target)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give the path of a file to write")
    return _atomic_path(target)


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with open(partial, "rb+") as written:  # on disk before it takes the target's name
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def tensors_digest(tensors: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of named tensors: each name, dtype, shape and the bytes, in order."""
    digest = hashlib.sha256()
    for name, tensor in tensors.items():
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name!r} is a {type(tensor).__name__}, not a tensor")
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checked(tensors: Mapping[str, torch.Tensor], path: str | os.PathLike,
                 **info: int | float | str) -> Path:
    """Save named tensors, ``info`` and their :func:`tensors_digest` to ``path``, atomically."""
    path = file_path("path", path)
    content = {"tensors": dict(tensors), "info": info, "sha256": tensors_digest(tensors)}
    with atomic_path(path) as partial:
        torch.save(content, partial)
    return path


def load_checked(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and info of a file :func:`save_checked` wrote, after checking its digest.

    Loading uses ``weights_only=True``, so a file cannot run code.

    Raises:
        FileNotFoundError: if there is no such file.
        CorruptFileError: if the file cannot be read, was not written by
            :func:`save_checked`, or its tensors no longer match their digest.
    """
    path = file_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    fix = "delete it and save (or compute) it again"
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch.load raises many kinds on a bad file
        raise CorruptFileError(f"{path} cannot be read ({type(error).__name__}: {error}); "
                               f"{fix}") from error
    if not (isinstance(content, dict) and set(content) == {"tensors", "info", "sha256"}):
        raise CorruptFileError(f"{path} has no checksum: it was not written by this package's "
                               f"save functions (or by an older version); {fix}")
    if tensors_digest(content["tensors"]) != content["sha256"]:
        raise CorruptFileError(f"{path} has changed since it was written (its SHA-256 no "
                               f"longer matches); {fix}")
    return content["tensors"], content["info"]
