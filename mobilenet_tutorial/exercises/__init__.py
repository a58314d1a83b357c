"""Checks for the exercises at the end of each chapter.

Each chapter has a module, ``exercises.chNN``, whose ``check_*`` functions take
a student's answer and print either a clear pass or a hint that does not give
the answer away.  They return ``True`` or ``False`` too, so a teacher can grade
a notebook automatically.  They need nothing but the package, so they work in
Colab as well.
"""

from __future__ import annotations

import math

__all__ = ["report", "close_enough", "is_number"]


def report(passed: bool, exercise: str, hint: str) -> bool:
    """Print a pass, or ``hint``, for ``exercise``; return ``passed``."""
    if passed:
        print(f"✅ {exercise}: correct.")
    else:
        print(f"❌ {exercise}: not yet. Hint: {hint}")
    return passed


def is_number(answer: object) -> bool:
    """True if ``answer`` is a finite real number (``True``/``False`` do not count)."""
    if isinstance(answer, bool):
        return False
    try:
        return math.isfinite(float(answer))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def close_enough(answer: object, expected: float, rel_tol: float = 1e-6) -> bool:
    """True if ``answer`` is a real number within ``rel_tol`` (relative) of ``expected``."""
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isclose(value, expected, rel_tol=rel_tol, abs_tol=1e-12)
