"""Metrics of the whole global batch, reported the same by every process.

Each rank sees only its own images.  :func:`global_metrics` sums, over every rank, the
loss summed over its images, the number it classified right and the number it saw (one
``all_reduce`` of three float64 numbers), then divides: every rank gets the loss and the
accuracy of the whole global batch, the numbers one process would have printed.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

__all__ = ["global_metrics"]


def global_metrics(loss_sum: torch.Tensor | float, correct: torch.Tensor | int,
                   count: int) -> tuple[float, float]:
    """``(mean loss, accuracy)`` over the images of every process.

    Args:
        loss_sum: this rank's loss summed over its images (not averaged).
        correct: how many of them this rank classified right.
        count: how many images this rank saw.

    Without an initialised process group (one process, no torchrun) it is the local
    ``(loss_sum / count, correct / count)``.

    Raises:
        ValueError: if ``count`` is not a positive integer.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer (this rank's images), got {count!r}")
    totals = torch.tensor([float(loss_sum), float(correct), float(count)], dtype=torch.float64)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(totals, op=dist.ReduceOp.SUM)
    loss, right, seen = totals.tolist()
    return loss / seen, right / seen
