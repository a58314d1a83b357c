"""The layers the course's networks are built from, one of each, configured by callables.

- :mod:`.conv`: :class:`ConvNormActivation`, convolution + norm + activation (children 0, 1, 2)
- :mod:`.padding`: :func:`conv2d`, the padding factory (PyTorch's symmetric rule or
  TensorFlow's "same": :func:`same_padding`, :class:`Conv2dSame`)
- :mod:`.separable`: :class:`DepthwiseSeparable`, MobileNetV1's block
- :mod:`.inverted_residual`: :class:`BlockConfig` and :class:`InvertedResidual`, the block of
  MobileNetV2, V3 and EfficientNet, with :func:`v2_config`, :func:`v3_config`, :func:`mbconv_config`
- :mod:`.squeeze_excitation`: :class:`SqueezeExcitation`
- :mod:`.stochastic_depth`: :class:`StochasticDepth`
- :mod:`.divisible`: :func:`make_divisible`, the channel rounding
- :mod:`.activation`: the activation vocabulary (:data:`ACTIVATIONS`, :func:`activation_layer`)
- :mod:`.mish`, :mod:`.triplet_attention`, :mod:`.cnsn`: chapter 9's :class:`Mish`,
  :class:`TripletAttention`, :class:`CrossNorm` and :class:`SelfNorm`, options of the
  inverted residual
- :mod:`.initialisation`: :func:`init_weights_`, the shared weight initialisation

As in torchvision's ``ops.misc``, a layer takes ``norm_layer`` and ``activation_layer``
callables rather than names and numbers, so a network sets its normalisation once
(``partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)``) and hands it to every layer.
"""

from .activation import ACTIVATIONS, PAPER_NAMES, activation_label, activation_layer
from .cnsn import CrossNorm, SelfNorm, instance_stats
from .conv import TF_BATCH_NORM, ConvNormActivation
from .divisible import make_divisible
from .initialisation import init_weights_
from .inverted_residual import BlockConfig, InvertedResidual, mbconv_config, v2_config, v3_config
from .mish import Mish
from .padding import PADDINGS, Conv2dSame, conv2d, same_padding
from .separable import DepthwiseSeparable
from .squeeze_excitation import SqueezeExcitation
from .stochastic_depth import StochasticDepth
from .triplet_attention import AttentionGate, TripletAttention

__all__ = [
    "ACTIVATIONS", "PAPER_NAMES", "activation_label", "activation_layer",
    "ConvNormActivation", "TF_BATCH_NORM", "make_divisible", "init_weights_",
    "BlockConfig", "InvertedResidual", "v2_config", "v3_config", "mbconv_config",
    "PADDINGS", "Conv2dSame", "conv2d", "same_padding",
    "DepthwiseSeparable", "SqueezeExcitation", "StochasticDepth",
    "Mish", "TripletAttention", "AttentionGate", "CrossNorm", "SelfNorm", "instance_stats",
]
