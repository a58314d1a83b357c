"""Launched by ``test_processes.py`` under torchrun: several runs in one launch, and per-rank facts.

Starting processes is the slow part on a busy CPU (each imports torch), so one launch does
all the multi-process work of the tests: the training entry point as torchrun runs it (its
``__main__``), an interrupted run and its resumption, and, per rank, the sampler's shards,
all-reduced metrics and a rank-0-only save, each written to ``rank<r>.json`` for the tests
to read.  Usage: ``torchrun --standalone --nproc-per-node=2 ddp_runs.py FOLDER STEPS``.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from mobilenet_tutorial.distributed import (
    global_metrics,
    load_checkpoint,
    save_checkpoint,
    shard_sampler,
)
from mobilenet_tutorial.distributed.train import main

folder, steps = Path(sys.argv[1]), int(sys.argv[2])
COMMON = ["--global-batch-size", "16", "--seed", "0", "--bn", "frozen", "--threads", "1",
          "--train-images", "256"]

dist.init_process_group("gloo")  # joined once: the runs below reuse it
rank, world_size = dist.get_rank(), dist.get_world_size()

# 1. The command line, exactly as `torchrun -m mobilenet_tutorial.distributed.train` runs it.
sys.argv = ["train", "--steps", str(steps), *COMMON, "--checkpoint", str(folder / "whole.pt")]
runpy.run_module("mobilenet_tutorial.distributed.train", run_name="__main__")

# 2. Interrupted half-way, then resumed.
resumed = ["--steps", str(steps), *COMMON, "--checkpoint", str(folder / "resumed.pt")]
main([*resumed, "--stop-after", str(steps // 2)])
halfway = load_checkpoint(folder / "resumed.pt").step
main([*resumed, "--resume"])

# 3. Shards of a 40-item dataset in two epochs, and what forgetting set_epoch gives.
items = list(range(40))
sampler = shard_sampler(items, world_size, rank, seed=0)
shards = {}
for epoch in (0, 1):
    sampler.set_epoch(epoch)
    shards[f"epoch{epoch}"] = list(sampler)
forgetful = shard_sampler(items, world_size, rank, seed=0)
shards["epoch1_without_set_epoch"] = list(forgetful)

# 4. Metrics: each rank scores its own half of a fixed batch; all-reduced, they are the batch's.
generator = torch.Generator().manual_seed(1)
logits = torch.randn(24, 10, generator=generator, dtype=torch.float64)
labels = torch.randint(0, 10, (24,), generator=generator)
mine = slice(rank * 24 // world_size, (rank + 1) * 24 // world_size)
loss_sum = nn.functional.cross_entropy(logits[mine], labels[mine], reduction="sum")
correct = (logits[mine].argmax(1) == labels[mine]).sum()
loss, accuracy = global_metrics(loss_sum, correct, len(labels[mine]))

# 5. Every rank asks to save a model holding its own rank: only rank 0's may reach the file.
model = nn.Linear(1, 1)
nn.init.constant_(model.weight, float(rank))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
written = save_checkpoint(folder / "only_rank0.pt", rank=rank, model=model, optimizer=optimizer,
                          step=0, epoch=0, rng_states=[torch.get_rng_state()], config={})

record = {"rank": rank, "world_size": world_size, "halfway": halfway, "shards": shards,
          "loss": loss, "accuracy": accuracy, "wrote": written is not None}
(folder / f"rank{rank}.json").write_text(json.dumps(record))
dist.barrier()
dist.destroy_process_group()
