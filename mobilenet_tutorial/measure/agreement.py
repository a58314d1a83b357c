"""How closely one model's logits follow another's: the one measure chapters 7 and 8 share.

A port (chapter 7) or a faster version (chapter 8) of a network should give the same
answers as the original.  :func:`logit_agreement` compares two batches of logits image
by image: how far apart the numbers are, and how often the predictions are the same.
"""

from __future__ import annotations

import torch

__all__ = ["logit_agreement"]


def logit_agreement(reference: torch.Tensor, candidate: torch.Tensor) -> dict[str, float]:
    """How closely ``candidate`` logits follow ``reference`` logits, ``(N, classes)`` each.

    Computed in float64, so that the comparison adds no rounding of its own.

    Returns:
        A dict of five numbers:

        - ``max_abs_diff`` and ``mean_abs_diff``: the largest and the mean absolute
          difference of any logit;
        - ``top1_agreement``: the fraction of images whose best class is the same;
        - ``top5_overlap``: the mean fraction of the reference's five best classes that
          are also among the candidate's five best (1.0 when every image keeps its top 5,
          in any order);
        - ``same_top5``: the fraction of images whose five best classes are the same and
          in the same order.

    Raises:
        ValueError: if the two are not of one shape ``(N, classes)`` with ``N >= 1`` and
            ``classes >= 5``.
    """
    if not isinstance(reference, torch.Tensor) or not isinstance(candidate, torch.Tensor):
        raise TypeError(f"reference and candidate must be tensors of logits, got "
                        f"{type(reference).__name__} and {type(candidate).__name__}")
    if reference.shape != candidate.shape or reference.dim() != 2 or len(reference) == 0:
        raise ValueError(f"reference and candidate must be two (N, classes) logit tensors of "
                         f"one shape, got {tuple(reference.shape)} and {tuple(candidate.shape)}")
    if reference.shape[1] < 5:
        raise ValueError(f"the top-5 measures need at least 5 classes, got {reference.shape[1]}")
    reference = reference.detach().cpu().double()
    candidate = candidate.detach().cpu().double()
    difference = (reference - candidate).abs()
    top_ref = reference.topk(5, dim=1).indices
    top_cand = candidate.topk(5, dim=1).indices
    shared = (top_ref.unsqueeze(2) == top_cand.unsqueeze(1)).any(2)
    return {
        "max_abs_diff": float(difference.max()),
        "mean_abs_diff": float(difference.mean()),
        "top1_agreement": float((top_ref[:, 0] == top_cand[:, 0]).double().mean()),
        "top5_overlap": float(shared.double().mean()),
        "same_top5": float((top_ref == top_cand).all(dim=1).double().mean()),
    }
