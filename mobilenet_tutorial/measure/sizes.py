"""Sizes on disk: of a file, and of a model's saved weights, in megabytes (10**6 bytes)."""

from __future__ import annotations

import io
import os

import torch
from torch import nn

from .. import checks

__all__ = ["file_size_mb", "state_dict_mb"]


def file_size_mb(path: str | os.PathLike) -> float:
    """Size of a file in megabytes (10**6 bytes).

    Raises:
        TypeError: if ``path`` is not a ``str`` or ``os.PathLike``.
        FileNotFoundError: if there is no file at ``path``.
    """
    path = checks.file_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not a file: save the model there first")
    return path.stat().st_size / 1e6


def state_dict_mb(model: nn.Module) -> float:
    """Size in megabytes of ``model``'s ``state_dict`` saved with ``torch.save``."""
    checks.module("model", model)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6

