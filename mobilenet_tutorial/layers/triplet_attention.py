"""Triplet Attention (Misra, Nalamada, Arasanipalai and Hou, WACV 2021, "Rotate to Attend").

A feature map ``(N, C, H, W)`` has three pairs of dimensions: ``(H, W)``, ``(C, W)`` and
``(C, H)``.  Triplet Attention computes one gate per pair, each the same way, in a
*branch* (:class:`AttentionGate`):

1. *Z-pool*: reduce the remaining dimension to two maps, its maximum and its mean;
2. a ``7x7`` convolution from those 2 maps to 1, then batch norm (one channel);
3. a sigmoid, giving a gate in ``(0, 1)`` over the pair.

The ``(C, W)`` and ``(C, H)`` branches first *rotate* the tensor (permute ``C`` with ``H``,
or ``C`` with ``W``) so that the same 2-D convolution sees the pair, and rotate the gate
back.  The block's output is the input times the average of the three gates.

A branch has ``2 * 7 * 7 = 98`` convolution weights and 2 batch-norm parameters: 100,
whatever the number of channels, so the layer adds 300 parameters wherever it goes.
Its cost is not in parameters but in the ``7x7`` convolutions over ``H x W``, ``C x W``
and ``C x H`` maps, and in the rotations, which copy the tensor.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import positive_int

__all__ = ["z_pool", "AttentionGate", "TripletAttention", "BRANCH_PARAMS"]

BRANCH_PARAMS = 2 * 7 * 7 + 2
"""Parameters of one branch with the paper's ``7x7`` kernel: 98 weights, a BN scale and shift."""


def z_pool(x: torch.Tensor) -> torch.Tensor:
    """Dimension 1 of ``x`` reduced to two channels: its maximum, then its mean."""
    return torch.cat((x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)), dim=1)


class AttentionGate(nn.Module):
    """One branch of Triplet Attention: Z-pool, ``k x k`` convolution 2 -> 1, BN, sigmoid.

    ``forward`` returns the gate, shape ``(N, 1, A, B)`` for an input ``(N, D, A, B)``,
    not the gated input: :class:`TripletAttention` rotates it back and combines the three.

    Args:
        kernel_size: of the convolution, odd (7 in the paper).
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        positive_int("kernel_size", kernel_size, "7 as in the paper")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that the gate keeps the map's size "
                             f"(7 in the paper), got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=1e-5, momentum=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.bn(self.conv(z_pool(x))))


class TripletAttention(nn.Module):
    """Triplet Attention: the input times the mean of three gates, over ``(H, W)``,
    ``(C, W)`` and ``(C, H)``.

    The three gates are ``(N, 1, H, W)``, ``(N, C, 1, W)`` and ``(N, C, H, 1)`` after
    rotating back; ``x * (g_hw + g_cw + g_hc) / 3`` equals the paper's average of the
    three gated tensors.  The channel count is not needed: the layer has
    ``3 * BRANCH_PARAMS`` = 300 parameters for any input.  ``channels`` is accepted (and
    ignored) so that it can be built as ``TripletAttention(channels)`` like an SE layer.

    Args:
        channels: ignored (the official code takes it too).
        kernel_size: of each branch's convolution (7 in the paper).
        spatial: keep the plain ``(H, W)`` branch (``False`` leaves two branches, the
            paper's "no spatial" ablation).

    Reference: D. Misra, T. Nalamada, A. U. Arasanipalai, Q. Hou, *Rotate to Attend:
    Convolutional Triplet Attention Module*, WACV 2021 (arXiv 2010.03045); code
    ``landskape-ai/triplet-attention``.
    """

    def __init__(self, channels: int | None = None, kernel_size: int = 7,
                 spatial: bool = True) -> None:
        super().__init__()
        self.cw = AttentionGate(kernel_size)  # C with H rotated: the gate sees (C, W)
        self.hc = AttentionGate(kernel_size)  # C with W rotated: the gate sees (H, C)
        self.hw = AttentionGate(kernel_size) if spatial else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"TripletAttention takes (N, C, H, W) tensors, got shape "
                             f"{tuple(x.shape)}")
        gate = self.cw(x.permute(0, 2, 1, 3)).permute(0, 2, 1, 3)  # (N, C, 1, W)
        gate = gate + self.hc(x.permute(0, 3, 2, 1)).permute(0, 3, 2, 1)  # + (N, C, H, 1)
        if self.hw is None:
            return x * (gate / 2)
        gate = gate + self.hw(x)  # + (N, 1, H, W)
        return x * (gate / 3)
