"""How far apart two floating-point results may be when they differ only by rounding.

Every floating-point operation rounds its exact result to a representable number, with a
relative error of at most the *unit roundoff* ``u = eps / 2`` (``eps`` is
``torch.finfo(dtype).eps``: ``2**-23``, about ``1.2e-7``, in float32; ``2**-52``, about
``2.2e-16``, in float64).  A sum of ``n`` products, in any order, is within
``gamma_n = n u / (1 - n u)``, about ``n u``, of the exact sum, relative to
``sum |x_i y_i|`` (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
2002, section 3.1).  The order is exactly what changes between CPUs (SIMD widths, oneDNN
and MKL kernels) and thread counts, so two computations of one value each carry such an
error, and differ by at most ``2 n u = n eps`` relative.

:func:`rounding_tolerance` turns this into an absolute tolerance,
``operations * eps * max |reference|``: ``operations`` is the number of rounded operations
accumulated into one result, and ``max |reference|`` stands for the size of the terms.
For a network, :func:`accumulation_length` counts the roundings along a path from input
to output, layer after layer (each layer's fan-in, and 8 for a batch norm): to first order
each layer's rounding is a small relative change of its output that the following layers
carry along.

Two things make this a bound with margin rather than a proof for every input.  The
magnitude of the terms is taken to be that of the result (heavy cancellation would break
it); and the count grows the bound linearly, whereas rounding errors, of random sign, grow
about like the square root of the count.  Measured on MobileNetV2 (count 10,516), two
computations differ by about 10 ``eps * max |reference|``, a thousand times below the
tolerance.  A real bug (a BatchNorm folded wrongly, a kernel in the wrong layout, a
missing epsilon) changes the outputs by far more; where such a bug would be small too,
compare in float64, where the same tolerance is 2**29 (over five hundred million)
times smaller.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import checks

__all__ = ["rounding_tolerance", "accumulation_length", "BATCHNORM_ROUNDINGS"]

_REDUCING = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)

BATCHNORM_ROUNDINGS = 8
"""Roundings of one batch norm in eval mode: add eps, square root, divide, scale by gamma;
``mean * a``, subtract from beta; ``x * a``, add ``b``."""


def rounding_tolerance(reference: torch.Tensor | float, operations: int,
                       dtype: torch.dtype | None = None) -> float:
    """Absolute tolerance for a result that should equal ``reference`` up to rounding.

    Returns ``operations * eps * max |reference|``, with ``eps = torch.finfo(dtype).eps``:
    the largest difference two computations of the same values may show when each rounds
    ``operations`` times (see the module's description for the bound and its margin).

    Args:
        reference: the expected result (a tensor, or a number for a scalar result).
        operations: rounded operations accumulated into one element of the result,
            e.g. the length of a reduction, or :func:`accumulation_length` of a network.
        dtype: the floating-point type the computations run in; by default that of
            ``reference`` (float64 for a Python number).

    Raises:
        ValueError: if ``operations`` is not a positive integer, if ``reference`` is empty
            or not finite, or if the dtype is not a floating-point type.
    """
    checks.positive_int("operations", operations, "the accumulation_length of the model")
    if isinstance(reference, bool):
        raise TypeError("reference must be a tensor or a number, got a bool")
    if isinstance(reference, int | float):  # a Python number is a float64 (a double)
        try:
            values = torch.tensor(float(reference), dtype=torch.float64)
        except OverflowError:
            raise ValueError("the reference is beyond float64's range (no nan or inf)") from None
    else:
        try:
            values = torch.as_tensor(reference).detach()
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"reference must be a tensor or a number, got "
                            f"{type(reference).__name__}") from error
    if dtype is None:
        dtype = values.dtype
    if not dtype.is_floating_point:
        raise ValueError(f"a rounding tolerance needs a floating-point dtype, got {dtype} "
                         "(pass dtype= for an integer reference)")
    if values.numel() == 0:
        raise ValueError("the reference is empty: there is nothing to scale the tolerance by")
    if values.is_complex() or not bool(torch.isfinite(values).all()):
        raise ValueError("the reference must be real and finite (no nan or inf)")
    scale = float(values.abs().max())
    return operations * torch.finfo(dtype).eps * scale


def accumulation_length(model: nn.Module) -> int:
    """Rounded operations accumulated along a path through ``model``, layer after layer.

    Each output of a convolution or linear layer is a sum of ``fan_in`` products
    (``in_channels / groups * kernel area``, or ``in_features``), so it rounds that many
    times.  A batch norm rounds :data:`BATCHNORM_ROUNDINGS` times: in eval mode it computes
    ``x * a + b`` with ``a = gamma / sqrt(var + eps)`` and ``b = beta - mean * a``.
    Stacked layers add their counts.  Activations, residual additions and pooling round
    a few times each and are not counted: the margin of :func:`rounding_tolerance`
    covers them.  Parallel branches are summed as if they were one path, which only
    overcounts.

    Raises:
        TypeError: if ``model`` is not an ``nn.Module``.
        ValueError: if it has no convolution or linear layer.
    """
    checks.module("model", model)
    fan_ins = [module.weight[0].numel() for module in model.modules()
               if isinstance(module, _REDUCING)]
    if not fan_ins:
        raise ValueError(f"{type(model).__name__} has no convolution or linear layer to count")
    norms = sum(isinstance(module, nn.modules.batchnorm._BatchNorm) for module in model.modules())
    return int(sum(fan_ins)) + BATCHNORM_ROUNDINGS * norms
