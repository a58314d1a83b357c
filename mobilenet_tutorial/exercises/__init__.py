"""Checks for the exercises at the end of each chapter, and the one core they share.

Each chapter has a module, ``exercises.chNN``, whose ``check_*`` functions take
a student's answer and print either a clear pass or a hint that does not give
the answer away.  They return ``True`` or ``False`` too, so a teacher can grade
a notebook automatically.  They need nothing but the package, so they work in
Colab as well.

Every check is a declaration: the expected value, the mistakes students are known to
make with their hints, and the general hint.  :mod:`.core` does the parsing, the
comparing and the reporting; its names are importable from this package too.
"""

from . import core
from .core import *  # noqa: F403  (the core's names, from the package as before)

__all__ = list(core.__all__)
