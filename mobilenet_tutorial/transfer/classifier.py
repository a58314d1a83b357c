"""Transfer learning with a pretrained MobileNetV2: new head, frozen or fine-tuned backbone.

The pieces of chapter 6, each small enough to read next to it:

- :func:`mobilenet_v2_classifier`: chapter 3's MobileNetV2
  (:func:`mobilenet_tutorial.models.mobilenet_v2`, torchvision's architecture and
  module names) with torchvision's ImageNet weights (``IMAGENET1K_V1``, offline
  through :mod:`mobilenet_tutorial.weights`) or random ones, and a new last layer
  for ``num_classes`` classes;
- :func:`split_model`: the network cut into a frozen front and a trainable back
  (``back(front(x)) == model(x)``), the front's outputs being what a
  :class:`~mobilenet_tutorial.transfer.features.FeatureCache` stores;
- :func:`freeze`, :class:`Frozen`, :func:`param_groups`: which weights learn, how fast,
  and a frozen part that stays in evaluation mode (BatchNorm statistics included);
- :func:`train_head`: train layers on cached features with :func:`mobilenet_tutorial.train.fit`;
- :func:`round_loader`: batches in *rounds* of a fixed number of images, so that
  strategies get the same work (images seen, optimizer steps) and a learning curve
  gets a point every round, however many images make an epoch;
- :class:`CountingLoader`: counts the images a loader hands out, to show that work;
- :func:`predict_image`: one image, end to end, to its most likely classes;
- :func:`save_classifier`, :func:`load_classifier`: a trained model as a ``state_dict`` file;
- :func:`small_cnn`: a small network to train from scratch, the baseline that tells when
  transfer pays (chapter 6's accuracy against the number of training images).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset, RandomSampler
from torchvision.models import MobileNet_V2_Weights

from .. import checks, train
from ..layers.conv import ConvNormActivation
from ..layers.separable import DepthwiseSeparable
from ..models.mobilenet_v2 import MobileNetV2, mobilenet_v2
from ..storage import load_checked, save_checked
from .features import Features

__all__ = [
    "WEIGHTS",
    "NUM_BLOCKS",
    "mobilenet_v2_classifier",
    "split_model",
    "freeze",
    "Frozen",
    "param_groups",
    "train_head",
    "round_loader",
    "CountingLoader",
    "Prediction",
    "predict_image",
    "save_classifier",
    "load_classifier",
    "SMALL_CNN_BLOCKS",
    "small_cnn",
]

WEIGHTS = MobileNet_V2_Weights.IMAGENET1K_V1
"""The pretrained weights of this chapter: torchvision's MobileNetV2 trained on ImageNet-1k.

Its ``transforms()`` give the preprocessing the weights expect (see
:func:`mobilenet_tutorial.data.transforms.normalisation`)."""

NUM_BLOCKS = 19
"""Length of MobileNetV2's ``features``: the stem, 17 inverted residual blocks, a 1x1 conv."""


def _class_count(num_classes: object) -> int:
    """``num_classes`` if it is a whole number from 2 to ``checks.LARGEST_INT``; else raise."""
    if (isinstance(num_classes, bool) or not isinstance(num_classes, int)
            or not 2 <= num_classes <= checks.LARGEST_INT):
        raise ValueError(f"num_classes must be an integer of at least 2 (10 for Fashion-MNIST), "
                         f"got {checks.shown(num_classes)}")
    return num_classes


def mobilenet_v2_classifier(num_classes: int, pretrained: bool = True,
                            seed: int | None = 0) -> MobileNetV2:
    """MobileNetV2 with a new, randomly initialised last layer for ``num_classes`` classes.

    Args:
        num_classes: number of classes of the new task.
        pretrained: start from the ImageNet weights (``IMAGENET1K_V1``: the packaged
            offline copy, SHA-256 checked, else torchvision's download); ``False``
            gives torchvision's random initialisation.
        seed: seeds the random initialisation of the new layer (and of the whole
            network if not ``pretrained``); ``None`` leaves the generator alone.

    The new layer is initialised as torchvision initialises MobileNetV2's
    classifier: weights from a normal distribution of standard deviation 0.01,
    zero biases.  The network's ``classifier`` is ``Dropout(0.2)`` then this layer.
    """
    _class_count(num_classes)
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True or False, got {checks.shown(pretrained)}")
    if seed is not None:
        torch.manual_seed(checks.seed("seed", seed))
    if pretrained:
        model = mobilenet_v2(weights="IMAGENET1K_V1")
    else:
        model = mobilenet_v2()
    head = nn.Linear(model.classifier[1].in_features, num_classes)
    nn.init.normal_(head.weight, 0.0, 0.01)
    nn.init.zeros_(head.bias)
    model.classifier[1] = head
    return model


def split_model(model: nn.Module,
                trainable_blocks: int = 0) -> tuple[nn.Sequential, nn.Sequential]:
    """Cut ``model`` into ``(front, back)`` with ``back(front(x))`` equal to ``model(x)``.

    Args:
        model: a torchvision-style MobileNetV2 (``features``, then pooling, then ``classifier``).
        trainable_blocks: how many of the last entries of ``model.features`` go to
            the back.  ``0``: the back is only the classifier and the front ends
            with the global average pooling, so that it outputs one 1280-number
            vector per image.  ``NUM_BLOCKS``: the front is empty.

    The two parts share their layers with ``model`` (nothing is copied): training
    the back trains ``model``.
    """
    features = getattr(model, "features", None)
    if not isinstance(features, nn.Sequential) or not hasattr(model, "classifier"):
        raise TypeError("model must be a torchvision-style MobileNetV2 with .features and "
                        f".classifier, got {type(model).__name__}")
    n = len(features)
    if not isinstance(trainable_blocks, int) or not 0 <= trainable_blocks <= n:
        raise ValueError(f"trainable_blocks must be an integer from 0 to {n}, "
                         f"got {trainable_blocks!r}")
    pool = [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
    if trainable_blocks == 0:
        return nn.Sequential(features, *pool), nn.Sequential(model.classifier)
    cut = n - trainable_blocks
    return (nn.Sequential(*features[:cut]),
            nn.Sequential(*features[cut:], *pool, model.classifier))


def freeze(module: nn.Module) -> nn.Module:
    """Stop every parameter of ``module`` from learning (``requires_grad = False``); returns it.

    Freezing does not change BatchNorm's behaviour: in training mode it still
    normalises with the batch's statistics and updates its running averages.
    Keep a frozen part in evaluation mode (``module.eval()``) as well.
    """
    checks.module("module", module)
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


class Frozen(nn.Module):
    """A frozen part of a network that stays in evaluation mode, whatever ``.train()`` says.

    Wrapping a module freezes its parameters (:func:`freeze`) and pins it to
    evaluation mode: when the network around it is put in training mode (as a
    training loop does every epoch), BatchNorm layers inside keep using and
    keeping their stored statistics, and dropout stays off.  The wrapped module
    is ``self.module``; its layers are shared, not copied.
    """

    def __init__(self, module: nn.Module) -> None:
        checks.module("module", module)
        super().__init__()
        self.module = freeze(module)
        self.train(False)

    def train(self, mode: bool = True) -> Frozen:
        """Ignore ``mode``: a frozen part is always in evaluation mode."""
        return super().train(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)


def param_groups(model: nn.Module, backbone_lr: float,
                 head_lr: float) -> list[dict]:
    """Two optimizer parameter groups: the backbone (``features``) and the ``classifier``.

    Give the pretrained backbone a smaller learning rate than the new head, so
    that large updates driven by the random head do not wreck what it learned.
    Pass the result to an optimizer: ``torch.optim.Adam(param_groups(model, 1e-4, 1e-3))``.
    """
    for name, value in (("backbone_lr", backbone_lr), ("head_lr", head_lr)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
    backbone = [p for p in model.features.parameters() if p.requires_grad]
    head = [p for p in model.classifier.parameters() if p.requires_grad]
    if not head:
        raise ValueError("the classifier has no trainable parameters: unfreeze it first")
    groups = [{"params": head, "lr": head_lr, "name": "head"}]
    if backbone:
        groups.insert(0, {"params": backbone, "lr": backbone_lr, "name": "backbone"})
    return groups


def train_head(head: nn.Module, train_features: Features, epochs: int,
               val_features: Features | None = None, lr: float = 1e-3,
               weight_decay: float = 0.0, batch_size: int = 128, seed: int = 0,
               progress: bool = True, desc: str = "head") -> train.History:
    """Train ``head`` (the back of :func:`split_model`) on cached features with :func:`train.fit`.

    Adam over the head's trainable parameters, mini-batches reshuffled every epoch
    (reproducibly, from ``seed``): exactly ``epochs`` passes over the features, that
    is ``epochs * ceil(len(train_features) / batch_size)`` optimizer steps.
    """
    optimizer = torch.optim.Adam([p for p in head.parameters() if p.requires_grad],
                                 lr=lr, weight_decay=weight_decay)
    return train.fit(head, train_features.loader(batch_size, shuffle=True, seed=seed), epochs,
                     val_loader=val_features.loader(512) if val_features is not None else None,
                     optimizer=optimizer, device="cpu", seed=seed, progress=progress, desc=desc)


def round_loader(dataset: Dataset, images_per_round: int, batch_size: int,
                 seed: int = 0) -> DataLoader:
    """A ``DataLoader`` whose every pass ("round") is ``images_per_round`` images drawn at random.

    Within a round no image repeats (if ``images_per_round`` is at most the
    dataset's size); each round draws afresh.  Give it to
    :func:`mobilenet_tutorial.train.fit`, whose *epochs* then count rounds: ``rounds``
    epochs are exactly ``rounds * images_per_round`` images and
    ``rounds * ceil(images_per_round / batch_size)`` optimizer steps, and the learning
    curve gets a point every round.  The order depends only on ``seed`` and the
    dataset's length, so two datasets of the same length (images, and their cached
    features) are drawn in the same order.
    """
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
               for n in (images_per_round, batch_size)):
        raise ValueError(f"images_per_round and batch_size must be integers of at least 1, "
                         f"got {images_per_round!r} and {batch_size!r}")
    sampler = RandomSampler(dataset, num_samples=images_per_round,
                            generator=torch.Generator().manual_seed(seed))
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


class CountingLoader:
    """Wraps an iterable of ``(inputs, labels)`` batches and counts the images it hands out.

    ``images`` keeps growing over every pass, so after :func:`mobilenet_tutorial.train.fit`
    it says how many training images the model saw: a check that strategies
    given the same budget of work did get it.
    """

    def __init__(self, loader: Iterable) -> None:
        self.loader = loader
        self.images = 0

    def __iter__(self) -> Iterator:
        for inputs, labels in self.loader:
            self.images += len(labels)
            yield inputs, labels

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Prediction:
    """One image's prediction: the best class, and the ``top`` classes with their probabilities."""

    index: int
    label: str
    probability: float
    top: list[tuple[str, float]]


@torch.no_grad()
def predict_image(model: nn.Module, image: Image.Image | torch.Tensor | str | Path,
                  transform, classes: Sequence[str], top_k: int = 3) -> Prediction:
    """Classify one image end to end: load, preprocess, run the model, softmax.

    Args:
        model: a classifier returning logits (put in evaluation mode here).
        image: a PIL image, an image tensor ``(C, H, W)`` (uint8, or float in
            ``[0, 1]``), or the path of an image file.
        transform: the evaluation preprocessing, e.g.
            :func:`mobilenet_tutorial.data.transforms.pretrained_transform`.
        classes: the class names, in the order of the model's outputs.
        top_k: how many of the most likely classes to list.
    """
    if isinstance(image, (str, Path)):
        with Image.open(image) as handle:
            image = handle.convert("RGB")
    if isinstance(image, torch.Tensor) and image.ndim != 3:
        raise ValueError(f"expected one image tensor of shape (C, H, W), got shape "
                         f"{tuple(image.shape)}; for a batch, call the model directly")
    model.eval()
    device = next(model.parameters()).device
    logits = model(transform(image).unsqueeze(0).to(device))[0]
    if logits.numel() != len(classes):
        raise ValueError(f"the model has {logits.numel()} outputs but {len(classes)} class "
                         "names were given")
    probabilities = logits.softmax(dim=0).cpu()
    values, indices = probabilities.topk(min(top_k, len(classes)))
    top = [(classes[i], float(p)) for p, i in zip(values.tolist(), indices.tolist(), strict=True)]
    best = int(indices[0])
    return Prediction(index=best, label=classes[best], probability=float(values[0]), top=top)


def save_classifier(model: nn.Module, path: str | Path) -> Path:
    """Save ``model``'s ``state_dict`` (weights and BatchNorm statistics, no code) to ``path``.

    The file is written atomically and carries a SHA-256 of the tensors, which
    :func:`load_classifier` checks (see :mod:`mobilenet_tutorial.storage`).
    """
    checks.module("model", model)
    return save_checked(model.state_dict(), path, kind="mobilenet_v2_classifier")


def load_classifier(path: str | Path, num_classes: int) -> MobileNetV2:
    """Rebuild a :func:`mobilenet_v2_classifier` and load a saved ``state_dict`` (eval mode).

    Loading uses ``weights_only=True`` (a file cannot run code), checks the file's
    SHA-256 and then that every name and shape matches.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        mobilenet_tutorial.storage.CorruptFileError: if the file is unreadable, has no
            checksum or has changed since :func:`save_classifier` wrote it.
        ValueError: if it holds another network or another number of classes.
    """
    checks.positive_int("num_classes", num_classes, "10 for Fashion-MNIST")
    state, _ = load_checked(path)
    model = mobilenet_v2_classifier(num_classes, pretrained=False, seed=None)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"{path} does not hold a MobileNetV2 classifier for {num_classes} "
                         f"classes: {error}") from error
    return model.eval()


SMALL_CNN_BLOCKS: tuple[tuple[int, int], ...] = ((2, 2), (2, 1), (4, 2), (4, 1), (8, 2))
"""The depthwise-separable blocks of :func:`small_cnn`: (output channels / ``width``, stride)."""


def small_cnn(num_classes: int, width: int = 16, in_channels: int = 3,
              seed: int | None = 0) -> nn.Sequential:
    """A small depthwise-separable network with random weights, to train from scratch.

    A 3 x 3 stem convolution to ``width`` channels, then the blocks of
    :data:`SMALL_CNN_BLOCKS` (each a
    :class:`~mobilenet_tutorial.layers.separable.DepthwiseSeparable`
    with batch norm and ReLU), global average pooling, ``Dropout(0.2)`` and a linear layer.
    The three stride-2 blocks divide the input's side by 8: 32 x 32 ends at 4 x 4.

    Args:
        num_classes: number of classes (at least 2).
        width: channels of the stem; the blocks use 2, 4 and 8 times as many.
        in_channels: channels of the input (3 for the prepared images of chapter 6,
            grey images included, since their channel is repeated).
        seed: seeds the random initialisation (PyTorch's defaults for each layer);
            ``None`` leaves the generator alone.

    Raises:
        ValueError: if ``num_classes`` is below 2, or ``width`` or ``in_channels`` is not a
            positive integer.
    """
    _class_count(num_classes)
    checks.positive_int("width", width, "such as 16")
    checks.positive_int("in_channels", in_channels, "3 for RGB or repeated grey images")
    if seed is not None:
        torch.manual_seed(checks.seed("seed", seed))
    layers: list[nn.Module] = [ConvNormActivation(in_channels, width, 3)]
    channels = width
    for factor, stride in SMALL_CNN_BLOCKS:
        layers.append(DepthwiseSeparable(channels, factor * width, stride))
        channels = factor * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(0.2),
               nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)
