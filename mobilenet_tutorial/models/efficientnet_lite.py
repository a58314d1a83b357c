"""EfficientNet-Lite0 with real ImageNet weights, from the same block family.

The Lite variants adapt EfficientNet to mobile accelerators: no
squeeze-and-excitation, ReLU6 instead of SiLU, and a stem and head whose widths
(32 and 1280) do not scale.  Lite0 has B0's stages, 4,652,008 parameters and no
scaling at all.

The weights (:attr:`~mobilenet_tutorial.weights.EfficientNetLite0Weights.IMAGENET1K_V1`)
were converted from Google's TensorFlow checkpoint, with key names in the style of
the ``EfficientNet-PyTorch`` project, which
:func:`~mobilenet_tutorial.weights.keys.lite0_keys_to_model` renames.  Because they come
from TensorFlow, the model pads its stem and depthwise convolutions the TensorFlow way
(:mod:`mobilenet_tutorial.layers.padding`) unless told otherwise, and wants inputs
preprocessed by :func:`~mobilenet_tutorial.data.transforms.lite0_transform`.
"""

from __future__ import annotations

from torch import nn

from ..data.transforms import LITE0_MEAN, LITE0_STD, lite0_transform  # noqa: F401  (old path)
from ..layers.conv import TF_BATCH_NORM
from ..weights.catalog import EfficientNetLite0Weights
from ..weights.keys import lite0_keys_to_model
from .contract import check_builder_arguments
from .efficientnet import EfficientNet, stage_configs

__all__ = ["efficientnet_lite0"]


def efficientnet_lite0(*, weights: EfficientNetLite0Weights | str | None = None,
                       progress: bool = True, num_classes: int = 1000, width_mult: float = 1.0,
                       tf_padding: bool = True, drop_path: float = 0.2,
                       dropout: float = 0.2) -> EfficientNet:
    """EfficientNet-Lite0: B0's stages without SE, with ReLU6; 4,652,008 parameters.

    Args:
        weights: ``None`` (random initialisation) or
            :attr:`EfficientNetLite0Weights.IMAGENET1K_V1` (or its name; the old name
            ``"IMAGENET1K"`` still works, with a deprecation warning): the converted
            TensorFlow weights, SHA-256 checked.  They need ``num_classes=1000``.
        progress: accepted for the common contract (the weights are never downloaded).
        num_classes: size of the classifier.
        width_mult: scales the blocks' channels; the stem (32) and head (1280) keep theirs.
        tf_padding: pad the stem and depthwise convolutions as TensorFlow's "same"
            does (needed for the ImageNet weights to behave as trained).
        drop_path, dropout: stochastic depth and dropout, as for :func:`.efficientnet`.
    """
    member = check_builder_arguments(
        "efficientnet_lite0", weights=weights, num_classes=num_classes, width_mult=width_mult,
        weights_enum=EfficientNetLite0Weights, aliases={"IMAGENET1K": "IMAGENET1K_V1"})
    padding = "tf_same" if tf_padding else "symmetric"
    stages = stage_configs(width_mult, 1.0, drop_path, se=False, activation=nn.ReLU6)
    model = EfficientNet(stages, 32, 1280, num_classes, dropout, activation=nn.ReLU6,
                         norm_layer=TF_BATCH_NORM, padding=padding)
    if member is not None:
        model.load_state_dict(lite0_keys_to_model(member.get_state_dict(progress), model))
    return model
