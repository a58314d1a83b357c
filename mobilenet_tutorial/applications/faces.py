"""Face detection with RetinaFace, and the steps of face recognition after it.

Detection (:func:`detect_faces`), in four steps a reader can run one at a time:

1. :func:`to_input`: RGB photo to the network's input, BGR minus the mean (104, 117, 123);
2. the network (:func:`mobilenet_tutorial.models.retinaface`): for every anchor, two class
   probabilities, four box offsets and ten landmark offsets;
3. :func:`prior_boxes` and :func:`decode`: the anchors (two square sizes per position on
   the stride 8, 16 and 32 maps), and the offsets turned into boxes and landmarks in pixels;
4. a score threshold, then non-maximum suppression (``torchvision.ops.nms``).

Recognition: :func:`align_face` warps a face so that its five landmarks land on a fixed
112 x 112 template, :func:`embed_faces` maps aligned faces to unit vectors, and
:func:`similarity_matrix` compares them (cosine similarity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from ..checks import probability, shown

__all__ = ["MEAN_BGR", "MIN_SIZES", "STRIDES", "VARIANCES", "ARCFACE_TEMPLATE", "Faces",
           "fit_within", "to_input", "prior_boxes", "decode", "detect_faces", "default_detector",
           "similarity_transform", "align_face", "embed_faces", "similarity_matrix"]

MEAN_BGR = (104.0, 117.0, 123.0)
"""Mean subtracted from each BGR channel (the original project's preprocessing)."""

STRIDES = (8, 16, 32)
"""Strides of the three feature maps."""

MIN_SIZES = ((16, 32), (64, 128), (256, 512))
"""Anchor sides in pixels at each stride: two squares per position."""

VARIANCES = (0.1, 0.2)
"""The encoding's scales for centre offsets and for log sizes."""

ARCFACE_TEMPLATE = torch.tensor([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                                 [41.5493, 92.3655], [70.7299, 92.2041]])
"""Where the five landmarks (eyes, nose tip, mouth corners; the subject's right first) go in a
112 x 112 aligned face: the template of the ArcFace/InsightFace recognition models."""


class Faces(NamedTuple):
    """What :func:`detect_faces` finds: ``N`` faces, best score first."""

    boxes: torch.Tensor
    """``(N, 4)``: ``x1, y1, x2, y2`` in pixels of the photo."""
    scores: torch.Tensor
    """``(N,)``: probability of "face"."""
    landmarks: torch.Tensor
    """``(N, 5, 2)``: ``x, y`` of the eyes, the nose tip and the mouth corners."""


def _as_array(image: object) -> np.ndarray:
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3:
        return image
    raise TypeError("image must be a PIL image or an RGB array of shape (H, W, 3) with values "
                    f"0 to 255, got {shown(image)}")


def fit_within(image: Image.Image, longest: int = 640) -> Image.Image:
    """``image`` scaled down (bilinear) so that its longer side is at most ``longest`` pixels.

    A smaller image is returned unchanged.  RetinaFace accepts any size; 640 is the usual
    inference size of the MobileNet0.25 model, and a float32 network's rounding errors, at
    most, grow with the number of outputs compared.
    """
    if not isinstance(image, Image.Image):
        raise TypeError(f"image must be a PIL image, got {shown(image)}")
    if isinstance(longest, bool) or not isinstance(longest, int) or longest < 32:
        raise ValueError(f"longest must be a whole number of pixels, at least 32, got "
                         f"{shown(longest)}")
    scale = longest / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR)


def to_input(image: Image.Image | np.ndarray) -> torch.Tensor:
    """A photo as RetinaFace's input ``(1, 3, H, W)``: BGR, minus :data:`MEAN_BGR`, unscaled."""
    rgb = _as_array(image).astype(np.float32)
    bgr = rgb[..., ::-1] - np.asarray(MEAN_BGR, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(bgr.transpose(2, 0, 1)))[None]


def prior_boxes(height: int, width: int) -> torch.Tensor:
    """The anchors of an ``height x width`` input, ``(A, 4)`` as ``cx, cy, w, h`` in [0, 1].

    Row by row on the stride-8 map, then the 16 and 32 maps; at each position the
    :data:`MIN_SIZES` of that stride, smaller first: the order of the network's outputs.
    A map has ``ceil(side / stride)`` positions per side, as a stride-2 convolution with
    padding 1 gives.
    """
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive number of pixels, got {shown(value)}")
    anchors = []
    for stride, sizes in zip(STRIDES, MIN_SIZES, strict=True):
        rows, cols = math.ceil(height / stride), math.ceil(width / stride)
        cy, cx = torch.meshgrid((torch.arange(rows) + 0.5) * stride / height,
                                (torch.arange(cols) + 0.5) * stride / width, indexing="ij")
        centres = torch.stack([cx, cy], dim=-1).reshape(-1, 1, 2).expand(-1, len(sizes), 2)
        sides = torch.tensor([[s / width, s / height] for s in sizes]).expand(rows * cols, -1, 2)
        anchors.append(torch.cat([centres, sides], dim=-1).reshape(-1, 4))
    return torch.cat(anchors)


def decode(offsets: torch.Tensor, landmarks: torch.Tensor, priors: torch.Tensor,
           height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Offsets ``(A, 4)`` and ``(A, 10)`` against ``priors`` to boxes (xyxy) and points, in pixels.

    A box's centre moves by ``offset * 0.1 * anchor side``; its sides are
    ``anchor side * exp(offset * 0.2)``.  Landmarks move from the anchor's centre the same way.
    """
    centres, sides = priors[:, :2], priors[:, 2:]
    centre = centres + offsets[:, :2] * VARIANCES[0] * sides
    size = sides * torch.exp(offsets[:, 2:] * VARIANCES[1])
    scale = torch.tensor([width, height], dtype=offsets.dtype)
    boxes = torch.cat([centre - size / 2, centre + size / 2], dim=1) * scale.repeat(2)
    points = centres[:, None] + landmarks.reshape(-1, 5, 2) * VARIANCES[0] * sides[:, None]
    return boxes, points * scale


@cache
def default_detector() -> nn.Module:
    """RetinaFace-MobileNet0.25 with its released weights, built once."""
    from ..models.retinaface import retinaface

    return retinaface(weights="WIDERFACE").eval()


def detect_faces(image: Image.Image | np.ndarray, score_threshold: float = 0.5, *,
                 nms_threshold: float = 0.4, model: nn.Module | None = None) -> Faces:
    """Faces in an RGB photo: boxes ``(N, 4)`` (xyxy pixels), scores, landmarks ``(N, 5, 2)``.

    Args:
        image: a PIL image or an ``(H, W, 3)`` RGB array (0 to 255), any size.
        score_threshold: smallest face probability kept.
        nms_threshold: boxes overlapping a better one by more than this IoU are dropped.
        model: a RetinaFace; by default :func:`default_detector` (the released weights).
    """
    probability("score_threshold", score_threshold, "0.5 keeps faces the model is sure of")
    probability("nms_threshold", nms_threshold, "0.4 as in the original project")
    from torchvision.ops import nms

    x = to_input(image)
    height, width = x.shape[-2:]
    network = default_detector() if model is None else model
    with torch.no_grad():
        offsets, scores, points = network(x)
    boxes, landmarks = decode(offsets[0], points[0], prior_boxes(height, width), height, width)
    face = scores[0, :, 1]
    keep = torch.nonzero(face >= score_threshold).flatten()
    keep = keep[nms(boxes[keep], face[keep], nms_threshold)]  # best score first
    return Faces(boxes[keep], face[keep], landmarks[keep])


def similarity_transform(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The ``2 x 3`` rotation, uniform scale and shift that best maps ``source`` onto ``target``.

    Least squares over the points (Umeyama's solution): centre both sets, take the SVD of
    their cross-covariance, and read rotation, scale and shift from it.

    Args:
        source, target: ``(K, 2)`` points, ``K >= 2``, not all the same.
    """
    source, target = source.double(), target.double()
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 2 or \
            source.shape[0] < 2:
        raise ValueError("source and target must both be (K, 2) points with K >= 2, got "
                         f"{tuple(source.shape)} and {tuple(target.shape)}")
    mean_s, mean_t = source.mean(0), target.mean(0)
    s, t = source - mean_s, target - mean_t
    variance = (s**2).sum() / len(s)
    if variance == 0:
        raise ValueError("the source points are all the same: no transform is defined")
    u, d, vh = torch.linalg.svd(t.T @ s / len(s))
    sign = torch.ones(2, dtype=torch.float64)
    if torch.det(u) * torch.det(vh) < 0:
        sign[1] = -1  # a rotation, not a reflection
    rotation = u @ torch.diag(sign) @ vh
    scale = (d * sign).sum() / variance
    shift = mean_t - scale * rotation @ mean_s
    return torch.cat([scale * rotation, shift[:, None]], dim=1).float()


def align_face(image: Image.Image | np.ndarray, landmarks: torch.Tensor,
               size: int = 112) -> torch.Tensor:
    """The face whose five ``landmarks`` (``(5, 2)`` pixels) are given, warped to ``size`` pixels.

    The similarity transform that puts the landmarks on :data:`ARCFACE_TEMPLATE` (scaled to
    ``size``) is inverted to sample the photo bilinearly.  Returns ``(3, size, size)`` RGB
    floats in [0, 1].
    """
    rgb = torch.from_numpy(np.array(_as_array(image))).permute(2, 0, 1).float() / 255
    forward = similarity_transform(torch.as_tensor(landmarks, dtype=torch.float32),
                                   ARCFACE_TEMPLATE * size / 112)
    matrix = torch.cat([forward, torch.tensor([[0.0, 0.0, 1.0]])]).double()
    inverse = torch.linalg.inv(matrix)[:2].float()
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32),
                            torch.arange(size, dtype=torch.float32), indexing="ij")
    grid = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1) @ inverse.T  # photo pixels
    height, width = rgb.shape[-2:]
    normalised = torch.stack([(2 * grid[..., 0] + 1) / width - 1,
                              (2 * grid[..., 1] + 1) / height - 1], dim=-1)
    return F.grid_sample(rgb[None], normalised[None], mode="bilinear",
                         padding_mode="zeros", align_corners=False)[0]


def embed_faces(faces: torch.Tensor, model: nn.Module,
                preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """Unit-length embeddings ``(N, D)`` of aligned faces ``(N, 3, H, W)`` by ``model``.

    ``preprocess`` is applied to the batch first (e.g. ImageNet normalisation).
    """
    if not isinstance(faces, torch.Tensor) or faces.ndim != 4 or faces.shape[1] != 3:
        raise ValueError(f"faces must be a batch (N, 3, H, W) of aligned faces, got {shown(faces)}")
    with torch.no_grad():
        features = model(preprocess(faces) if preprocess is not None else faces)
    return F.normalize(features.flatten(1), dim=1)


def similarity_matrix(embeddings: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    """Cosine similarities ``(N, N)`` of ``N`` embeddings (1 on the diagonal)."""
    stacked = torch.stack(list(embeddings)) if not isinstance(embeddings, torch.Tensor) \
        else embeddings
    if stacked.ndim != 2:
        raise ValueError(f"embeddings must be (N, D), got shape {tuple(stacked.shape)}")
    unit = F.normalize(stacked.double(), dim=1)
    return (unit @ unit.T).float()
