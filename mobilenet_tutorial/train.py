"""A small, reusable training loop: :func:`fit`, :func:`evaluate`, :func:`predict`.

Works with any ``nn.Module`` classifier and any ``DataLoader`` of
``(inputs, labels)`` batches, on the CPU or a GPU.  Progress shows as a tqdm
bar (in a terminal, Jupyter and Colab), seeds are fixed so that a rerun gives
the same numbers, and :class:`History` keeps loss and accuracy per epoch.  How
much to train is always a count (epochs of a loader), never a time: the time is
measured and kept, so that it can be shown next to the results.
"""

from __future__ import annotations

import numbers
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from . import checks

__all__ = ["seed_everything", "default_device", "History", "evaluate", "predict", "fit"]


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators (``seed`` from 0 to 2**32 - 1)."""
    checks.seed("seed", seed)
    if seed >= 2**32:
        raise ValueError(f"seed must be below 2**32 (NumPy's limit), such as 0, got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def default_device() -> torch.device:
    """A GPU if one is available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class History:
    """Per-epoch records of a :func:`fit` run."""

    records: list[dict[str, float]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The records as a table, one row per epoch."""
        return pd.DataFrame(self.records).set_index("epoch") if self.records else pd.DataFrame()

    @property
    def seconds(self) -> float:
        """Total training time (evaluation excluded), in seconds."""
        return float(sum(r["seconds"] for r in self.records))

    def last(self, key: str) -> float:
        """The last epoch's value of ``key``, e.g. ``history.last("val_accuracy")``."""
        if not self.records:
            raise ValueError("the history is empty: fit has not run an epoch")
        return float(self.records[-1][key])

    def plot(self, axes=None, label: str = ""):
        """Learning curves: loss and accuracy per epoch, training (dashed) and validation.

        Pass the ``axes`` of an earlier call, and a ``label``, to draw several runs on the
        same two panels; each run keeps one colour for its two curves.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        frame = self.to_frame()
        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        prefix = f"{label} " if label else ""
        for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
            color = None
            for split, style in (("train", "--"), ("val", "-")):
                column = f"{split}_{metric}"
                if column in frame:
                    (line,) = ax.plot(frame.index, frame[column], style, marker="o",
                                      color=color, label=f"{prefix}{split}")
                    color = line.get_color()
            ax.set_xlabel("epoch")
            ax.set_ylabel(metric)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend()
        return axes


def _accuracy_count(logits: torch.Tensor, labels: torch.Tensor) -> int:
    return int((logits.argmax(dim=1) == labels).sum())


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, device: torch.device | str | None = None,
             loss_fn: Callable | None = None) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` over ``loader`` (model put in eval mode)."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        logits = model(inputs)
        total_loss += float(loss_fn(logits, labels)) * len(labels)
        correct += _accuracy_count(logits, labels)
        count += len(labels)
    if count == 0:
        raise ValueError("the loader yielded no data")
    return {"loss": total_loss / count, "accuracy": correct / count}


@torch.no_grad()
def predict(model: nn.Module, loader: Iterable,
            device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted classes and true labels for every item of ``loader``, as two 1-D tensors."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    predictions, targets = [], []
    for inputs, labels in loader:
        predictions.append(model(inputs.to(device)).argmax(dim=1).cpu())
        targets.append(labels.cpu())
    return torch.cat(predictions), torch.cat(targets)


def fit(model: nn.Module, train_loader: Iterable, epochs: int,
        val_loader: Iterable | None = None, optimizer: torch.optim.Optimizer | None = None,
        lr: float = 1e-3, scheduler=None, loss_fn: Callable | None = None,
        device: torch.device | str | None = None, seed: int | None = 0,
        progress: bool = True, desc: str = "training") -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    The work is fixed by the arguments alone: ``epochs`` passes over ``train_loader``,
    one optimizer step per batch.  Training time is measured (``seconds`` in each
    record) but never stops the training, so the same seed gives the same numbers on
    an idle or a busy machine.  Compare strategies at equal work by giving them the
    same loader (same images, same order) and the same ``epochs``.

    Args:
        model: a classifier returning logits.
        train_loader: batches of ``(inputs, labels)``.
        epochs: number of passes over ``train_loader``.
        val_loader: if given, evaluated after every epoch (``val_loss``, ``val_accuracy``).
        optimizer: defaults to Adam with learning rate ``lr`` over trainable parameters.
        scheduler: a learning-rate scheduler stepped once per batch, if given.
        loss_fn: defaults to cross-entropy.
        device: defaults to :func:`default_device`; the model is moved there.
        seed: seeds every generator first (``None`` leaves them alone).
        progress: show a tqdm bar (one step per batch when the loader has a length,
            else one per epoch), with the last epoch's accuracies.

    Raises:
        ValueError: if ``epochs`` is not an integer of at least 1, the model has
            nothing to train, or the training loader is empty.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be an integer of at least 1, got {epochs!r}")
    if seed is not None:
        seed_everything(seed)
    device = torch.device(device) if device is not None else default_device()
    model.to(device)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    if optimizer is None:
        trainable = [p for p in model.parameters() if p.requires_grad]
        if not trainable:
            raise ValueError("the model has no trainable parameters: unfreeze some first")
        optimizer = torch.optim.Adam(trainable, lr=lr)
    history = History()
    try:
        batches_per_epoch: int | None = len(train_loader)  # type: ignore[arg-type]
    except TypeError:  # an iterable without a length: count epochs instead
        batches_per_epoch = None
    per_batch = batches_per_epoch is not None
    bar = tqdm(total=epochs * batches_per_epoch if per_batch else epochs, desc=desc,
               unit="batch" if per_batch else "epoch", disable=not progress, leave=False)
    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        total_loss, correct, count = 0.0, 0, 0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad(set_to_none=True)
            logits = model(inputs)
            loss = loss_fn(logits, labels)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total_loss += float(loss.detach()) * len(labels)
            correct += _accuracy_count(logits.detach(), labels)
            count += len(labels)
            if per_batch:
                bar.update(1)
        if count == 0:
            bar.close()
            raise ValueError("the training loader yielded no data")
        seconds = time.perf_counter() - start
        record = {"epoch": epoch, "train_loss": total_loss / count,
                  "train_accuracy": correct / count, "seconds": seconds}
        if val_loader is not None:
            result = evaluate(model, val_loader, device, loss_fn)
            record["val_loss"], record["val_accuracy"] = result["loss"], result["accuracy"]
        history.records.append(record)
        if not per_batch:
            bar.update(1)
        bar.set_postfix({"epoch": epoch, **{k: f"{v:.3f}" for k, v in record.items()
                                             if k.endswith("accuracy")}})
    bar.close()
    return history
