"""Data-parallel training on several processes (chapter 11): ``torch.distributed`` and torchrun.

The pieces, each small enough to read next to the chapter:

- :mod:`.sharding`: the per-process batch (refused when the processes do not divide the
  global batch), ``DistributedSampler`` shards and where a step falls in its epoch;
- :mod:`.metrics`: loss and accuracy summed over every process, so each one reports the
  global value;
- :mod:`.checkpoint`: model, optimizer, step, sampler epoch and random states, written by
  rank 0 only, atomically and with a SHA-256 (:func:`mobilenet_tutorial.storage.save_checked`);
- :mod:`.tolerance`: how far one-process and N-process weights may drift apart by float32
  rounding alone, derived from the work each gradient element sums;
- :mod:`.data`: Fashion-MNIST as small normalised tensors, the same on every process;
- :mod:`.train`: the entry point, ``torchrun --standalone --nproc-per-node=N -m
  mobilenet_tutorial.distributed.train --steps S --global-batch-size B --seed 0 --bn frozen
  --checkpoint PATH [--resume]``.
"""

from . import checkpoint, data, metrics, sharding, tolerance
from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .metrics import global_metrics
from .sharding import per_process_batch, position_in_epoch, shard_sampler
from .tolerance import gradient_roundings, training_tolerance

__all__ = ["checkpoint", "data", "metrics", "sharding", "tolerance", "Checkpoint",
           "load_checkpoint", "save_checkpoint", "global_metrics", "per_process_batch",
           "position_in_epoch", "shard_sampler", "gradient_roundings", "training_tolerance"]
