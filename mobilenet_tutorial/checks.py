"""Argument checks shared by the layers, the networks and their builders.

Every check raises :class:`ValueError` with a message that names the bad argument, shows
the value it got and says what to pass instead, so that a mistake in a notebook cell
explains itself.  Booleans never count as numbers here (``True`` is not one class); NumPy's
integers and floats do (a count read from a table is an ``np.int64``).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["shown", "count", "positive_int", "positive_number", "non_negative_number",
           "probability", "one_of", "file_path", "module", "seed", "size", "number_tuple"]


LARGEST_INT = 2**31 - 1
"""The largest size, count or channel number the checks accept (torch's int32 range)."""


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters (``10**400`` has 401)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else f"{text[:limit - 5]}...{text[-2:]}"


def positive_int(name: str, value: object, hint: str = "such as 1 or 8") -> int:
    """Return ``value`` if it is a whole number from 1 to :data:`LARGEST_INT`; else raise.

    The error names ``name``.  Example: ``positive_int("num_classes", 0, "1000 for
    ImageNet")`` raises ``num_classes must be a positive integer (1000 for ImageNet), got 0``.
    The upper bound keeps a value such as ``10**400`` from overflowing later, deep in a
    float computation or in torch.
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1
            or value > LARGEST_INT):
        raise ValueError(f"{name} must be a positive integer ({hint}), got {shown(value)}")
    return int(value)


def count(name: str, value: object, hint: str = "such as 0 or 500") -> int:
    """Return ``value`` if it is a whole number from 0 to :data:`LARGEST_INT`; else raise."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0
            or value > LARGEST_INT):
        raise ValueError(f"{name} must be a whole number of at least 0 ({hint}), got "
                         f"{shown(value)}")
    return int(value)


def positive_number(name: str, value: object, hint: str = "such as 1.0") -> float:
    """Return ``value`` if it is a finite real number above 0; else raise naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not _finite(value) or value <= 0):
        raise ValueError(f"{name} must be a positive number ({hint}), got {shown(value)}")
    return value


def non_negative_number(name: str, value: object, hint: str = "such as 0 or 1.5") -> float:
    """Return ``value`` if it is a finite real number of at least 0; else raise naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not _finite(value) or value < 0):
        raise ValueError(f"{name} must be a number of at least 0 ({hint}), got {shown(value)}")
    return value


def _finite(value: float) -> bool:
    """``math.isfinite``, but an int too large for a float is not finite (no OverflowError)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def probability(name: str, value: object, hint: str = "0 turns it off") -> float:
    """Return ``value`` if it is a number in ``[0, 1)``; else raise naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be a number in [0, 1) ({hint}), got {shown(value)}")
    return value


def one_of(name: str, value: object, choices: Iterable[object]) -> object:
    """Return ``value`` if it is among ``choices``; else raise listing them."""
    options = list(choices)
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in options)}, "
                         f"got {shown(value)}")
    return value


def file_path(name: str, value: object) -> Path:
    """``value`` as a ``Path`` if it is a ``str`` or ``os.PathLike``; else raise naming ``name``.

    An ``int`` is refused on purpose: ``open(1)`` would take it for a file descriptor and
    close the notebook's own output when done.
    """
    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)) or value == "":
        raise TypeError(f"{name} must be the path of a file (a str or pathlib.Path), got "
                        f"{shown(value)}")
    return Path(value)


def module(name: str, value: object) -> Any:
    """``value`` if it is a ``torch.nn.Module``; else raise ``TypeError`` naming ``name``."""
    from torch import nn  # here, so that the checks stay importable without torch loaded

    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module (a layer or a network), got "
                        f"{type(value).__name__}")
    return value


def seed(name: str, value: object) -> int:
    """``value`` if it is a whole number from 0 to 2**64 - 1 (a random seed); else raise."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or not 0 <= value < 2**64):
        raise ValueError(f"{name} must be a whole number from 0 to 2**64 - 1, such as 0, got "
                         f"{shown(value)}")
    return int(value)


def size(name: str, value: object, length: int | None = None,
         hint: str = "such as (1, 3, 224, 224)") -> tuple[int, ...]:
    """``value`` as a tuple of positive whole numbers (a tensor size); else raise naming ``name``.

    A tuple, list or ``torch.Size`` of ``length`` numbers (any number but none if ``length``
    is ``None``), each from 1 to :data:`LARGEST_INT`.  Example: ``size("input_size", [])``
    raises ``input_size must be a tuple of positive integers (such as (1, 3, 224, 224)), got []``.
    """
    ok = isinstance(value, (tuple, list)) and len(value) > 0 and (
        length is None or len(value) == length)
    if ok:
        try:
            return tuple(positive_int(f"{name}[{i}]", v) for i, v in enumerate(value))
        except ValueError:
            pass
    count = "" if length is None else f" {length}"
    raise ValueError(f"{name} must be a tuple of{count} positive integers ({hint}), got "
                     f"{shown(value)}")


def number_tuple(name: str, value: object, length: int, positive: bool = False,
            hint: str = "such as (0.485, 0.456, 0.406)") -> tuple[float, ...]:
    """``value`` as a tuple of ``length`` finite real numbers (above 0 with ``positive``).

    For per-channel constants such as a mean and a standard deviation; anything else
    raises ``ValueError`` naming ``name``.
    """
    ok = (isinstance(value, (tuple, list)) and len(value) == length
          and all(not isinstance(v, bool) and isinstance(v, numbers.Real) and _finite(v)
                  and (v > 0 or not positive) for v in value))
    if not ok:
        kind = "positive numbers" if positive else "finite numbers"
        raise ValueError(f"{name} must be a tuple of {length} {kind} ({hint}), got {shown(value)}")
    return tuple(float(v) for v in value)
