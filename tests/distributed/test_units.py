"""The distributed helpers without processes: exact values and bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial.distributed import (
    Checkpoint,
    global_metrics,
    gradient_roundings,
    load_checkpoint,
    per_process_batch,
    position_in_epoch,
    save_checkpoint,
    shard_sampler,
    training_tolerance,
)
from mobilenet_tutorial.distributed.data import prepare_images
from mobilenet_tutorial.distributed.sharding import steps_per_epoch
from mobilenet_tutorial.distributed.tolerance import largest_output_map, momentum_factor
from mobilenet_tutorial.distributed.train import SettingsError, main, set_batchnorm
from mobilenet_tutorial.storage import CorruptFileError


@pytest.mark.parametrize(("batch", "world", "local"), [(32, 1, 32), (32, 2, 16), (30, 3, 10)])
def test_per_process_batch(batch, world, local):
    assert per_process_batch(batch, world) == local


@pytest.mark.parametrize(("batch", "world", "message"), [
    (32, 3, "multiple of 3 (such as 30 or 33)"),
    (2, 4, "multiple of 4 (such as 4)"),
    (0, 2, "global_batch must be a positive integer"),
    (8, True, "world_size must be a positive integer"),
])
def test_per_process_batch_refuses_what_does_not_divide(batch, world, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        per_process_batch(batch, world)


def test_steps_and_positions_in_epochs():
    assert steps_per_epoch(100, 32) == 3  # the partial batch is dropped
    assert position_in_epoch(0, 3) == (0, 0) and position_in_epoch(7, 3) == (2, 1)
    with pytest.raises(ValueError, match="fewer than one global batch"):
        steps_per_epoch(10, 32)
    with pytest.raises(ValueError, match="step must be a whole number"):
        position_in_epoch(-1, 3)


def test_shards_of_three_ranks_drop_the_tail_and_follow_the_epoch():
    shards = []
    for rank in range(3):
        sampler = shard_sampler(list(range(10)), 3, rank, seed=0)
        sampler.set_epoch(2)
        shards.append(list(sampler))
    assert [len(s) for s in shards] == [3, 3, 3]  # 10 = 3 * 3 + 1: one index dropped
    assert len(set().union(*shards)) == 9
    permutation = torch.randperm(10, generator=torch.Generator().manual_seed(0 + 2)).tolist()
    assert shards[1] == permutation[1:9:3]  # dealt like cards from one permutation


@pytest.mark.parametrize(("rank", "world"), [(2, 2), (-1, 2), (0.5, 2)])
def test_shard_sampler_refuses_a_rank_outside_the_world(rank, world):
    with pytest.raises(ValueError, match="rank must be a whole number from 0 to 1"):
        shard_sampler(list(range(4)), world, rank, seed=0)


def test_global_metrics_without_a_process_group_are_local():
    assert global_metrics(torch.tensor(6.0), torch.tensor(3), 4) == (1.5, 0.75)
    with pytest.raises(ValueError, match="count must be a positive integer"):
        global_metrics(1.0, 1, 0)


def _trained(seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    return model, optimizer


def test_checkpoint_round_trip(tmp_path):
    model, optimizer = _trained(0)
    states = [torch.get_rng_state(), torch.Generator().manual_seed(5).get_state()]
    path = save_checkpoint(tmp_path / "c.pt", rank=0, model=model, optimizer=optimizer, step=7,
                           epoch=2, rng_states=states, config={"seed": 0, "bn": "frozen"})
    loaded = load_checkpoint(path)
    assert isinstance(loaded, Checkpoint)
    assert (loaded.step, loaded.epoch, loaded.config) == (7, 2, {"seed": 0, "bn": "frozen"})
    assert all(torch.equal(a, b) for a, b in zip(loaded.rng_states, states, strict=True))
    assert loaded.model_state.keys() == model.state_dict().keys()
    assert all(torch.equal(loaded.model_state[k], v) for k, v in model.state_dict().items())
    fresh, fresh_optimizer = _trained(1)
    fresh.load_state_dict(loaded.model_state)
    fresh_optimizer.load_state_dict(loaded.optimizer_state)
    for a, b in zip(optimizer.state.values(), fresh_optimizer.state.values(), strict=True):
        assert torch.equal(a["momentum_buffer"], b["momentum_buffer"])
    assert fresh_optimizer.param_groups[0]["lr"] == 0.1


def test_only_rank_zero_saves(tmp_path):
    model, optimizer = _trained(0)
    assert save_checkpoint(tmp_path / "c.pt", rank=1, model=model, optimizer=optimizer, step=1,
                           epoch=0, rng_states=[], config={}) is None
    assert not list(tmp_path.iterdir())


def test_a_damaged_checkpoint_is_refused(tmp_path):
    model, optimizer = _trained(0)
    path = save_checkpoint(tmp_path / "c.pt", rank=0, model=model, optimizer=optimizer, step=1,
                           epoch=0, rng_states=[], config={})
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CorruptFileError, match="c.pt cannot be read"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")


def test_tolerance_counts_exactly():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 2))
    assert largest_output_map(model, 8) == 64
    # accumulation length 27 + 256 = 283, twice; 4 images x 64 positions; 2 ranks, and the mean
    assert gradient_roundings(model, 4, 2, 8) == 2 * 283 + 4 * 64 + 2 + 1
    assert momentum_factor(3, 0.0) == 3.0
    assert momentum_factor(2, 0.5) == pytest.approx(1 + 1.5)
    eps = torch.finfo(torch.float32).eps
    assert training_tolerance(2.0, 100, 2, 0.1, 0.5) == pytest.approx(0.1 * 2.5 * 100 * eps * 2)
    assert training_tolerance(2.0, 100, 2, 0.1, 0.5, max_weight=3.0) == pytest.approx(
        0.1 * 2.5 * 100 * eps * 2 + 2 * eps * 3.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: momentum_factor(0, 0.9), "steps must be a positive integer"),
    (lambda: momentum_factor(3, 1.0), r"momentum must be a number in \[0, 1\)"),
    (lambda: training_tolerance(1.0, 10, 2, 0.0, 0.9), "lr must be a positive number"),
    (lambda: training_tolerance(-1.0, 10, 2, 0.1, 0.9), "max_gradient must be a number"),
    (lambda: training_tolerance(1.0, 10, 2, 0.1, 0.9, -1.0), "max_weight must be a number"),
    (lambda: gradient_roundings(nn.Linear(2, 2), 4, 2, 8), "no convolution"),
])
def test_tolerance_refuses_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_prepare_images_normalises_like_the_weights():
    white = prepare_images(torch.ones(2, 1, 28, 28), 32)
    assert white.shape == (2, 3, 32, 32)
    expected = [(1 - m) / s for m, s in zip((0.485, 0.456, 0.406), (0.229, 0.224, 0.225),
                                            strict=True)]
    assert torch.allclose(white[0, :, 0, 0], torch.tensor(expected))
    with pytest.raises(ValueError, match=r"shape \(n, 1, height, width\)"):
        prepare_images(torch.ones(2, 3, 28, 28), 32)


def test_set_batchnorm_freezes_only_the_batchnorms():
    model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3), nn.Dropout(0.1))
    set_batchnorm(model, "frozen")
    assert [m.training for m in model] == [True, False, True]
    set_batchnorm(model, "train")
    assert all(m.training for m in model)
    with pytest.raises(ValueError, match="bn must be one of 'frozen', 'train'"):
        set_batchnorm(model, "sync")


@pytest.mark.parametrize(("extra", "message"), [
    (["--global-batch-size", "32"], "--global-batch-size 32 cannot be split evenly between 3"),
    (["--global-batch-size", "30", "--stop-after", "9"], "--stop-after must be a whole number"),
    (["--global-batch-size", "30", "--resume"], "--resume needs the checkpoint"),
    (["--global-batch-size", "30", "--lr", "0"], "--lr must be a positive number"),
    (["--global-batch-size", "3000"], "fewer than one global batch"),
    (["--global-batch-size", "30", "--device", "cuda"], "--device cuda needs a GPU"),
])
def test_main_refuses_bad_settings_before_starting(monkeypatch, tmp_path, extra, message):
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(SettingsError, match=message):
        main(["--steps", "2", "--checkpoint", str(tmp_path / "x.pt"), *extra])
    assert not list(tmp_path.iterdir())
