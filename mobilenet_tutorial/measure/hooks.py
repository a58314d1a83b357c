"""One forward pass with hooks: see every call of chosen layers, then leave the model as it was.

Counting multiply-adds, tabulating blocks, measuring memory and finding a roofline all
need the same thing: the input and output of chosen layers on one forward pass.
:func:`trace_calls` is that pass, written once: it puts the model in eval mode, runs it
without gradients, hands each call of a chosen layer to a callback, and then removes
every hook and restores the training mode of every submodule, even if the pass fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from .. import checks
from ..modes import evaluating

__all__ = ["OnCall", "checked_input_size", "trace_calls", "zeros_for"]

OnCall = Callable[[str, nn.Module, tuple[torch.Tensor, ...], torch.Tensor], None]
"""A callback ``on_call(name, module, inputs, output)`` for one call of a traced layer."""


def checked_input_size(model: nn.Module, input_size: Sequence[int]) -> tuple[int, ...]:
    """``input_size`` as a tuple, if it is a size ``model`` can take; else a ``ValueError``.

    It must be a tuple or list of positive whole sizes (:func:`checks.size`) holding at
    most ``checks.LARGEST_INT`` values in all; a model with a ``Conv2d`` needs four of
    them, ``(batch, channels, height, width)``, with the first convolution's channels.
    """
    checks.module("model", model)
    size = checks.size("input_size", input_size)
    values = math.prod(size)
    if values > checks.LARGEST_INT:
        raise ValueError(f"input_size {checks.shown(size)} holds {values:.3g} values, more than "
                         f"{checks.LARGEST_INT}: use a smaller batch or image")
    first_conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if first_conv is not None:
        if len(size) != 4:
            raise ValueError(
                f"input_size {size} has rank {len(size)}, but a model with Conv2d layers "
                "needs a 4-D input (batch, channels, height, width), e.g. (1, 3, 224, 224)"
            )
        if size[1] != first_conv.in_channels:
            raise ValueError(
                f"input_size {size} has {size[1]} channels, but the model's first Conv2d "
                f"expects {first_conv.in_channels}: use input_size=(N, "
                f"{first_conv.in_channels}, H, W)"
            )
    return size


def zeros_for(model: nn.Module, input_size: Sequence[int]) -> torch.Tensor:
    """A tensor of zeros of ``input_size`` on ``model``'s device, in its floating dtype.

    ``input_size`` is checked by :func:`checked_input_size`.  A model without parameters
    (or with integer ones) gets float32 on the CPU.
    """
    input_size = checked_input_size(model, input_size)
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    return torch.zeros(input_size, device=device, dtype=dtype)


def trace_calls(model: nn.Module, example: torch.Tensor,
                select: Callable[[str, nn.Module], bool], on_call: OnCall) -> int:
    """Run ``model(example)`` once in eval mode and report every call of a selected layer.

    Args:
        model: the network; afterwards each of its submodules has its old mode again.
        example: the input of the one forward pass (run under ``torch.no_grad``).
        select: ``select(name, module)`` is true for the layers to watch (names as in
            ``model.named_modules()``).
        on_call: called as ``on_call(name, module, inputs, output)`` for each call, in
            the order the calls happen.  A layer called twice is reported twice.

    Returns:
        The number of layers watched.

    Raises:
        TypeError: if ``model`` is not an ``nn.Module`` or ``example`` not a tensor.
    """
    checks.module("model", model)
    if not isinstance(example, torch.Tensor):
        raise TypeError(f"example must be a tensor (the input of one forward pass), got "
                        f"{type(example).__name__}")

    def hook_for(name: str):
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...],
                 output: torch.Tensor) -> None:
            on_call(name, module, inputs, output)

        return hook

    handles = [module.register_forward_hook(hook_for(name))
               for name, module in model.named_modules() if select(name, module)]
    try:
        with evaluating(model), torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    return len(handles)
