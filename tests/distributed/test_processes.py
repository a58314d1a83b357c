"""Real processes on the CPU: torchrun with two gloo processes against one process.

One launch (``ddp_runs.py``) does all the multi-process work; the one-process reference
runs here, in the test process.  ``--standalone`` has torchrun pick a free port for its
rendezvous, so these tests run in parallel with the rest of the suite.

The weights of two runs are compared within
:func:`mobilenet_tutorial.distributed.training_tolerance`: with BatchNorm frozen and no
dropout, two processes add the same float32 terms as one, in another order (each rank sums
its half of the batch, the all-reduce adds the halves).  A gradient element accumulates
``gradient_roundings`` roundings (the backward and forward paths, the sum over the global
batch and output positions, the all-reduce), each of relative size at most ``eps`` of the
largest gradient ``G``; SGD with momentum carries a step's error into the weights
``momentum_factor`` times, scaled by the learning rate; and each stored float32 weight may
round to a neighbour, one ``eps`` of the largest weight per step.  The bound is first-order:
training amplifies small differences over many steps, so the runs here are short (a few
steps), as in chapter 11.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mobilenet_tutorial import accumulation_length, rounding_tolerance, transfer
from mobilenet_tutorial.distributed import (
    gradient_roundings,
    load_checkpoint,
    training_tolerance,
)
from mobilenet_tutorial.distributed.train import main, metrics_path

STEPS = 4
BATCH = 16
LR, MOMENTUM = 0.001, 0.9
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SETTINGS = ["--global-batch-size", str(BATCH), "--seed", "0", "--bn", "frozen",
            "--train-images", "256"]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ddp")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node=2", str(HERE / "ddp_runs.py"), str(folder), str(STEPS)]
    done = subprocess.run(command, env=_environment(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):  # leave this process's random state alone
        try:
            main(["--steps", str(STEPS), *SETTINGS, "--threads", "2",
                  "--checkpoint", str(folder / "one.pt")])
        finally:
            torch.set_num_threads(threads)
    return folder


def _max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a
               if a[k].is_floating_point())


def _tolerance(*metrics_files: Path, state: dict[str, torch.Tensor]) -> float:
    largest = max(step["max_gradient"] for path in metrics_files
                  for step in json.loads(path.read_text())["steps"])
    model = transfer.mobilenet_v2_classifier(10, pretrained=False)
    roundings = gradient_roundings(model, BATCH, 2, 32)
    weight = max(float(t.abs().max()) for t in state.values() if t.is_floating_point())
    return training_tolerance(largest, roundings, STEPS, LR, MOMENTUM, max_weight=weight)


def test_two_processes_end_with_the_one_process_weights(runs):
    one, two = load_checkpoint(runs / "one.pt"), load_checkpoint(runs / "whole.pt")
    assert one.step == two.step == STEPS
    assert (one.config["world_size"], two.config["world_size"]) == (1, 2)
    tolerance = _tolerance(metrics_path(runs / "one.pt"), metrics_path(runs / "whole.pt"),
                           state=one.model_state)
    start = transfer.mobilenet_v2_classifier(10).state_dict()
    moved = _max_difference(one.model_state, start)
    print(f"moved {moved:.3g}, tolerance {tolerance:.3g}, difference "
          f"{_max_difference(one.model_state, two.model_state):.3g}")
    assert moved > 20 * tolerance  # training moved the weights far more than the tolerance
    assert _max_difference(one.model_state, two.model_state) <= tolerance


def test_an_interrupted_run_resumed_ends_with_the_uninterrupted_weights(runs):
    record = json.loads((runs / "rank0.json").read_text())
    assert record["halfway"] == STEPS // 2  # it did stop half-way, and saved there
    whole, resumed = load_checkpoint(runs / "whole.pt"), load_checkpoint(runs / "resumed.pt")
    assert resumed.step == whole.step == STEPS and resumed.epoch == whole.epoch
    assert len(resumed.rng_states) == 2  # both ranks' random states were kept
    tolerance = _tolerance(metrics_path(runs / "whole.pt"), metrics_path(runs / "resumed.pt"),
                           state=whole.model_state)
    assert _max_difference(whole.model_state, resumed.model_state) <= tolerance
    resumed_metrics = json.loads(metrics_path(runs / "resumed.pt").read_text())
    assert resumed_metrics["first_step"] == STEPS // 2  # the resumed launch ran only the rest


def test_all_reduced_metrics_are_the_one_process_metrics(runs):
    generator = torch.Generator().manual_seed(1)  # the batch ddp_runs.py split between ranks
    logits = torch.randn(24, 10, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 10, (24,), generator=generator)
    loss = float(torch.nn.functional.cross_entropy(logits, labels))
    accuracy = float((logits.argmax(1) == labels).double().mean())
    for rank in (0, 1):  # every rank reports the whole batch's numbers
        record = json.loads((runs / f"rank{rank}.json").read_text())
        # a float64 sum of 24 losses, in two halves instead of one: 24 roundings at most
        assert abs(record["loss"] - loss) <= rounding_tolerance(loss, 24)
        assert record["accuracy"] == accuracy
    # The first training step (same weights on both sides): the loss each run reported.
    first = [json.loads(metrics_path(runs / name).read_text())["steps"][0]["loss"]
             for name in ("one.pt", "whole.pt")]
    model = transfer.mobilenet_v2_classifier(10, pretrained=False)
    # forward pass, then the float32 mean over the batch
    assert abs(first[0] - first[1]) <= rounding_tolerance(
        first[0], accumulation_length(model) + BATCH, torch.float32)


def test_shards_are_disjoint_cover_the_data_and_reshuffle(runs):
    records = [json.loads((runs / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    for epoch in ("epoch0", "epoch1"):
        zero, one = (set(r["shards"][epoch]) for r in records)
        assert not zero & one and zero | one == set(range(40))
        assert all(len(r["shards"][epoch]) == 20 for r in records)
    for record in records:
        shards = record["shards"]
        assert shards["epoch0"] != shards["epoch1"]  # set_epoch gives a new order
        assert shards["epoch1_without_set_epoch"] == shards["epoch0"]  # forgetting it does not


def test_only_rank_zero_writes(runs):
    records = [json.loads((runs / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [r["wrote"] for r in records] == [True, False]
    saved = load_checkpoint(runs / "only_rank0.pt")
    assert float(saved.model_state["weight"]) == 0.0  # rank 0's model, not rank 1's
    written = {p.name for p in runs.iterdir()}
    assert written == {"whole.pt", "whole.pt.metrics.json", "resumed.pt",
                       "resumed.pt.metrics.json", "one.pt", "one.pt.metrics.json",
                       "only_rank0.pt", "rank0.json", "rank1.json"}  # no partial files


def test_the_command_refuses_a_global_batch_the_processes_do_not_divide(tmp_path):
    env = _environment() | {"WORLD_SIZE": "3"}  # as torchrun --nproc-per-node=3 would set
    command = [sys.executable, "-m", "mobilenet_tutorial.distributed.train", "--steps", "2",
               "--global-batch-size", "32", "--checkpoint", str(tmp_path / "x.pt")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "--global-batch-size 32 cannot be split evenly between 3 processes" in done.stderr
    assert "multiple of 3 (such as 30 or 33)" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())
