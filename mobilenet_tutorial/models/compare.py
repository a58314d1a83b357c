"""Prove two implementations of a network equal: same state dict, same output.

A freshly initialised network's batch-norm layers are the identity (mean 0,
variance 1, scale 1, shift 0), so a comparison at initialisation would not
notice a wrong ``eps`` or a batch norm applied in the wrong place.
:func:`randomize_batchnorm_` gives them random statistics first;
:func:`max_output_difference` then copies one model's state into the other and
compares their outputs in eval mode.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import checks

__all__ = ["randomize_batchnorm_", "max_output_difference"]


@torch.no_grad()
def randomize_batchnorm_(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every ``BatchNorm2d`` random running statistics and affine parameters, in place.

    Means and shifts are drawn from ``N(0, 0.1^2)``, variances and scales from
    ``U(0.5, 1.5)``, with a generator seeded by ``seed``.  Returns ``model``.
    """
    checks.module("model", model)
    checks.seed("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            if module.affine:
                module.weight.copy_(0.5 + torch.rand(n, generator=generator))
                module.bias.copy_(0.1 * torch.randn(n, generator=generator))
    return model


@torch.no_grad()
def max_output_difference(model: nn.Module, reference: nn.Module, x: torch.Tensor,
                          load_state: bool = True) -> float:
    """Largest ``|model(x) - reference(x)|`` in eval mode, after loading ``reference``'s state.

    With ``load_state`` the reference's state dict is loaded into ``model``
    (strictly: every key must match); both are put in eval mode.  Pass both models and
    ``x`` in float64 (``.double()``) to prove them equal: there two ways of computing the
    same function differ by no more than
    :func:`~mobilenet_tutorial.measure.tolerance.rounding_tolerance` of the output, and a real
    difference stands out by many orders of magnitude.

    Raises:
        RuntimeError: from ``load_state_dict`` if the key names or shapes differ.
    """
    checks.module("model", model)
    checks.module("reference", reference)
    if load_state:
        model.load_state_dict(reference.state_dict())
    model.eval()
    reference.eval()
    return float((model(x) - reference(x)).abs().max())
