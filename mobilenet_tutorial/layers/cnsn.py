"""CrossNorm and SelfNorm (Tang, Gao, Zhou, Kwok and Ye, ICCV 2021).

Both work on the *instance statistics* of a feature map, the mean and standard deviation
of each channel of each image over its ``H x W`` positions (:func:`instance_stats`),
which carry much of an image's "style" (colour, contrast, texture).

- :class:`CrossNorm` *enlarges* the training distribution: during training it gives each
  image the channel statistics of another image of the batch,
  ``(x - mu_i) / sigma_i * sigma_j + mu_j``.  It is the identity in evaluation.
- :class:`SelfNorm` *narrows* the test distribution: a small learned gate per channel looks
  at ``(mu, sigma)`` and rescales both, ``(x - mu) * g + mu * f`` with ``f, g`` in
  ``(0, 1)``.  It stays on at test time.

The paper's claim is robustness to distribution shift (ImageNet-C), not a higher clean
accuracy.
"""

from __future__ import annotations

import torch
from torch import nn

from ..checks import positive_int, probability

__all__ = ["instance_stats", "CrossNorm", "SelfNorm"]


def instance_stats(x: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image and channel of ``x`` ``(N, C, H, W)``: mean and ``sqrt(var + eps)``, each
    ``(N, C, 1, 1)`` (the unbiased variance, as the official code takes it)."""
    if x.dim() != 4:
        raise ValueError(f"instance statistics need (N, C, H, W) tensors, got shape "
                         f"{tuple(x.shape)}")
    flat = x.flatten(2)
    mean = flat.mean(dim=2)[..., None, None]
    std = (flat.var(dim=2) + eps).sqrt()[..., None, None]
    return mean, std


class CrossNorm(nn.Module):
    """CrossNorm: in training, each image takes another image's channel means and stds.

    With probability ``p`` per forward call (in training mode only), the batch is paired
    with a random permutation of itself and image ``i`` becomes
    ``(x_i - mu_i) / sigma_i * sigma_j + mu_j`` where ``j = perm[i]``.  In evaluation mode,
    and in the calls it skips, it returns its input unchanged.  It has no parameters.
    The random draws use torch's generator, so :func:`torch.manual_seed` makes them
    repeatable.  (The official code activates a random subset of its CrossNorm layers per
    step; one probability per layer is the same idea, simpler to state.)

    Args:
        p: probability of mixing in a training forward call (``0 <= p < 1``; :meth:`mix`
            mixes always).
        eps: added to the variance.

    Reference: Z. Tang, Y. Gao, Y. Zhu, Z. Zhang, M. Li, D. Metaxas, *CrossNorm and
    SelfNorm for Generalization under Distribution Shifts*, ICCV 2021 (arXiv 2102.02811);
    code ``amazon-science/crossnorm-selfnorm``.
    """

    def __init__(self, p: float = 0.5, eps: float = 1e-5) -> None:
        super().__init__()
        probability("p", p, "0.5 mixes in half of the training steps")
        self.p, self.eps = float(p), eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0 or x.shape[0] < 2:
            return x
        if torch.rand(()).item() >= self.p:
            return x
        perm = torch.randperm(x.shape[0], device=x.device)
        return self.mix(x, perm)

    def mix(self, x: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
        """``x`` with image ``i`` given the statistics of image ``perm[i]`` (no randomness)."""
        mean, std = instance_stats(x, self.eps)
        return (x - mean) / std * std[perm] + mean[perm]

    def extra_repr(self) -> str:
        return f"p={self.p}"


class SelfNorm(nn.Module):
    """SelfNorm: a learned gate per channel rescales its instance mean and deviation.

    For each image and channel the statistics ``(mu, sigma)`` go through two tiny
    "fully connected" maps, one weight per statistic and channel (a grouped ``Conv1d``
    with kernel 2), each followed by batch norm and a sigmoid: a gate ``g`` for the
    deviation and ``f`` for the mean.  The output is ``(x - mu) * g + mu * f``: the same
    normalised content, with deviation ``g * sigma`` and mean ``f * mu``.
    ``8 * channels`` parameters: ``2 * channels`` weights and ``2 * channels`` BN
    parameters per gate.

    Args:
        channels: channels of the input.
        eps: added to the variance.

    Reference: Tang et al., ICCV 2021 (see :class:`CrossNorm`).
    """

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        positive_int("channels", channels, "the channel count of the feature map it follows")
        self.channels, self.eps = channels, eps
        self.g_fc = nn.Conv1d(channels, channels, 2, groups=channels, bias=False)
        self.g_bn = nn.BatchNorm1d(channels)
        self.f_fc = nn.Conv1d(channels, channels, 2, groups=channels, bias=False)
        self.f_bn = nn.BatchNorm1d(channels)

    def gates(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The mean ``mu`` and the gates ``f`` (for the mean) and ``g`` (for the deviation),
        each ``(N, C, 1, 1)``."""
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"SelfNorm({self.channels}) takes (N, {self.channels}, H, W) "
                             f"tensors, got shape {tuple(x.shape)}")
        mean, std = instance_stats(x, self.eps)
        stats = torch.cat((mean.flatten(2), std.flatten(2)), dim=2)  # (N, C, 2)
        g = torch.sigmoid(self.g_bn(self.g_fc(stats)))[..., None]
        f = torch.sigmoid(self.f_bn(self.f_fc(stats)))[..., None]
        return mean, f, g

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, f, g = self.gates(x)
        return (x - mean) * g + mean * f

    def extra_repr(self) -> str:
        return f"{self.channels}"
