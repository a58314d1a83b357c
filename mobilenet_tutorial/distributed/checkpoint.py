"""A training checkpoint that resumes exactly: written by rank 0 only, atomically, checked.

A run that stops and resumes should end where an uninterrupted run ends.  That needs more
than the weights: the optimizer's state (SGD's momentum buffers), the number of steps
taken, the sampler's epoch (its permutation depends on it) and the random number
generators' states of every rank.  :func:`save_checkpoint` stores them all with
:func:`mobilenet_tutorial.storage.save_checked` (one file, written whole or not at all,
with a SHA-256 of its tensors) and does so on rank 0 only: every rank holds the same
weights, and several processes writing one file is at best wasted work and at worst a
corrupt file.  :func:`load_checkpoint` reads it back, refusing a damaged file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .. import checks
from ..storage import load_checked, save_checked

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint"]

_MODEL, _OPTIMIZER, _RNG = "model.", "optimizer.", "rng."


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` reads back.

    Attributes:
        model_state: the model's ``state_dict`` (BatchNorm statistics included).
        optimizer_state: the optimizer's ``state_dict``, ready for ``load_state_dict``.
        step: optimizer steps taken.
        epoch: the sampler epoch the next step belongs to.
        rng_states: torch's CPU random state of each rank, by rank.
        config: the run's settings (seed, global batch, ...), to refuse a resume that
            changes them.
    """

    model_state: dict[str, torch.Tensor]
    optimizer_state: dict[str, Any]
    step: int
    epoch: int
    rng_states: list[torch.Tensor] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


def _optimizer_tensors(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer ``state_dict`` split into named tensors and what JSON can hold."""
    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for index, entries in state["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{_OPTIMIZER}{index}.{key}"] = value
            else:
                plain.setdefault(str(index), {})[key] = value
    return tensors, {"param_groups": state["param_groups"], "plain": plain}


def save_checkpoint(path: str | os.PathLike, *, rank: int, model: nn.Module,
                    optimizer: torch.optim.Optimizer, step: int, epoch: int,
                    rng_states: list[torch.Tensor], config: dict[str, Any]) -> Path | None:
    """Write the checkpoint to ``path`` if ``rank`` is 0; return the path, or ``None`` elsewhere.

    ``model`` is the bare model (for ``DistributedDataParallel``, its ``.module``), so that
    the names carry no ``module.`` prefix and the file loads into a model without DDP.
    ``rng_states`` holds every rank's ``torch.get_rng_state()`` (gathered to rank 0 first).

    Raises:
        TypeError: if ``path`` is not a path, or ``model`` not a module.
        ValueError: if ``step``, ``epoch`` or ``rank`` is not a whole number.
    """
    path = checks.file_path("path", path)
    checks.count("rank", rank, "this process's rank, 0 for the first")
    checks.module("model", model)
    checks.count("step", step, "the number of optimizer steps taken")
    checks.count("epoch", epoch, "the sampler's epoch")
    if rank != 0:
        return None
    tensors = {f"{_MODEL}{name}": value for name, value in model.state_dict().items()}
    optimizer_tensors, optimizer_rest = _optimizer_tensors(optimizer.state_dict())
    tensors.update(optimizer_tensors)
    tensors.update({f"{_RNG}{r}": state for r, state in enumerate(rng_states)})
    return save_checked(tensors, path, step=step, epoch=epoch,
                        optimizer=json.dumps(optimizer_rest), config=json.dumps(config))


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint :func:`save_checkpoint` wrote.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        mobilenet_tutorial.storage.CorruptFileError: if it is damaged or not a checkpoint.
    """
    tensors, info = load_checked(path)
    model_state = {name[len(_MODEL):]: value for name, value in tensors.items()
                   if name.startswith(_MODEL)}
    rest = json.loads(info["optimizer"])
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith(_OPTIMIZER):
            index, key = name[len(_OPTIMIZER):].split(".", 1)
            state.setdefault(int(index), {})[key] = value
    for index, entries in rest["plain"].items():
        state.setdefault(int(index), {}).update(entries)
    ranks = sorted(int(name[len(_RNG):]) for name in tensors if name.startswith(_RNG))
    return Checkpoint(model_state=model_state,
                      optimizer_state={"state": state, "param_groups": rest["param_groups"]},
                      step=int(info["step"]), epoch=int(info["epoch"]),
                      rng_states=[tensors[f"{_RNG}{r}"] for r in ranks],
                      config=json.loads(info["config"]))
