"""Fold each BatchNorm into the convolution before it: the same function in one layer fewer.

In eval mode a BatchNorm is a fixed per-channel affine map, so it can be merged into
the convolution it follows (:func:`fold_conv_bn`); :func:`fold_batchnorm` does that for
a whole network.  :func:`without_inplace` prepares a model for graph capture.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["fold_conv_bn", "fold_batchnorm", "count_batchnorms", "without_inplace"]


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """One convolution that computes ``bn(conv(x))`` as BatchNorm does in eval mode.

    BatchNorm in eval mode is a fixed per-channel affine map,
    ``y = (x - mean) * gamma / sqrt(var + eps) + beta``.  Scaling output channel ``c``
    of the convolution's weight by ``s_c = gamma_c / sqrt(var_c + eps)`` and setting its
    bias to ``(b_c - mean_c) * s_c + beta_c`` gives the same result in one layer.  That
    layer is a copy of ``conv``, of its class, so that a TensorFlow-"same"
    ``Conv2dSame`` keeps its padding.  The arithmetic is done in float64, then stored in
    the convolution's dtype.

    Raises:
        TypeError: if ``conv`` is not an ``nn.Conv2d`` or ``bn`` not an ``nn.BatchNorm2d``.
        ValueError: if ``bn`` has no running statistics or a channel count that differs
            from ``conv.out_channels``.
    """
    if not isinstance(conv, nn.Conv2d) or not isinstance(bn, nn.BatchNorm2d):
        raise TypeError(f"fold_conv_bn needs an nn.Conv2d and an nn.BatchNorm2d, got "
                        f"{type(conv).__name__} and {type(bn).__name__}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("this BatchNorm2d has track_running_stats=False: it normalises with "
                         "each batch's own statistics, which no fixed convolution can reproduce")
    if bn.num_features != conv.out_channels:
        raise ValueError(f"the BatchNorm2d has {bn.num_features} channels but the convolution "
                         f"outputs {conv.out_channels}: they do not belong together")
    weight = conv.weight.detach().double()
    mean = bn.running_mean.detach().double()
    scale = 1.0 / torch.sqrt(bn.running_var.detach().double() + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach().double()
    bias = -mean if conv.bias is None else conv.bias.detach().double() - mean
    bias = bias * scale
    if bn.bias is not None:
        bias = bias + bn.bias.detach().double()
    # A copy keeps the convolution's class and so its padding rule (Conv2dSame's included).
    folded = copy.deepcopy(conv)
    if folded.bias is None:
        folded.bias = nn.Parameter(torch.empty_like(folded.weight[:, 0, 0, 0]))
    with torch.no_grad():
        folded.weight.copy_(weight * scale.reshape(-1, 1, 1, 1))
        folded.bias.copy_(bias)
    return folded


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model``, in eval mode, with each BatchNorm folded into the convolution before it.

    Only pairs that sit next to each other in an ``nn.Sequential`` are folded, because
    there the order of the children is the order of execution (a plain module's
    ``forward`` could use its children in any order).  Each folded BatchNorm is replaced
    by ``nn.Identity``, so module names and indices stay the same.  The original model is
    not changed.  The copy computes what ``model.eval()`` computes, up to float rounding.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"fold_batchnorm expects an nn.Module, got {type(model).__name__}")
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, bn = module._modules[first], module._modules[second]
            if (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
                    and bn.running_mean is not None and bn.num_features == conv.out_channels):
                module._modules[first] = fold_conv_bn(conv, bn)
                module._modules[second] = nn.Identity()
    return folded


def count_batchnorms(model: nn.Module) -> int:
    """Number of ``nn.BatchNorm2d`` layers in ``model``."""
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def without_inplace(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with the ``inplace`` flag of every layer (ReLU, ReLU6, ...) off.

    In-place activations save memory in eager PyTorch, but graph capture must rewrite each
    one into an out-of-place operation, which makes ``torch.export`` (and so the ONNX
    export) several times slower on MobileNetV2.  The results are the same.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"without_inplace expects an nn.Module, got {type(model).__name__}")
    copied = copy.deepcopy(model)
    for module in copied.modules():
        if getattr(module, "inplace", False) is True:
            module.inplace = False
    return copied
