"""Count what a model costs: parameters, and multiply-accumulates (MACs) measured with hooks.

:func:`count_macs` runs one forward pass on a zero input and, through forward
hooks on every ``nn.Conv2d`` and ``nn.Linear``, adds up the MACs each one
performs.  Convolutions of any kernel, stride, padding, dilation or group count
are handled, because the hook reads the output shape that PyTorch actually
produced.  :func:`layer_table` shows the same count layer by layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from .. import checks
from .hooks import checked_input_size, trace_calls, zeros_for

__all__ = ["count_params", "count_macs", "layer_table", "layer_kind", "layer_macs", "LayerCost"]


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters in ``model`` (buffers such as BatchNorm running statistics excluded).

    Args:
        model: any ``nn.Module``.
        trainable_only: count only parameters with ``requires_grad=True``.
    """
    checks.module("model", model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def layer_kind(module: nn.Module) -> str:
    """A short human name for a layer's type, as the MobileNet papers group them.

    Returns one of ``"conv KxK"`` (a full convolution), ``"depthwise KxK"``,
    ``"grouped KxK"``, ``"pointwise 1x1"``, ``"linear"``, or the class name.
    """
    checks.module("module", module)
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        size = f"{kh}x{kw}"
        if module.groups == 1:
            return "pointwise 1x1" if (kh, kw) == (1, 1) else f"conv {size}"
        if module.groups == module.in_channels and module.out_channels % module.in_channels == 0:
            return f"depthwise {size}"
        return f"grouped {size}"
    if isinstance(module, nn.Linear):
        return "linear"
    return type(module).__name__


@dataclass(frozen=True)
class LayerCost:
    """The cost of one layer in one forward pass."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


def layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-accumulates one call of a ``Conv2d`` or ``Linear`` layer did to give ``output``.

    Each output element of a convolution is a sum over its window, ``kh * kw`` positions
    of ``in_channels / groups`` channels; each of a linear layer, a sum over
    ``in_features``.  Reading the output's real shape covers any stride, padding,
    dilation and batch size.

    Raises:
        TypeError: if ``module`` is neither an ``nn.Conv2d`` nor an ``nn.Linear``.
    """
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output.numel() * kh * kw * module.in_channels // module.groups
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    raise TypeError(f"layer_macs counts nn.Conv2d and nn.Linear layers, got "
                    f"{type(module).__name__}")


def _counted(name: str, module: nn.Module) -> bool:
    return isinstance(module, (nn.Conv2d, nn.Linear))


def _layer_costs(model: nn.Module, input_size: Sequence[int]) -> list[LayerCost]:
    size = checked_input_size(model, input_size)
    example = zeros_for(model, size)
    costs: list[LayerCost] = []

    def record(name: str, module: nn.Module, inputs: tuple[torch.Tensor, ...],
               output: torch.Tensor) -> None:
        params = sum(p.numel() for p in module.parameters(recurse=False))
        costs.append(LayerCost(name, layer_kind(module), tuple(output.shape), params,
                               layer_macs(module, output)))

    try:
        trace_calls(model, example, _counted, record)
    except RuntimeError as error:  # a shape the model cannot take, found by running it
        raise ValueError(f"the model cannot run on an input of size {size}: {error}") from error
    return costs


def count_macs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> int:
    """Multiply-accumulates of every ``Conv2d`` and ``Linear`` layer in one forward pass.

    The count covers the whole input, batch included: a batch of 8 costs 8 times
    a batch of 1.  Other layers (BatchNorm, activations, pooling, additions) are
    not counted, following the MobileNet papers.

    Args:
        model: the network; it is run once in eval mode, then every submodule gets its
            own mode back (a frozen part in eval mode stays so).
        input_size: shape of the input, ``(batch, channels, height, width)``.

    Raises:
        TypeError: if ``model`` is not an ``nn.Module``.
        ValueError: if ``input_size`` is not a shape of positive whole sizes, has the
            wrong rank or channel count for the model, or the model cannot run on it.
    """
    return sum(c.macs for c in _layer_costs(model, input_size))


def layer_table(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> pd.DataFrame:
    """One row per ``Conv2d`` and ``Linear`` layer: name, kind, output shape, params, MACs, share.

    The ``mac_share`` and ``param_share`` columns are percentages of the counted
    layers' totals.  The result is a ``pandas.DataFrame``, shown as a table in Jupyter.
    """
    costs = _layer_costs(model, input_size)
    frame = pd.DataFrame(
        {
            "name": [c.name for c in costs],
            "kind": [c.kind for c in costs],
            "output_shape": [c.output_shape for c in costs],
            "params": [c.params for c in costs],
            "macs": [c.macs for c in costs],
        }
    )
    total_macs = max(int(frame["macs"].sum()), 1)
    total_params = max(int(frame["params"].sum()), 1)
    frame["mac_share"] = 100.0 * frame["macs"] / total_macs
    frame["param_share"] = 100.0 * frame["params"] / total_params
    return frame
