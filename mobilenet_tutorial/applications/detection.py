"""Object detection with MobileNets: torchvision's SSDLite dissected, and a tiny SSD trained here.

- :func:`ssdlite_offline` builds ``ssdlite320_mobilenet_v3_large``'s architecture without any
  download, with or without the "reduced tail" that torchvision uses when no ImageNet
  backbone is loaded; :func:`head_shapes` lists what its head predicts at each scale;
- :func:`synthetic_shapes` draws images of squares and discs with exact boxes, and
  :func:`tiny_ssd` is an SSD on chapter 2's MobileNetV1 at width 0.25 that
  :func:`train_detector` trains on them in a few hundred steps on a CPU;
  :func:`detection_recall` scores it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial
from typing import Any, NamedTuple

import torch
from torch import nn

from ..checks import positive_int

__all__ = ["HeadLevel", "SHAPE_CLASSES", "ssdlite_offline", "head_shapes", "synthetic_shapes",
           "TinyBackbone", "tiny_ssd", "train_detector", "detection_recall"]

SHAPE_CLASSES = ("background", "square", "disc")
"""The synthetic task's classes; index 0 is the background, as torchvision's detectors expect."""


class HeadLevel(NamedTuple):
    """One scale of an SSD head: map side, anchors per position, classes, output channels."""

    side: int
    anchors: int
    classes: int
    class_channels: int
    box_channels: int


def ssdlite_offline(num_classes: int = 91, reduced_tail: bool = True) -> nn.Module:
    """``ssdlite320_mobilenet_v3_large``'s architecture, randomly initialised, built offline.

    ``reduced_tail=True`` is what torchvision builds with ``weights_backbone=None`` (and
    for its COCO weights): the backbone's last stage has half the channels (MobileNetV3's
    Table 6).  ``reduced_tail=False`` is what ``weights_backbone=IMAGENET1K_V1`` builds, put
    together here from the same parts so that nothing is downloaded.
    """
    positive_int("num_classes", num_classes, "91 for COCO, 3 for two classes and background")
    from torchvision.models.detection import ssdlite320_mobilenet_v3_large

    if reduced_tail:
        return ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None,
                                             num_classes=num_classes)
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.detection import _utils as det_utils
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    from torchvision.models.detection.ssd import SSD
    from torchvision.models.detection.ssdlite import SSDLiteHead, _mobilenet_extractor

    norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = _mobilenet_extractor(mobilenet_v3_large(norm_layer=norm_layer,
                                                       reduced_tail=False), 6, norm_layer)
    anchors = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    channels = det_utils.retrieve_out_channels(backbone, (320, 320))
    head = SSDLiteHead(channels, anchors.num_anchors_per_location(), num_classes, norm_layer)
    return SSD(backbone, anchors, (320, 320), num_classes, head=head, image_mean=[0.5] * 3,
               image_std=[0.5] * 3)


def head_shapes(model: nn.Module, size: int = 320) -> list[HeadLevel]:
    """What ``model``'s SSD head predicts at each scale for a ``size x size`` input."""
    anchors = model.anchor_generator.num_anchors_per_location()
    was_training = model.training
    model.eval()
    with torch.no_grad():
        maps = list(model.backbone(torch.zeros(1, 3, size, size)).values())
    model.train(was_training)
    levels = []
    for feature, count, cls, box in zip(maps, anchors, model.head.classification_head.module_list,
                                        model.head.regression_head.module_list, strict=True):
        levels.append(HeadLevel(feature.shape[-1], count, model.head.classification_head
                                .num_columns, _out_channels(cls), _out_channels(box)))
    return levels


def _out_channels(module: nn.Module) -> int:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)][-1].out_channels


def synthetic_shapes(count: int, size: int = 128, seed: int = 0,
                     max_objects: int = 3) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
    """``count`` images ``(count, 3, size, size)`` in [0, 1] of squares and discs, and their boxes.

    Each image has 1 to ``max_objects`` shapes of side 16 to ``size // 2`` pixels, in random
    colours on a noisy background; the targets are torchvision's: ``boxes`` (xyxy pixels,
    float) and ``labels`` (1 square, 2 disc).  The same seed gives the same images.
    """
    positive_int("count", count, "such as 64")
    positive_int("size", size, "such as 128")
    positive_int("max_objects", max_objects, "such as 3")
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels, got {size}")
    generator = torch.Generator().manual_seed(seed)

    def uniform(low: float, high: float) -> float:
        return low + (high - low) * torch.rand((), generator=generator).item()

    images = 0.1 + 0.1 * torch.rand(count, 3, size, size, generator=generator)
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    targets = []
    for image in images:
        boxes, labels = [], []
        for _ in range(int(torch.randint(1, max_objects + 1, (), generator=generator))):
            side = uniform(16, size // 2)
            x0, y0 = uniform(0, size - side), uniform(0, size - side)
            label = int(torch.randint(1, 3, (), generator=generator))
            if label == 1:
                mask = (xs >= x0) & (xs < x0 + side) & (ys >= y0) & (ys < y0 + side)
            else:
                radius = side / 2
                mask = (xs - x0 - radius) ** 2 + (ys - y0 - radius) ** 2 <= radius**2
            colour = 0.4 + 0.6 * torch.rand(3, 1, generator=generator)
            image[:, mask] = colour
            boxes.append([x0, y0, x0 + side, y0 + side])
            labels.append(label)
        targets.append({"boxes": torch.tensor(boxes), "labels": torch.tensor(labels)})
    return images, targets


class TinyBackbone(nn.Module):
    """Chapter 2's MobileNetV1 at width 0.25, returning its stride 8, 16 and 32 maps."""

    def __init__(self, width_mult: float = 0.25) -> None:
        super().__init__()
        from ..models.mobilenet_v1 import MobileNetV1

        self.body = MobileNetV1(width_mult=width_mult).features
        self.taps = (6, 12, 14)
        self.out_channels = [self.body[k - 1].out_channels for k in self.taps]

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        maps, start = OrderedDict(), 0
        for index, stop in enumerate(self.taps):
            x = self.body[start:stop](x)
            maps[str(index)] = x
            start = stop
        return maps


def tiny_ssd(num_classes: int = len(SHAPE_CLASSES), size: int = 128) -> nn.Module:
    """An SSDLite-style detector for ``size x size`` images on MobileNetV1-0.25.

    Three scales (strides 8, 16, 32), four default boxes per position (aspect ratios 1 and 2
    and their inverse, two square sizes), SSDLite's depthwise-separable heads.
    """
    positive_int("num_classes", num_classes, "3: background, square, disc")
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    from torchvision.models.detection.ssd import SSD
    from torchvision.models.detection.ssdlite import SSDLiteHead

    backbone = TinyBackbone()
    anchors = DefaultBoxGenerator([[2], [2], [2]], min_ratio=0.15, max_ratio=0.7)
    head = SSDLiteHead(backbone.out_channels, anchors.num_anchors_per_location(), num_classes,
                       nn.BatchNorm2d)
    return SSD(backbone, anchors, (size, size), num_classes, head=head, image_mean=[0.0] * 3,
               image_std=[1.0] * 3, score_thresh=0.05, detections_per_img=20)


def train_detector(model: nn.Module, images: torch.Tensor, targets: list[dict[str, Any]], *,
                   steps: int, batch_size: int = 16, lr: float = 0.01, seed: int = 0,
                   progress: bool = True) -> list[float]:
    """Train ``model`` for ``steps`` SGD steps on random batches; return each step's loss.

    The loss is torchvision SSD's: smooth-L1 on the box offsets of matched anchors plus
    cross-entropy with hard-negative mining (three negatives per positive).
    """
    positive_int("steps", steps, "such as 200")
    positive_int("batch_size", batch_size, "such as 16")
    from tqdm.auto import tqdm

    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=4e-5)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    model.train()
    losses = []
    for _ in tqdm(range(steps), desc="training", disable=not progress):
        chosen = torch.randint(len(images), (batch_size,), generator=generator)
        parts = model(list(images[chosen]), [targets[int(i)] for i in chosen])
        loss = parts["bbox_regression"] + parts["classification"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses


def detection_recall(model: nn.Module, images: torch.Tensor, targets: list[dict[str, Any]],
                     iou: float = 0.5, score: float = 0.3) -> float:
    """Share of true objects found: a detection of the right class with IoU >= ``iou``.

    Detections below ``score`` are ignored; each detection may match one object only.
    """
    from torchvision.ops import box_iou

    model.eval()
    found = total = 0
    with torch.no_grad():
        outputs = model(list(images))
    for output, target in zip(outputs, targets, strict=True):
        keep = output["scores"] >= score
        boxes, labels = output["boxes"][keep], output["labels"][keep]
        used = torch.zeros(len(boxes), dtype=torch.bool)
        for box, label in zip(target["boxes"], target["labels"], strict=True):
            total += 1
            if len(boxes) == 0:
                continue
            overlap = box_iou(box[None], boxes)[0]
            overlap[(labels != label) | used] = -1
            best = int(overlap.argmax())
            if overlap[best] >= iou:
                used[best] = True
                found += 1
    return found / total if total else math.nan
