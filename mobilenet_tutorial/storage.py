"""Writing files atomically: a reader never sees half a file, and a failed write leaves none.

Every file the package writes (weights copied into torchvision's cache, decompressed
Fashion-MNIST, cached features, a saved classifier, an ONNX export, an int8 model) goes
through :func:`atomic_path`: the data is written to a fresh temporary file in the same
folder, which replaces the target in one step (``os.replace``) only once it is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path to write ``target``'s contents to; it becomes ``target`` on success.

    ``with atomic_path("model.pt") as partial: torch.save(state, partial)`` leaves either
    the complete new file at ``model.pt`` or, if the block raises, whatever was there
    before (the partial file is deleted).  The folder is created if needed.  Two writers
    never share a temporary file.
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give the path of a file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
