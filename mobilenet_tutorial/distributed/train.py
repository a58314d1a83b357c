"""Fine-tune MobileNetV2 on Fashion-MNIST on one or more processes: chapter 11's entry point.

Run it under torchrun, with as many processes as you like::

    torchrun --standalone --nproc-per-node=2 -m mobilenet_tutorial.distributed.train \\
        --steps 20 --global-batch-size 32 --seed 0 --bn frozen --checkpoint run.pt

or alone (``python -m mobilenet_tutorial.distributed.train ...``), as one process.  Each
process reads its rank and the number of processes (``RANK``, ``WORLD_SIZE``) from the
environment torchrun sets, joins the process group (gloo on a CPU, NCCL on GPUs), takes
``global batch / N`` images per step from its ``DistributedSampler`` shard, and trains a
copy of the model wrapped in ``DistributedDataParallel``, which all-reduces (averages) the
gradients during the backward pass, so every copy takes the same step.  The loss and
accuracy are all-reduced too (:func:`.metrics.global_metrics`): every rank reports the
global batch's.  At the end (or after ``--stop-after`` steps, to play an interruption)
rank 0 alone writes the checkpoint (:mod:`.checkpoint`) and, beside it, a JSON file of the
metrics of each step (``PATH.metrics.json``); ``--resume`` continues from the checkpoint,
exactly where it stopped.

``--bn frozen`` keeps every BatchNorm in evaluation mode (its running statistics fixed,
its scale and shift still learning), as when fine-tuning a pretrained backbone: then N
processes compute the one-process step up to rounding.  ``--bn train`` normalises with each
process's own batch statistics, which differ from the global batch's: see chapter 11.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from .. import checks, transfer
from ..storage import atomic_path
from .checkpoint import load_checkpoint, save_checkpoint
from .data import fashion_training_set
from .metrics import global_metrics
from .sharding import per_process_batch, position_in_epoch, shard_sampler, steps_per_epoch

__all__ = ["SettingsError", "parse_args", "metrics_path", "set_batchnorm", "main"]

NUM_CLASSES = 10
#: Settings a resumed run must share with the run that wrote the checkpoint.
RESUMED_SETTINGS = ("seed", "global_batch_size", "bn", "lr", "momentum", "image_size",
                    "train_images", "dropout", "world_size")


class SettingsError(ValueError):
    """A setting of the command line that cannot work; the message says what to pass."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line's settings (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m mobilenet_tutorial.distributed.train",
        description="Fine-tune ImageNet MobileNetV2 on Fashion-MNIST, data-parallel "
                    "(launch with torchrun --nproc-per-node=N).")
    parser.add_argument("--steps", type=int, required=True, help="optimizer steps in all")
    parser.add_argument("--global-batch-size", type=int, required=True,
                        help="images per step over all processes (N must divide it)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the head, the data, the order")
    parser.add_argument("--bn", choices=("frozen", "train"), default="frozen",
                        help="BatchNorm statistics frozen (eval mode) or from each batch")
    parser.add_argument("--checkpoint", type=Path, required=True, help="file rank 0 writes")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="stop (and save) after this many steps, as if interrupted")
    parser.add_argument("--lr", type=float, default=0.001, help="SGD's learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD's momentum")
    parser.add_argument("--image-size", type=int, default=32, help="input height and width")
    parser.add_argument("--train-images", type=int, default=1024,
                        help="size of the Fashion-MNIST training subset")
    parser.add_argument("--dropout", type=float, default=0.0,
                        help="the classifier's dropout (random: it breaks equality)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per process (torchrun's default is 1)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="auto: one GPU per process (NCCL) if there are enough, else the "
                             "CPU (gloo)")
    return parser.parse_args(argv)


def metrics_path(checkpoint: Path) -> Path:
    """Where rank 0 writes the metrics of a run: ``<checkpoint>.metrics.json``."""
    return checkpoint.with_name(checkpoint.name + ".metrics.json")


def _check_settings(args: argparse.Namespace, world_size: int) -> int:
    """Refuse settings that cannot work, by name; return the per-process batch."""
    try:
        checks.positive_int("--steps", args.steps, "such as 20")
        checks.seed("--seed", args.seed)
        checks.positive_number("--lr", args.lr, "such as 0.01")
        checks.probability("--momentum", args.momentum, "0.9 is usual, 0 for plain SGD")
        checks.probability("--dropout", args.dropout, "0 keeps runs comparable")
        checks.positive_int("--image-size", args.image_size, "such as 32")
        checks.positive_int("--train-images", args.train_images, "such as 1024")
        if args.threads is not None:
            checks.positive_int("--threads", args.threads, "such as 1")
        if args.stop_after is not None and not (isinstance(args.stop_after, int)
                                                and 0 < args.stop_after <= args.steps):
            raise ValueError(f"--stop-after must be a whole number from 1 to --steps "
                             f"({args.steps}), got {args.stop_after}")
        if args.resume and not args.checkpoint.is_file():
            raise ValueError(f"--resume needs the checkpoint {args.checkpoint}, which does "
                             "not exist: run once without --resume first")
        steps_per_epoch(args.train_images, args.global_batch_size)
        return per_process_batch(args.global_batch_size, world_size)
    except ValueError as error:
        message = str(error).replace("the global batch size ", "--global-batch-size ")
        raise SettingsError(message) from None


def set_batchnorm(model: nn.Module, bn: str) -> nn.Module:
    """``model`` in training mode, its BatchNorms in evaluation mode if ``bn == "frozen"``."""
    checks.one_of("bn", bn, ("frozen", "train"))
    model.train()
    if bn == "frozen":
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
    return model


def _use_cuda(device: str) -> bool:
    """Whether this process trains on a GPU: ``cuda``, or ``auto`` with a GPU per local process."""
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    enough = torch.cuda.is_available() and torch.cuda.device_count() >= local_processes
    if device == "cuda" and not enough:
        raise SettingsError(f"--device cuda needs a GPU for each of the {local_processes} "
                            f"processes on this machine, and {torch.cuda.device_count()} "
                            "are visible: use --device cpu or fewer processes")
    return device == "cuda" or (device == "auto" and enough)


def _config(args: argparse.Namespace, world_size: int) -> dict[str, Any]:
    return {"seed": args.seed, "global_batch_size": args.global_batch_size, "bn": args.bn,
            "lr": args.lr, "momentum": args.momentum, "image_size": args.image_size,
            "train_images": args.train_images, "dropout": args.dropout,
            "world_size": world_size, "steps": args.steps}


def _gathered_rng_states(distributed: bool) -> list[torch.Tensor]:
    """Every rank's torch CPU random state, in rank order (on every rank)."""
    state = torch.get_rng_state()
    if not distributed:
        return [state]
    states: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(states, state)
    return states


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train as the command line says; return this rank's summary of the run.

    Under torchrun it joins the process group (and leaves it at the end), unless the caller
    has joined one already: a script may then call ``main`` several times in one launch.

    Raises:
        SettingsError: for a setting that cannot work (e.g. a global batch the number of
            processes does not divide), before any process group is joined.
    """
    args = parse_args(argv)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_batch = _check_settings(args, world_size)
    config = _config(args, world_size)
    checkpoint = load_checkpoint(args.checkpoint) if args.resume else None
    if checkpoint is not None:
        changed = [k for k in RESUMED_SETTINGS if checkpoint.config.get(k) != config[k]]
        if changed:
            raise SettingsError(
                "--resume must keep the settings of the run that wrote the checkpoint; these "
                "differ: " + ", ".join(f"{k} (was {checkpoint.config.get(k)!r}, now "
                                       f"{config[k]!r})" for k in changed))
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    distributed = "RANK" in os.environ  # under torchrun, even with one process
    cuda = _use_cuda(args.device)
    joins = distributed and not dist.is_initialized()  # a caller's group is reused, not left
    if joins:
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if cuda else "cpu")
    try:
        return _train(args, rank, world_size, local_batch, config, checkpoint, distributed,
                      device)
    finally:
        if joins:
            dist.destroy_process_group()


def _train(args: argparse.Namespace, rank: int, world_size: int, local_batch: int,
           config: dict[str, Any], checkpoint: Any, distributed: bool,
           device: torch.device) -> dict[str, Any]:
    from tqdm.auto import tqdm

    model = transfer.mobilenet_v2_classifier(NUM_CLASSES, pretrained=True, seed=args.seed)
    model.classifier[0].p = args.dropout
    dataset = fashion_training_set(args.train_images, args.image_size, args.seed)
    per_epoch = steps_per_epoch(len(dataset), args.global_batch_size)
    sampler = shard_sampler(dataset, world_size, rank, args.seed)
    loader = DataLoader(dataset, batch_size=local_batch, sampler=sampler, drop_last=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    step = 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint.model_state)
        optimizer.load_state_dict(checkpoint.optimizer_state)
        torch.set_rng_state(checkpoint.rng_states[rank])
        step = checkpoint.step
    model.to(device)
    wrapped = DistributedDataParallel(model) if distributed else model
    set_batchnorm(model, args.bn)
    stop = args.steps if args.stop_after is None else args.stop_after
    first, records, batches = step, [], None
    bar = tqdm(total=stop, initial=step, disable=rank != 0, mininterval=1.0,
               desc=f"{world_size} process{'es' if world_size > 1 else ''}")
    while step < stop:
        epoch, within = position_in_epoch(step, per_epoch)
        if batches is None or within == 0:  # a new epoch (or the first batch after a resume)
            sampler.set_epoch(epoch)  # without it, every epoch repeats epoch 0's order
            batches = itertools.islice(iter(loader), within, None)
        images, labels = (t.to(device) for t in next(batches))
        started = time.perf_counter()
        logits = wrapped(images)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # DDP all-reduces the gradients here
        largest = max(float(p.grad.abs().max()) for p in model.parameters()
                      if p.grad is not None)
        optimizer.step()
        mean_loss, accuracy = global_metrics(loss.detach() * len(labels),
                                             (logits.argmax(1) == labels).sum(), len(labels))
        records.append({"step": step + 1, "epoch": epoch, "loss": mean_loss,
                        "accuracy": accuracy, "max_gradient": largest,
                        "seconds": time.perf_counter() - started})
        step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{mean_loss:.3f}", refresh=False)
    bar.close()
    epoch, _ = position_in_epoch(step, per_epoch)
    rng_states = _gathered_rng_states(distributed)
    written = save_checkpoint(args.checkpoint, rank=rank, model=model, optimizer=optimizer,
                              step=step, epoch=epoch, rng_states=rng_states, config=config)
    timed = [r["seconds"] for r in records[1:]] or [r["seconds"] for r in records]
    summary = {"world_size": world_size, "threads": torch.get_num_threads(),
               "first_step": first, "last_step": step, "per_process_batch": local_batch,
               "images_per_second": (args.global_batch_size * len(timed) / sum(timed)
                                     if timed else None),
               "config": config, "steps": records}
    if written is not None:
        with atomic_path(metrics_path(args.checkpoint)) as partial:
            partial.write_text(json.dumps(summary, indent=1))
        print(f"rank 0 saved step {step} to {written}", flush=True)
    if distributed:
        dist.barrier()  # no rank leaves before the checkpoint is complete
    return summary


if __name__ == "__main__":
    try:
        main()
    except SettingsError as error:
        print(f"{Path(sys.argv[0]).name}: error: {error}", file=sys.stderr)
        sys.exit(2)
