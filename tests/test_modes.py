"""Tests of mobilenet_tutorial.modes, and of the functions that switch modes through it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs, layer_table
from mobilenet_tutorial.measure import roofline
from mobilenet_tutorial.measure.architecture import block_memory
from mobilenet_tutorial.models import mobilenet_v2
from mobilenet_tutorial.modes import evaluating, training_flags
from mobilenet_tutorial.transfer.features import extract_features


def _half_frozen() -> nn.Sequential:
    """A model in training mode whose first part was frozen with .eval(), as chapter 6 does."""
    model = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)),
                          nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2)).train()
    model[0].eval()
    return model


def test_evaluating_restores_every_submodule():
    model = _half_frozen()
    before = training_flags(model)
    assert before["0"] is False and before["0.1"] is False and before["1.1"] is True
    with evaluating(model):
        assert not any(training_flags(model).values())
    assert training_flags(model) == before


def test_evaluating_restores_even_when_the_block_fails():
    model = _half_frozen()
    before = training_flags(model)
    with pytest.raises(RuntimeError, match="boom"), evaluating(model):
        raise RuntimeError("boom")
    assert training_flags(model) == before


@pytest.mark.parametrize("run", [
    lambda m: count_macs(m, (1, 3, 8, 8)),
    lambda m: layer_table(m, (1, 3, 8, 8)),
    lambda m: roofline.layer_costs(m, (1, 3, 8, 8)),
    lambda m: extract_features(m, [(torch.zeros(3, 8, 8), 0)], batch_size=1, progress=False),
])
def test_counting_tracing_and_features_leave_a_frozen_part_frozen(run):
    model = _half_frozen()
    before = training_flags(model)
    statistics = model[0][1].running_mean.clone()
    run(model)
    assert training_flags(model) == before
    assert torch.equal(model[0][1].running_mean, statistics)  # eval mode: no update


def test_block_memory_restores_modes_of_a_real_network():
    model = mobilenet_v2(num_classes=10).train()
    model.features[:4].eval()
    before = training_flags(model)
    block_memory(model, 32)
    assert training_flags(model) == before


def test_training_flags_refuses_a_non_module():
    with pytest.raises(TypeError, match="nn.Module"):
        training_flags("model")


@pytest.mark.parametrize("model", [None, "model", 3])
def test_evaluating_refuses_a_non_module_when_called_not_when_entered(model):
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        evaluating(model)  # no `with`: the check does not wait for the block
