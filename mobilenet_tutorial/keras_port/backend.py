"""Keras, imported once for all of :mod:`mobilenet_tutorial.keras_port`, its backend chosen.

Keras picks its backend when it is first imported.  This module sets the environment
variable ``KERAS_BACKEND`` to ``"torch"`` *only if it is unset*
(``os.environ.setdefault``), then imports Keras; every other module of the folder takes
``keras`` from here.  If Keras was already imported with another backend, or
``KERAS_BACKEND`` names another one, that backend is kept: the counting and the port
work the same on any backend.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402  (the backend must be chosen before this import)
import torch  # noqa: E402
from torch import nn  # noqa: E402

__all__ = ["keras", "backend_name", "require_keras_model", "require_torch_module",
           "require_image_batch"]


def backend_name() -> str:
    """The backend Keras runs on (``"torch"`` unless ``KERAS_BACKEND`` said otherwise)."""
    return keras.backend.backend()


def require_keras_model(name: str, value: object) -> keras.Model:
    """``value`` if it is a ``keras.Model``; else a ``TypeError`` naming ``name``."""
    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model (e.g. keras.applications.MobileNetV2("
                        f"weights=None)), got {type(value).__name__}")
    return value


def require_torch_module(name: str, value: object) -> nn.Module:
    """``value`` if it is a PyTorch ``nn.Module`` (a Keras model is not); else a ``TypeError``."""
    if isinstance(value, keras.Model) or not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a PyTorch nn.Module (e.g. "
                        f"torchvision.models.mobilenet_v2()), got {type(value).__name__}")
    return value


def require_image_batch(name: str, value: object) -> torch.Tensor:
    """``value`` if it is a 4-D tensor ``(N, C, H, W)`` with at least one image; else raise."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a 4-D torch.Tensor (N, C, H, W), got "
                        f"{type(value).__name__}")
    if value.ndim != 4 or value.shape[0] == 0:
        raise ValueError(f"{name} must be a 4-D tensor (N, C, H, W) holding at least one image, "
                         f"got shape {tuple(value.shape)}")
    return value
