"""Rounding weights to int8 with error compensation (GPTQ), instead of to the nearest level.

Post-training quantization usually rounds every weight to the nearest multiple of its
channel's scale.  Each rounding error is small, but a layer's output sums hundreds of them.
GPTQ (Frantar et al., ICLR 2023) rounds the inputs of a layer one at a time and, after each,
changes the weights not yet rounded so that the layer's output on real inputs moves as
little as possible.  What "as little as possible" means comes from the layer's inputs on
calibration images: for a layer ``y = W x``, the error ``(W - Q) x`` has the mean square
``trace((W - Q) H (W - Q)^T) / n`` with ``H = sum x x^T``, and the optimal update after
rounding input ``i`` follows from the inverse of ``H`` (its Cholesky factor).

:func:`gptq_round` does this for every ``Conv2d`` and ``Linear`` of a model.  The result is
an ordinary float model whose weights already lie on the grid of a per-channel symmetric
int8 quantizer with the scale ``max|w_c| / 127`` (the largest weight of each output channel
is kept as it is, so the scale does not change).  A quantizer with that rule, such as NNCF's
for OpenVINO (a unit test checks it, beyond the first layer, which NNCF gives 7-bit weights
by default), then keeps the rounding that GPTQ chose.  Only the weights change; what the
engines do with activations is theirs.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .. import checks
from ..measure.counting import layer_kind
from .quantization import fake_quantize_per_channel

__all__ = ["GptqRounding", "gptq_round", "gptq_round_rows"]


class GptqRounding(NamedTuple):
    """What :func:`gptq_round` returns."""

    model: nn.Module
    """A copy of the model, with every Conv2d and Linear weight on its int8 grid."""
    layers: pd.DataFrame
    """One row per layer: ``name``, ``kind``, and the relative output error on the
    calibration inputs with round-to-nearest (``nearest_error``) and with GPTQ
    (``gptq_error``): ``||(W - Q) X|| / ||W X||``."""


def _levels(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 2:
        raise ValueError(f"bits must be an integer of at least 2, got {bits!r}")
    return 2 ** (bits - 1) - 1


def gptq_round_rows(weight: torch.Tensor, hessian: torch.Tensor, bits: int = 8,
                    damping: float = 0.01) -> torch.Tensor:
    """Round the rows of weight matrices to a symmetric per-row grid, compensating the error.

    Args:
        weight: ``(groups, rows, inputs)`` or ``(rows, inputs)``: the rows of each group
            share one matrix ``hessian``.
        hessian: ``(groups, inputs, inputs)`` or ``(inputs, inputs)``: ``sum x x^T`` over
            the layer's inputs ``x``, symmetric and positive semi-definite.
        bits: the integer width; each row's scale is ``max|w| / (2**(bits-1) - 1)``.
        damping: added to the diagonal, as a fraction of its mean, so that the matrix can
            be inverted when inputs are correlated or constant.

    Returns:
        The rounded weights, the shape of ``weight``: every value is an integer multiple
        of its row's scale, and each row's largest ``|w|`` is unchanged.

    Raises:
        ValueError: if the shapes do not match, ``bits`` is below 2 or ``damping`` is not
            positive.
    """
    levels = _levels(bits)
    if not damping > 0:
        raise ValueError(f"damping must be positive, got {damping!r}")
    single = weight.dim() == 2
    w = (weight.unsqueeze(0) if single else weight).to(torch.float64).clone()
    h = (hessian.unsqueeze(0) if hessian.dim() == 2 else hessian).to(torch.float64).clone()
    if w.dim() != 3 or h.dim() != 3 or h.shape != (w.shape[0], w.shape[2], w.shape[2]):
        raise ValueError(f"weight (groups, rows, inputs) {tuple(weight.shape)} and hessian "
                         f"(groups, inputs, inputs) {tuple(hessian.shape)} do not match")
    groups, _, inputs = w.shape
    original = w.clone()
    scale = original.abs().amax(2, keepdim=True).clamp_min(torch.finfo(torch.float64).tiny)
    scale = scale / levels
    largest = original.abs().argmax(2)  # kept exactly: it fixes the row's scale
    diagonal = torch.diagonal(h, dim1=1, dim2=2)
    diagonal[diagonal == 0] = 1.0  # an input that is always zero: nothing to compensate
    diagonal += damping * diagonal.mean(1, keepdim=True)
    inverse = torch.cholesky_inverse(torch.linalg.cholesky(h))
    upper = torch.linalg.cholesky(inverse, upper=True)  # (groups, inputs, inputs)
    rounded = torch.empty_like(w)
    for i in range(inputs):
        column = w[:, :, i]
        q = torch.round(column / scale[:, :, 0]).clamp(-levels, levels) * scale[:, :, 0]
        pinned = largest == i
        q[pinned] = original[:, :, i][pinned]
        rounded[:, :, i] = q
        error = (column - q) / upper[:, i, i].unsqueeze(1)  # (groups, rows)
        w[:, :, i + 1:] -= error.unsqueeze(2) * upper[:, i, i + 1:].unsqueeze(1)
    rounded = rounded.to(weight.dtype)
    return rounded[0] if single else rounded


def _layer_inputs(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The inputs of ``layer`` as ``(groups, positions, inputs per group)``."""
    if isinstance(layer, nn.Linear):
        return x.reshape(1, -1, x.shape[-1])
    groups = layer.groups
    columns = F.unfold(x, layer.kernel_size, dilation=layer.dilation, padding=layer.padding,
                       stride=layer.stride)  # (N, C * k * k, L)
    n, d, positions = columns.shape
    columns = columns.reshape(n, groups, d // groups, positions)
    return columns.permute(1, 0, 3, 2).reshape(groups, n * positions, d // groups)


def _supported(layer: nn.Module) -> bool:
    if isinstance(layer, nn.Linear):
        return True
    return isinstance(layer, nn.Conv2d) and layer.padding_mode == "zeros" and isinstance(
        layer.padding, tuple)


def gptq_round(model: nn.Module, images: torch.Tensor, bits: int = 8, damping: float = 0.01,
               batch_size: int = 8) -> GptqRounding:
    """A copy of ``model`` with every Conv2d and Linear weight rounded by GPTQ.

    One pass over ``images`` (in batches of ``batch_size``, no autograd) records each
    layer's ``H = sum x x^T`` on the inputs the float model gives it; then every layer is
    rounded with :func:`gptq_round_rows`, all groups of a grouped (depthwise) convolution
    at once, each with its own ``H``.  Convolutions with a string padding (``"same"``) or a
    padding mode other than zeros are left as they are.  ``model`` itself is left as it was.

    Raises:
        ValueError: if ``images`` is not a non-empty batch, ``batch_size`` is not a
            positive integer, or the model has no layer to round.
    """
    checks.positive_int("batch_size", batch_size)
    _levels(bits)
    if images.dim() < 2 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch, got shape {tuple(images.shape)}")
    rounded_model = copy.deepcopy(model).eval()
    layers = [(name, layer) for name, layer in rounded_model.named_modules()
              if isinstance(layer, (nn.Conv2d, nn.Linear)) and _supported(layer)]
    if not layers:
        raise ValueError("the model has no Conv2d or Linear layer to round")
    hessians: dict[nn.Module, torch.Tensor] = {}

    def record(layer: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        x = _layer_inputs(layer, inputs[0].detach().to(torch.float64))
        h = x.transpose(1, 2) @ x
        hessians[layer] = hessians[layer] + h if layer in hessians else h

    hooks = [layer.register_forward_pre_hook(record) for _, layer in layers]
    try:
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                rounded_model(images[start:start + batch_size])
    finally:
        for hook in hooks:
            hook.remove()
    rows = []
    with torch.no_grad():
        for name, layer in layers:
            if layer not in hessians:  # not reached by the forward pass
                continue
            weight = layer.weight.detach()
            groups = layer.groups if isinstance(layer, nn.Conv2d) else 1
            matrix = weight.reshape(groups, weight.shape[0] // groups, -1).to(torch.float64)
            h = hessians[layer]
            q = gptq_round_rows(matrix, h, bits=bits, damping=damping)
            nearest = fake_quantize_per_channel(matrix.reshape(-1, matrix.shape[-1]),
                                                bits).reshape(matrix.shape)

            def output_error(candidate: torch.Tensor, m: torch.Tensor = matrix,
                             h: torch.Tensor = h) -> float:
                delta = candidate - m
                num = torch.einsum("gri,gij,grj->", delta, h, delta)
                return float((num / torch.einsum("gri,gij,grj->", m, h, m)).sqrt())

            rows.append({"name": name, "kind": layer_kind(layer),
                         "nearest_error": output_error(nearest), "gptq_error": output_error(q)})
            layer.weight.copy_(q.reshape(weight.shape).to(weight.dtype))
    return GptqRounding(rounded_model, pd.DataFrame(rows))

