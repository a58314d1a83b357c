"""Mish (Misra, 2019): a smooth, non-monotonic activation, ``x * tanh(softplus(x))``.

Mish is unbounded above, bounded below and smooth everywhere.  Its minimum is about
``-0.30884``, at ``x`` about ``-1.1924``: a small negative dip that ReLU6 does not have.
PyTorch ships the same function as ``torch.nn.Mish``.  :func:`mish` writes the formula
out, op by op; :class:`Mish`, the layer the networks use, computes the same function with
PyTorch's fused kernel (``torch.nn.functional.mish``), because the three separate ops
(softplus, tanh, product) each read and write the whole tensor and make training about
two to three times slower in this layer.  The tests check that the two agree.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Mish", "mish"]


def mish(x: torch.Tensor) -> torch.Tensor:
    """``x * tanh(softplus(x))``, elementwise (Misra, 2019, arXiv 1908.08681, Eq. 1)."""
    return x * torch.tanh(nn.functional.softplus(x))


class Mish(nn.Module):
    """The Mish activation as a layer, ``x * tanh(softplus(x))`` (see :func:`mish`),
    computed by PyTorch's fused kernel.

    Args:
        inplace: accepted so that ``Mish`` can stand wherever ``nn.ReLU6(inplace=True)``
            is built; the result is always a new tensor.

    Reference: D. Misra, *Mish: A Self Regularized Non-Monotonic Activation Function*,
    arXiv 1908.08681 (2019; BMVC 2020).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.mish(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
