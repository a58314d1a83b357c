"""Argument checks shared by the layers, the networks and their builders.

Every check raises :class:`ValueError` with a message that names the bad argument, shows
the value it got and says what to pass instead, so that a mistake in a notebook cell
explains itself.  Booleans never count as numbers here (``True`` is not one class).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["positive_int", "positive_number", "probability", "one_of"]


def positive_int(name: str, value: object, hint: str = "such as 1 or 8") -> int:
    """Return ``value`` if it is a whole number of at least 1; else raise naming ``name``.

    Example: ``positive_int("num_classes", 0, "1000 for ImageNet")`` raises
    ``num_classes must be a positive integer (1000 for ImageNet), got 0``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({hint}), got {value!r}")
    return value


def positive_number(name: str, value: object, hint: str = "such as 1.0") -> float:
    """Return ``value`` if it is a finite real number above 0; else raise naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"{name} must be a positive number {hint}, got {value!r}")
    return value


def probability(name: str, value: object, hint: str = "0 turns it off") -> float:
    """Return ``value`` if it is a number in ``[0, 1)``; else raise naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be a number in [0, 1) ({hint}), got {value!r}")
    return value


def one_of(name: str, value: object, choices: Iterable[object]) -> object:
    """Return ``value`` if it is among ``choices``; else raise listing them."""
    options = list(choices)
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in options)}, "
                         f"got {value!r}")
    return value
