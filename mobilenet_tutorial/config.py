"""Run-time settings shared by every chapter.

The only setting today is *quick mode*: when the environment variable
``MOBILENET_TUTORIAL_QUICK`` is set to ``1`` (or ``true``/``yes``), every
notebook runs the same cells on less work (fewer images, epochs or repeats),
so that the test suite finishes in minutes.  The published book runs in full
mode.
"""

from __future__ import annotations

import os
from typing import TypeVar

__all__ = ["QUICK_ENV_VAR", "is_quick", "pick"]

QUICK_ENV_VAR = "MOBILENET_TUTORIAL_QUICK"

T = TypeVar("T")


def is_quick() -> bool:
    """Return ``True`` when quick mode is on (read from the environment each call)."""
    value = os.environ.get(QUICK_ENV_VAR, "").strip().lower()
    return value in {"1", "true", "yes", "on"}


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Example: ``epochs = pick(full=5, quick=1)``.
    """
    return quick if is_quick() else full
