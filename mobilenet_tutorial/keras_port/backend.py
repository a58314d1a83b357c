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

__all__ = ["keras", "backend_name"]


def backend_name() -> str:
    """The backend Keras runs on (``"torch"`` unless ``KERAS_BACKEND`` said otherwise)."""
    return keras.backend.backend()
