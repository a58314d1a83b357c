"""Switching a network to evaluation mode for a while, and back exactly as it was.

``model.train(was_training)`` restores only one flag for the whole tree: a backbone
frozen with ``model.features.eval()`` inside a model in training mode (chapter 6) would
come back in training mode, and its BatchNorm statistics would drift.
:func:`evaluating` records the ``training`` flag of every submodule and puts each back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from torch import nn

from . import checks

__all__ = ["training_flags", "evaluating"]


def training_flags(model: nn.Module) -> dict[str, bool]:
    """The ``training`` flag of ``model`` and of every submodule, by name (``""`` is the root)."""
    checks.module("model", model)
    return {name: module.training for name, module in model.named_modules(remove_duplicate=False)}


def evaluating(model: nn.Module) -> AbstractContextManager[nn.Module]:
    """Put ``model`` in eval mode inside the block; afterwards every submodule has its old mode.

    Modules that ``model`` holds twice (shared) are restored once each, to the flag they had.
    ``model`` is checked when ``evaluating`` is called, before any ``with``.
    """
    checks.module("model", model)
    return _evaluating(model)


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[nn.Module]:
    saved = [(module, module.training)
             for _, module in model.named_modules(remove_duplicate=False)]
    model.eval()
    try:
        yield model
    finally:
        for module, flag in saved:
            module.training = flag
