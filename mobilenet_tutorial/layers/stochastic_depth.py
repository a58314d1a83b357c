"""Stochastic depth (Huang et al., 2016): :class:`StochasticDepth` drops whole residual branches.

While training, each sample's residual branch is dropped with probability ``p`` and the
survivors are divided by ``1 - p``, so the expected output is unchanged; in eval mode it is
the identity.  EfficientNet raises ``p`` linearly from 0 to 0.2 along the network.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import probability

__all__ = ["StochasticDepth"]


class StochasticDepth(nn.Module):
    """Drop the residual branch of each sample with probability ``p`` while training.

    Raises:
        ValueError: if ``p`` (the drop probability) is not in ``[0, 1)``.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        probability("p (the drop probability)", p, "0 keeps every branch")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype, device=x.device)
        return x * mask.bernoulli_(keep).div_(keep)

    def extra_repr(self) -> str:
        return f"p={self.p}"
