"""Exercise checks for chapter 11, *More than one process*.

Every check prints a pass or a hint (never the answer) and returns ``True`` or
``False``.  An answer left as ``None`` simply fails with a hint.

1. :func:`check_padded_shards`: how many indices each of 3 ranks gets from a 1,000-image
   dataset with ``DistributedSampler``'s default padding, and how many repeat.
2. :func:`check_shard`: a function that deals one rank's shard out of a permutation as
   ``DistributedSampler(drop_last=True)`` does.
3. :func:`check_gradient_tolerance`: how far two summation orders may put one float32
   gradient element apart.
4. :func:`check_scaled_run`: the global batch and the learning rate, by the linear scaling
   rule, when a run grows from 2 to 8 processes with the same batch per process.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.data import DistributedSampler

from ..measure.tolerance import rounding_tolerance
from .core import ANY, Mistake, Tolerance, as_numbers, attempt, check_answer, report, time_limited

__all__ = ["EXERCISES", "check_padded_shards", "check_shard", "check_gradient_tolerance",
           "check_scaled_run"]

_IMAGES, _RANKS = 1000, 3
_TERMS, _LARGEST = 8192, 0.5
_LOCAL_BATCH, _FROM_RANKS, _TO_RANKS, _LR = 32, 2, 8, 0.1
#: (dataset size, number of processes, epoch) the shard function is tried on.
_SHARD_CASES = ((10, 3, 0), (12, 2, 1), (7, 1, 0), (9, 4, 3), (16, 4, 2))


def _padded_shards() -> tuple[int, int]:
    samplers = [DistributedSampler(range(_IMAGES), num_replicas=_RANKS, rank=r, shuffle=False)
                for r in range(_RANKS)]
    per_rank = len(samplers[0])
    return per_rank, per_rank * _RANKS - _IMAGES


@time_limited
def check_padded_shards(answer: object) -> bool:
    """Exercise 1: ``(indices per rank, indices repeated)`` for 1,000 images on 3 ranks, padded."""
    return check_answer(
        answer, "Exercise 1 (padded shards)",
        parse=lambda pair: as_numbers(pair, count=2, whole=True),
        missing="replace None with two whole numbers: (indices per rank, indices repeated).",
        expected=_padded_shards,
        mistakes=lambda pair: [
            Mistake((pair[0] - 1, ANY), "that is what drop_last=True keeps; by default the "
                                        "sampler pads, so that every rank gets as many as "
                                        "the largest share."),
            Mistake((pair[0], ANY), "the indices per rank are right; now count how many the "
                                    "ranks receive together, against the dataset's size."),
            Mistake((ANY, pair[1]), "the repeats are right; each rank gets the dataset's size "
                                    "divided by the ranks, rounded up."),
        ],
        otherwise="read DistributedSampler's num_samples and total_size: divide 1,000 by 3, "
                  "rounding up, and compare the ranks' total with 1,000.")


def _expected_shard(indices: list[int], rank: int, world_size: int) -> list[int]:
    sampler = DistributedSampler(indices, num_replicas=world_size, rank=rank, shuffle=False,
                                 drop_last=True)
    return [indices[i] for i in sampler]


@time_limited
def check_shard(shard: Callable[[list[int], int, int], object] | None) -> bool:
    """Exercise 2: ``shard(indices, rank, world_size)`` deals as ``DistributedSampler`` does."""
    name = "Exercise 2 (dealing the shards)"
    if not callable(shard):
        return report(False, name, "replace None with a function shard(indices, rank, "
                                   "world_size) that returns a list.")
    for size, world_size, epoch in _SHARD_CASES:
        permutation = torch.randperm(size, generator=torch.Generator().manual_seed(epoch))
        indices = permutation.tolist()
        for rank in range(world_size):
            got, error = attempt(shard, list(indices), rank, world_size)
            if error is not None:
                return report(False, name, f"your function raised {error}")
            try:
                got = [int(i) for i in got]  # type: ignore[union-attr]
            except (TypeError, ValueError):
                return report(False, name, "return a list of indices (whole numbers).")
            expected = _expected_shard(indices, rank, world_size)
            if got == expected:
                continue
            usable = size - size % world_size
            if sorted(got) == sorted(expected):
                return report(False, name, "the right indices in the wrong order: keep the "
                                           "permutation's order.")
            if got == indices[rank:usable:world_size] + indices[usable:][rank:rank + 1]:
                return report(False, name, "every rank must get equally many indices: drop "
                                           "the tail that would not fill all of them.")
            share = usable // world_size
            if got == indices[rank * share:(rank + 1) * share]:
                return report(False, name, "DistributedSampler does not cut the permutation "
                                           "into blocks: it deals it out like cards.")
            return report(False, name, f"for {size} indices on {world_size} processes, rank "
                                       f"{rank} got {len(got)} indices, not its shard: drop "
                                       "the tail, then deal.")
    return report(True, name, "")


@time_limited
def check_gradient_tolerance(answer: object) -> bool:
    """Exercise 3: the float32 rounding tolerance of a sum of 8,192 terms of size up to 0.5."""
    eps32, eps64 = torch.finfo(torch.float32).eps, torch.finfo(torch.float64).eps
    return check_answer(
        answer, "Exercise 3 (a gradient element's tolerance)", tolerance=Tolerance(1e-3),
        missing="replace None with a number: the tolerance, in the gradient's own units.",
        expected=lambda: rounding_tolerance(_LARGEST, _TERMS, torch.float32),
        mistakes=[
            Mistake(_TERMS * eps32 * _LARGEST / 2,
                    "two computations each carry a rounding error: the bound uses eps, not "
                    "the unit roundoff eps / 2."),
            Mistake(_TERMS * eps64 * _LARGEST, "the gradient is float32: use float32's eps."),
            Mistake(_TERMS * eps32, "scale by the size of the terms too."),
            Mistake(eps32 * _LARGEST, "that is one rounding; the sum rounds once per term."),
        ],
        otherwise="use rounding_tolerance(reference, operations, dtype): the terms' size, the "
                  "number of roundings, float32.")


@time_limited
def check_scaled_run(answer: object) -> bool:
    """Exercise 4: ``(global batch, learning rate)`` for 8 processes of 32 images, linear rule."""
    before, after = _LOCAL_BATCH * _FROM_RANKS, _LOCAL_BATCH * _TO_RANKS
    scaled = _LR * after / before
    return check_answer(
        answer, "Exercise 4 (more processes, same batch per process)",
        tolerance=Tolerance(relative=1e-6),
        parse=lambda pair: as_numbers(pair, count=2),
        missing="replace None with two numbers: (global batch, learning rate).",
        expected=(after, scaled),
        mistakes=[
            Mistake((after, _LR), "the global batch is right, but it grew: by the linear "
                                  "scaling rule the learning rate grows with it."),
            Mistake((after, _LR * (after / before) ** 0.5),
                    "that is square-root scaling; the linear rule scales the rate in "
                    "proportion to the batch."),
            Mistake((before, ANY), "the batch per process stays the same, so the global batch "
                                   "grows with the number of processes."),
            Mistake((_LOCAL_BATCH, ANY), "that is the batch of one process; the global batch "
                                         "counts every process's images."),
        ],
        otherwise="multiply the batch per process by the number of processes, and the "
                  "learning rate by the factor the global batch grew.")


#: The checks in exercise order: the classroom grader's exercise ids are ``ch11.exK``.
EXERCISES = {
    "ex1": check_padded_shards,
    "ex2": check_shard,
    "ex3": check_gradient_tolerance,
    "ex4": check_scaled_run,
}
