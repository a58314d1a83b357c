"""Old home of the block family; its names now live in :mod:`mobilenet_tutorial.layers`.

Kept so that ``from mobilenet_tutorial.models.blocks import ...`` still works:
:class:`~mobilenet_tutorial.layers.BlockConfig`, ``InvertedResidual``,
``SqueezeExcitation``, ``StochasticDepth``, ``make_divisible``, ``v2_config``,
``v3_config``, ``mbconv_config`` and ``ACTIVATIONS`` come from the layers,
``v2_keys_to_blocks`` from :mod:`mobilenet_tutorial.weights.keys`, ``block_table`` from
:mod:`mobilenet_tutorial.measure.architecture`.  ``ConvBNAct`` is the old name of
:class:`~mobilenet_tutorial.layers.ConvNormActivation` with string settings.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from ..layers.activation import ACTIVATIONS  # noqa: F401
from ..layers.conv import ConvNormActivation
from ..layers.divisible import make_divisible  # noqa: F401
from ..layers.inverted_residual import (  # noqa: F401
    BlockConfig,
    InvertedResidual,
    mbconv_config,
    v2_config,
    v3_config,
)
from ..layers.padding import Padding
from ..layers.squeeze_excitation import SqueezeExcitation  # noqa: F401
from ..layers.stochastic_depth import StochasticDepth  # noqa: F401
from ..measure.architecture import block_table  # noqa: F401
from ..weights.keys import v2_keys_to_blocks  # noqa: F401

__all__ = ["ConvBNAct"]


def ConvBNAct(in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1,
              groups: int = 1, activation: str | None = "relu", bn_eps: float = 1e-5,
              bn_momentum: float = 0.1, padding: Padding = "symmetric") -> ConvNormActivation:
    """Deprecated: ``ConvNormActivation`` with a named activation and batch-norm numbers."""
    return ConvNormActivation(in_channels, out_channels, kernel_size, stride, groups=groups,
                              norm_layer=partial(nn.BatchNorm2d, eps=bn_eps,
                                                 momentum=bn_momentum),
                              activation_layer=activation, padding=padding)
