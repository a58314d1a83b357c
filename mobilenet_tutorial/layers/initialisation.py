"""Weight initialisation: :func:`init_weights_`, shared by every network of the course.

It is torchvision's scheme for its MobileNets and EfficientNets: He (Kaiming)
normal initialisation of convolutions with ``mode="fan_out"``, BatchNorm as the
identity (scale 1, shift 0), zero biases, and a small classifier.  Only the
classifier differs between families, so it is the one argument.
"""

from __future__ import annotations

import math
from typing import Literal

from torch import nn

from .. import checks

__all__ = ["init_weights_"]


def init_weights_(model: nn.Module, linear: Literal["normal", "uniform"] = "normal") -> nn.Module:
    """Initialise ``model``'s Conv2d, BatchNorm2d and Linear layers in place; return ``model``.

    Args:
        model: the network (modules are visited in ``model.modules()`` order, so a
            fixed seed gives the same weights every time).
        linear: ``"normal"`` draws Linear weights from ``N(0, 0.01^2)`` (MobileNets);
            ``"uniform"`` from ``U(-1/sqrt(out), 1/sqrt(out))`` (EfficientNet).

    Modules whose parameters live on the ``meta`` device (shapes only, for counting)
    are skipped: they have no values to set.
    """
    checks.module("model", model)
    if linear not in ("normal", "uniform"):
        raise ValueError(f"linear must be 'normal' or 'uniform', got {linear!r}")
    for module in model.modules():
        if any(p.is_meta for p in module.parameters(recurse=False)):
            continue
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            if linear == "normal":
                nn.init.normal_(module.weight, 0.0, 0.01)
            else:
                bound = 1.0 / math.sqrt(module.out_features)
                nn.init.uniform_(module.weight, -bound, bound)
            nn.init.zeros_(module.bias)
    return model
