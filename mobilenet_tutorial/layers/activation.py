"""The one activation vocabulary: names, the papers' abbreviations, and the layer classes.

The course's code passes activations as callables that build a module (``nn.ReLU6``,
``nn.Hardswish``), as torchvision does.  Where a table or a reader writes a name instead,
:func:`activation_layer` turns it into the class, and :func:`activation_label` turns a
layer back into the abbreviation the MobileNetV3 paper prints:

=============== ========= ===================
name            paper     class
=============== ========= ===================
``relu``        ``RE``    ``nn.ReLU``
``relu6``       ``RE6``   ``nn.ReLU6``
``hardswish``   ``HS``    ``nn.Hardswish``
``silu``        ``SiLU``  ``nn.SiLU`` (swish)
``mish``        --        :class:`~.mish.Mish` (chapter 9)
``sigmoid``     --        ``nn.Sigmoid``
``hardsigmoid`` --        ``nn.Hardsigmoid``
=============== ========= ===================
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .mish import Mish

__all__ = ["ACTIVATIONS", "PAPER_NAMES", "ActivationLayer", "activation_layer",
           "activation_label"]

ActivationLayer = Callable[..., nn.Module]
"""What builds an activation module: a class such as ``nn.ReLU6`` or a ``functools.partial``."""

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "hardswish": nn.Hardswish,
    "silu": nn.SiLU,
    "mish": Mish,
    "sigmoid": nn.Sigmoid,
    "hardsigmoid": nn.Hardsigmoid,
}
"""Activation names and their classes."""

PAPER_NAMES: dict[str, str] = {"RE": "relu", "RE6": "relu6", "HS": "hardswish", "SiLU": "silu"}
"""The papers' abbreviations (MobileNetV3's NL column) and the names they stand for."""

_LABELS = {ACTIVATIONS[name]: label for label, name in PAPER_NAMES.items()}


def activation_layer(spec: str | ActivationLayer | None) -> ActivationLayer | None:
    """The callable that builds the activation ``spec`` names; ``None`` stays ``None``.

    ``spec`` may be a name (``"hardswish"``), a paper abbreviation (``"HS"``) or already a
    callable (``nn.Hardswish``, returned unchanged).

    Raises:
        ValueError: on a name that is neither, listing the names that work.
    """
    if spec is None or callable(spec):
        return spec
    name = PAPER_NAMES.get(spec, spec) if isinstance(spec, str) else spec
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {spec!r}: use one of {', '.join(ACTIVATIONS)}, "
                         f"a paper abbreviation ({', '.join(PAPER_NAMES)}) or a class such "
                         "as nn.ReLU6")
    return ACTIVATIONS[name]


def activation_label(layer: nn.Module | ActivationLayer | None) -> str:
    """The paper's abbreviation of an activation (``"HS"`` for ``nn.Hardswish``).

    Accepts a module or a class; activations without an abbreviation give their class
    name in lower case, and ``None`` gives ``"none"``.
    """
    if layer is None:
        return "none"
    cls = layer if isinstance(layer, type) else type(layer)
    return _LABELS.get(cls, cls.__name__.lower())
