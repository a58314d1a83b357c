"""Fashion-MNIST as the pretrained MobileNetV2 expects it, small, the same on every process.

Every rank builds the whole training subset itself, from the same files with the same seed,
so that the sampler's indices mean the same images everywhere.  The images are prepared
once as tensors (resized, grey repeated into three channels, normalised with the ImageNet
weights' mean and standard deviation): a training step then only indexes them, which keeps
the steps cheap on a CPU and skipping batches on resume free.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

from .. import checks
from ..data.fashion import fashion_mnist_tensors
from ..data.transforms import normalisation
from ..transfer import WEIGHTS

__all__ = ["prepare_images", "fashion_training_set"]


def prepare_images(images: torch.Tensor, image_size: int) -> torch.Tensor:
    """Grey images ``(n, 1, h, w)`` in ``[0, 1]`` as normalised RGB ``(n, 3, size, size)``.

    Resized bilinearly, the grey channel repeated three times, then normalised per channel
    with the pretrained weights' own mean and standard deviation.
    """
    checks.positive_int("image_size", image_size, "such as 32 or 64")
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"images must have shape (n, 1, height, width), got {tuple(images.shape)}")
    resized = F.interpolate(images.float(), size=(image_size, image_size), mode="bilinear",
                            align_corners=False)
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in normalisation(WEIGHTS))
    return (resized.expand(-1, 3, -1, -1) - mean) / std


def fashion_training_set(size: int, image_size: int, seed: int) -> TensorDataset:
    """``size`` Fashion-MNIST training images drawn with ``seed``, prepared, with their labels.

    Raises:
        ValueError: if ``size`` is not a positive integer of at most 60,000.
    """
    checks.positive_int("size", size, "the number of training images, such as 2048")
    checks.seed("seed", seed)
    images, labels = fashion_mnist_tensors(train=True)
    if size > len(images):
        raise ValueError(f"size must be at most {len(images)} (the training split), got {size}")
    chosen = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:size]
    return TensorDataset(prepare_images(images[chosen], image_size), labels[chosen])
