"""Features of a frozen network, computed once and cached.

A frozen backbone turns the same image into the same features every epoch, so
computing them once and training the new layers on the stored result gives the
same training at a fraction of the cost.  :class:`FeatureCache` keeps the
features in memory (and, if given a folder, on disk), keyed by the backbone's
weights and a name for the data: asking twice for the same pair returns the
stored tensors without running the backbone again.

The cache runs the backbone in evaluation mode, so BatchNorm layers use their
stored (ImageNet) statistics and do not change them.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset
from tqdm.auto import tqdm

from .. import checks
from ..modes import evaluating
from ..storage import load_checked, save_checked, tensors_digest

__all__ = ["Features", "module_fingerprint", "extract_features", "FeatureCache"]


@dataclass(frozen=True)
class Features:
    """Features of a dataset: ``features`` ``(N, ...)``, ``labels`` ``(N,)``, and what they cost.

    ``seconds`` is the time it took to compute them (not to load them from the
    cache), so that a strategy that uses cached features can be charged for them.
    """

    features: torch.Tensor
    labels: torch.Tensor
    seconds: float
    key: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def dataset(self) -> TensorDataset:
        """The pairs ``(feature, label)`` as a ``TensorDataset``."""
        return TensorDataset(self.features, self.labels)

    def loader(self, batch_size: int = 256, shuffle: bool = False, seed: int = 0) -> DataLoader:
        """A ``DataLoader`` over the pairs, reshuffled every epoch if ``shuffle``."""
        generator = torch.Generator().manual_seed(seed) if shuffle else None
        return DataLoader(self.dataset(), batch_size=batch_size, shuffle=shuffle,
                          generator=generator)


def module_fingerprint(module: nn.Module) -> str:
    """A short SHA-256 of a module's structure and of its parameters' and buffers' values.

    The structure is every submodule's name, class and settings (``extra_repr``: kernel
    sizes, strides, padding, pooling sizes, ...), so two modules get the same fingerprint
    exactly when they compute the same function with the same weights, as far as their
    settings and state show.
    """
    checks.module("module", module)
    digest = hashlib.sha256()
    for name, child in module.named_modules():
        digest.update(f"{name}:{type(child).__name__}({child.extra_repr()});".encode())
    digest.update(tensors_digest(module.state_dict()).encode())
    return digest.hexdigest()[:16]


@torch.inference_mode()
def extract_features(backbone: nn.Module, data: Dataset | DataLoader, batch_size: int = 128,
                     progress: bool = True, desc: str = "features") -> Features:
    """Run ``backbone`` in evaluation mode over ``data`` and stack its outputs.

    Args:
        backbone: the frozen part of a network (every submodule's mode is restored after).
        data: a dataset of ``(image, label)`` pairs, or a ``DataLoader`` of batches.
        batch_size: used when ``data`` is a dataset (the order is kept).
        progress: show a tqdm bar.
    """
    loader = data if isinstance(data, DataLoader) else DataLoader(data, batch_size=batch_size)
    device = next(backbone.parameters()).device
    outputs, labels = [], []
    start = time.perf_counter()
    with evaluating(backbone):
        for inputs, targets in tqdm(loader, desc=desc, disable=not progress, leave=False):
            outputs.append(backbone(inputs.to(device)).cpu())
            labels.append(torch.as_tensor(targets))
    if not outputs:
        raise ValueError("the data is empty: there is nothing to extract features from")
    return Features(torch.cat(outputs), torch.cat(labels), time.perf_counter() - start)


class FeatureCache:
    """Features computed once per (backbone weights, data) pair; in memory, and on disk if asked.

    Args:
        directory: if given, features are also saved there as ``.pt`` files and
            found again by later sessions (delete the folder to start afresh).

    Attributes:
        computed: how many times the cache had to run a backbone.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._memory: dict[str, Features] = {}
        self.computed = 0

    def key(self, backbone: nn.Module, data_key: str) -> str:
        """The cache key: ``data_key`` and the backbone's :func:`module_fingerprint`."""
        if not isinstance(data_key, str) or not re.fullmatch(r"[\w.=+-]+", data_key):
            raise ValueError(
                f"data_key must be a non-empty name of letters, digits and . _ - = + "
                f"(it becomes a file name), got {data_key!r}"
            )
        return f"{data_key}-{module_fingerprint(backbone)}"

    def __len__(self) -> int:
        return len(self._memory)

    def __contains__(self, key: str) -> bool:
        return key in self._memory or (self.directory is not None
                                        and (self.directory / f"{key}.pt").is_file())

    def features(self, backbone: nn.Module, data: Dataset | DataLoader, data_key: str,
                 batch_size: int = 128, progress: bool = True) -> Features:
        """The features of ``data`` under ``backbone``: from the cache, or computed and stored.

        Args:
            backbone: the frozen network part whose outputs are wanted.
            data: a dataset of ``(image, label)`` pairs or a ``DataLoader``.
            data_key: a name for the data that changes whenever the images do:
                source, split, subset, size and preprocessing, e.g.
                ``"fashion_mnist-train-n5000-seed0-64px"``.  The backbone's
                weights are part of the key already.
            batch_size, progress: as in :func:`extract_features`.
        """
        key = self.key(backbone, data_key)
        if key in self._memory:
            return self._memory[key]
        path = self.directory / f"{key}.pt" if self.directory is not None else None
        if path is not None and path.is_file():
            stored, info = load_checked(path)  # a corrupt file raises, naming it
            result = Features(stored["features"], stored["labels"], float(info["seconds"]), key)
        else:
            computed = extract_features(backbone, data, batch_size=batch_size,
                                        progress=progress, desc=data_key)
            result = Features(computed.features, computed.labels, computed.seconds, key)
            self.computed += 1
            if path is not None:
                save_checked({"features": result.features, "labels": result.labels}, path,
                             seconds=result.seconds)
        self._memory[key] = result
        return result

    def clear(self) -> None:
        """Forget the features held in memory (files on disk are kept)."""
        self._memory.clear()
