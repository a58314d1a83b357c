"""Reading a network's architecture: tables of its blocks and the memory they hold.

- :func:`block_table`: the layers of a MobileNetV3-style network as the MobileNetV3
  paper tabulates them (input, operator, exp, out, SE, NL, stride), found by a forward pass;
- :func:`block_memory`: per inverted-residual block, the tensors inference must hold,
  streamed or not (the MobileNetV2 paper's Section 5).

Both work on any network built from :mod:`mobilenet_tutorial.layers`.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from .. import checks
from ..layers.activation import activation_label
from ..layers.conv import ConvNormActivation
from ..layers.inverted_residual import InvertedResidual
from .hooks import trace_calls, zeros_for

__all__ = ["block_table", "block_memory"]


def block_table(model: nn.Module, input_size: tuple[int, int, int, int] = (1, 3, 224, 224)
                ) -> pd.DataFrame:
    """The architecture of ``model`` as the MobileNetV3 paper tabulates it, one row per layer.

    Columns: ``module`` (its name), ``input`` (``HxWxC`` seen by the layer),
    ``operator``, ``exp`` (expanded channels), ``out``, ``SE``, ``NL``
    (nonlinearity, the paper's abbreviation) and ``stride``.  Rows are the
    :class:`~mobilenet_tutorial.layers.ConvNormActivation` layers outside the blocks
    (stem and head) and every :class:`~mobilenet_tutorial.layers.InvertedResidual`,
    found by running one forward pass of zeros (in eval mode) through forward hooks.
    """
    checks.module("model", model)
    rows: list[dict[str, object]] = []
    inside_block: set[int] = set()
    for module in model.modules():
        if isinstance(module, InvertedResidual):
            inside_block.update(id(m) for m in module.modules() if m is not module)

    def describe(name: str, mod: nn.Module, inputs: tuple[torch.Tensor, ...],
                 output: torch.Tensor) -> None:
        _, channels, height, width = inputs[0].shape
        row: dict[str, object] = {"module": name, "input": f"{height}x{width}x{channels}"}
        if isinstance(mod, InvertedResidual):
            c = mod.config
            row.update(operator=f"bneck, {c.kernel_size}x{c.kernel_size}",
                       exp=c.expanded_channels, out=c.out_channels, SE=c.uses_se,
                       NL=activation_label(c.activation), stride=c.stride)
        else:
            conv = mod[0]
            k = conv.kernel_size[0]
            row.update(operator=f"conv2d, {k}x{k}", exp=None, out=conv.out_channels,
                       SE=False, NL=activation_label(mod[2] if len(mod) > 2 else None),
                       stride=conv.stride[0])
        rows.append(row)

    def outside_blocks(name: str, module: nn.Module) -> bool:
        return (id(module) not in inside_block
                and isinstance(module, (InvertedResidual, ConvNormActivation)))

    trace_calls(model, zeros_for(model, input_size), outside_blocks, describe)
    frame = pd.DataFrame(rows)
    frame["exp"] = frame["exp"].astype("Int64")
    return frame


def block_memory(model: nn.Module, image_size: int = 224) -> list[dict[str, int | str]]:
    """For each inverted residual block, the tensors inference must hold, in elements.

    Runs one ``(1, 3, image_size, image_size)`` input through ``model`` (a MobileNetV2,
    say) and records, per block:

    - ``inverted``: input + output, the peak of an inverted residual block when
      the expansion is computed in slices and never held whole (the paper's Section 5);
    - ``expanded``: the expanded tensor ``t * c_in`` at the input's resolution, which a
      naive implementation holds on top of the input;
    - ``classic``: a classic residual bottleneck with the same structure but its wide
      tensors at the ends: ``t * c_in`` channels in and ``t * c_out`` out, both held.

    Raises:
        ValueError: if ``image_size`` is smaller than 32 (the network downsamples 32×).
    """
    if image_size < 32:
        raise ValueError(f"image_size must be at least 32 (the network downsamples 32 times), "
                         f"got {image_size}")
    rows: list[dict[str, int | str]] = []

    def record(name: str, module: nn.Module, inputs: tuple[torch.Tensor, ...],
               output: torch.Tensor) -> None:
        assert isinstance(module, InvertedResidual)
        x = inputs[0]
        _, c_in, h_in, w_in = x.shape
        _, c_out, h_out, w_out = output.shape
        t = module.expand_ratio
        rows.append({
            "block": name,
            "t": t,
            "shape_in": f"{c_in}×{h_in}×{w_in}",
            "shape_out": f"{c_out}×{h_out}×{w_out}",
            "inverted": x.numel() + output.numel(),
            "expanded": module.hidden_channels * h_in * w_in,
            "classic": int(module.hidden_channels * h_in * w_in
                           + round(t * c_out) * h_out * w_out),
        })

    trace_calls(model, torch.zeros(1, 3, image_size, image_size),
                lambda name, module: isinstance(module, InvertedResidual), record)
    return rows
