"""Numbers from this run, pasted into the book's prose by myst-nb's ``glue``.

A sentence such as "int8 ran 5.3x faster" is true only for the run that printed it. So a
chapter never types such a number: a code cell computes it and glues it under a name, and
the markdown cell pastes it with the role ``{glue:text}`name``` (or ``{glue:text}`name:.2f```
to format a number). The book is built from executed notebooks, so the prose always shows
the numbers of the run beside it.

:func:`glue` is myst-nb's own :func:`myst_nb.glue`, stored without display, with two
additions: it returns the value (so a cell can glue and use it in one line), and where
myst-nb is not installed (Google Colab) it does nothing, because no book is built there.
A verdict drawn from the data is glued as a sentence the cell chose, for example
``glue("ch8_goal", "reached" if speedup >= 10 else "not reached")``.
"""

from __future__ import annotations

import re
from typing import TypeVar

import numpy as np
import torch

__all__ = ["NAME_PATTERN", "glue"]

T = TypeVar("T")

#: A glue name: lower-case letters, digits and underscores, starting with a letter.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def glue(name: str, value: T) -> T:
    """Store ``value`` under ``name`` for the book's ``{glue:text}`name``` roles; return it.

    ``name`` must match :data:`NAME_PATTERN` (the roles split on ``:``, so a name cannot
    hold one). Strings are pasted without quotes; numbers can be formatted in the role.
    A NumPy or one-element torch scalar is stored as the Python number it holds, because
    the role reads the stored text back as a number (``np.float64(2.5)`` would not parse).
    The value returned is the one given.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'speedup_int8', got {type(name).__name__}")
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"name must be lower-case letters, digits and underscores, starting with a "
            f"letter (the role splits on ':'), got {name!r}"
        )
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab: no book is built, nothing to store
        return value
    myst_glue(name, _plain(value), display=False)
    return value


def _plain(value: object) -> object:
    """A one-value NumPy scalar, array or torch tensor as a Python number; else unchanged."""
    if isinstance(value, (np.generic, np.ndarray)) and value.size == 1:
        return value.item()
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value
