"""How far apart one-process and N-process training may end, by float32 rounding alone.

With BatchNorm's statistics frozen and no dropout, data-parallel SGD computes *the same
numbers* as one process: the local batches of a step together are the one-process batch
(see :mod:`.sharding`), and DistributedDataParallel averages the local mean gradients,
which is the mean gradient over the global batch.  Only the order of the float32
additions changes: a rank sums over its ``B / N`` images, then the all-reduce adds the
``N`` partial sums.  The bound follows :mod:`mobilenet_tutorial.measure.tolerance`:

1. **One gradient element.**  It is reached through the backward pass, which rounds about
   as often as the forward pass along a path (``accumulation_length`` of
   :mod:`mobilenet_tutorial.measure.tolerance`), once forward and once backward; then it is
   summed over every image of the global batch and every position of the layer's output (at
   most ``B * P`` terms, ``P`` the largest output map of a convolution), and the all-reduce
   adds ``N`` partial sums and divides by ``N``.  :func:`gradient_roundings` counts
   ``2 L + B P + N + 1``; the two computations of the element then differ by at most
   ``rounding_tolerance(G, that count)``, ``G`` the largest gradient element seen.
2. **Through SGD with momentum** ``mu``.  A gradient error ``d`` at step ``t`` enters the
   momentum buffer and moves the weights by ``lr * d * (1 + mu + ... + mu**(S - t))``;
   summed over ``S`` steps, the weights may drift by ``lr * d * sum_t (1 - mu**t) /
   (1 - mu)``.
3. **The weights' own rounding.**  Each step stores ``w - lr * v`` as a float32: two runs
   whose exact updates differ by a hair may round to neighbouring float32 numbers, one unit
   in the last place apart, at most ``eps * |w|``; over ``S`` steps, ``S eps W`` with ``W``
   the largest weight.

:func:`training_tolerance` adds the two.

It is a first-order bound: a weight difference also changes the later gradients, by the
curvature of the loss times the difference, a factor ``(1 + lr * curvature)`` per step,
small for a few steps at a small learning rate.  As in the measure module's bound, the
count grows linearly where random rounding errors grow like its square root, which leaves
a wide margin; but the size of a sum's terms is taken to be ``G``, and a gradient element
is often a sum of many terms that largely cancel, which uses up part of that margin
(chapter 11 shows how much is left).  A real bug (a rank training on the wrong shard, a batch split
unevenly, BatchNorm in training mode) changes the gradients by their own size, ``G``
rather than ``count * eps * G``, and lands far outside.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import checks
from ..measure.hooks import trace_calls
from ..measure.tolerance import accumulation_length, rounding_tolerance

__all__ = ["largest_output_map", "gradient_roundings", "momentum_factor", "training_tolerance"]

_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def largest_output_map(model: nn.Module, image_size: int, channels: int = 3) -> int:
    """The most output positions of any convolution of ``model`` for one square input.

    Found with one forward pass of a zero image, in evaluation mode (the model's modes and
    BatchNorm statistics are left as they were).
    """
    checks.module("model", model)
    checks.positive_int("image_size", image_size, "such as 32")
    convolutions = [m for m in model.modules() if isinstance(m, _CONVOLUTIONS)]
    if not convolutions:
        raise ValueError(f"{type(model).__name__} has no convolution to count positions of")
    sizes: list[int] = []
    trace_calls(model, torch.zeros(1, channels, image_size, image_size),
                lambda name, module: isinstance(module, _CONVOLUTIONS),
                lambda name, module, inputs, output: sizes.append(output[0, 0].numel()))
    return max(sizes)


def gradient_roundings(model: nn.Module, global_batch: int, world_size: int,
                       image_size: int) -> int:
    """Rounded operations accumulated into one gradient element: ``2 L + B P + N + 1``.

    ``L`` is :func:`~mobilenet_tutorial.measure.tolerance.accumulation_length` (forward, and
    as many again backward), ``B`` the global batch, ``P`` :func:`largest_output_map`, ``N``
    the number of processes (the all-reduce's additions and its division).
    """
    checks.positive_int("global_batch", global_batch, "such as 64")
    checks.positive_int("world_size", world_size, "the number of processes, such as 2")
    length = accumulation_length(model)
    return 2 * length + global_batch * largest_output_map(model, image_size) + world_size + 1


def momentum_factor(steps: int, momentum: float) -> float:
    """``sum_{t=1..S} (1 - mu**t) / (1 - mu)``: how often one step's gradient error counts.

    For plain SGD (``mu = 0``) it is ``S``; it grows towards ``S / (1 - mu)`` in long runs.
    """
    checks.positive_int("steps", steps, "the number of optimizer steps")
    checks.probability("momentum", momentum, "0 for plain SGD, 0.9 is usual")
    if momentum == 0:
        return float(steps)
    return sum((1 - momentum ** t) / (1 - momentum) for t in range(1, steps + 1))


def training_tolerance(max_gradient: float, roundings: int, steps: int, lr: float,
                       momentum: float, max_weight: float = 0.0) -> float:
    """Largest weight difference rounding alone explains after ``steps`` steps of SGD.

    ``lr * momentum_factor(steps, momentum) * rounding_tolerance(max_gradient, roundings,
    float32) + steps * eps * max_weight``: see the module's description for the derivation
    and its margin.

    Args:
        max_gradient: the largest gradient element (absolute) over the steps.
        roundings: :func:`gradient_roundings` of the model and the run.
        steps: optimizer steps taken.
        lr: the learning rate.
        momentum: SGD's momentum.
        max_weight: the largest weight (absolute), for the rounding of the stored weights.
    """
    checks.non_negative_number("max_gradient", max_gradient, "the largest |gradient| seen")
    checks.positive_number("lr", lr, "the learning rate, such as 0.01")
    checks.non_negative_number("max_weight", max_weight, "the largest |weight|")
    gradient = rounding_tolerance(float(max_gradient), roundings, torch.float32)
    stored = steps * torch.finfo(torch.float32).eps * float(max_weight)
    return lr * momentum_factor(steps, momentum) * gradient + stored
