"""How the work of one step is split between processes.

Every process (a *rank*, numbered from 0 to ``world_size - 1``) takes ``global_batch /
world_size`` images per step: :func:`per_process_batch` refuses a global batch that the
number of processes does not divide, since the step would then no longer be the
one-process step.  :func:`shard_sampler` gives a rank its shard of the data through
PyTorch's own ``DistributedSampler``: one permutation, seeded by ``seed + epoch`` and the
same on every rank, dealt out like cards (rank ``r`` takes positions ``r``, ``r + N``,
``r + 2N``, ...).  So the local batches of step ``k`` together are positions ``kB`` to
``(k + 1)B - 1`` of the permutation: exactly the batch one process would take.  A new
epoch needs ``sampler.set_epoch(epoch)``, or every epoch repeats the first one's order.
"""

from __future__ import annotations

from torch.utils.data import Dataset, DistributedSampler

from .. import checks

__all__ = ["per_process_batch", "shard_sampler", "steps_per_epoch", "position_in_epoch"]


def per_process_batch(global_batch: int, world_size: int) -> int:
    """Images per process and step: ``global_batch / world_size``, which must be whole.

    Raises:
        ValueError: if either is not a positive integer, or if ``world_size`` does not
            divide ``global_batch`` (the message gives the nearest batches that work).
    """
    checks.positive_int("global_batch", global_batch, "such as 64")
    checks.positive_int("world_size", world_size, "the number of processes, such as 2")
    if global_batch % world_size:
        lower = global_batch - global_batch % world_size
        upper = lower + world_size
        choices = f"{lower} or {upper}" if lower else f"{upper}"
        raise ValueError(
            f"the global batch size {global_batch} cannot be split evenly between "
            f"{world_size} processes: choose a multiple of {world_size} (such as {choices}) "
            "or another number of processes")
    return global_batch // world_size


def shard_sampler(dataset: Dataset, world_size: int, rank: int, seed: int) -> DistributedSampler:
    """Rank ``rank``'s ``DistributedSampler``: shuffled with ``seed``, the tail dropped.

    ``drop_last=True`` drops the few indices that would not fill every rank equally, so no
    image is seen twice in an epoch (the default pads by repeating some).
    """
    checks.positive_int("world_size", world_size, "the number of processes, such as 2")
    if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < world_size:
        raise ValueError(f"rank must be a whole number from 0 to {world_size - 1} "
                         f"(world_size - 1), got {checks.shown(rank)}")
    checks.seed("seed", seed)
    return DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True,
                              seed=seed, drop_last=True)


def steps_per_epoch(dataset_size: int, global_batch: int) -> int:
    """Full global batches in one epoch of ``dataset_size`` images (a partial one is dropped).

    The same for any number of processes that divides ``global_batch``.

    Raises:
        ValueError: if the dataset holds fewer images than one global batch.
    """
    checks.positive_int("dataset_size", dataset_size, "the number of training images")
    checks.positive_int("global_batch", global_batch, "such as 64")
    if dataset_size < global_batch:
        raise ValueError(f"the dataset holds {dataset_size} images, fewer than one global batch "
                         f"of {global_batch}: use more images or a smaller batch")
    return dataset_size // global_batch


def position_in_epoch(step: int, per_epoch: int) -> tuple[int, int]:
    """``(epoch, batches already taken in it)`` for the ``step``-th step, counted from 0."""
    checks.count("step", step, "the number of steps already taken")
    checks.positive_int("per_epoch", per_epoch, "steps in one epoch")
    return divmod(step, per_epoch)
