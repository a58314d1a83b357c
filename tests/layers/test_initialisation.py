"""The shared weight initialisation of the course's networks."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from mobilenet_tutorial.layers.initialisation import init_weights_


def _tiny() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 3, bias=True), nn.BatchNorm2d(8), nn.Flatten(),
                         nn.Linear(8, 4))


def test_normal_scheme_matches_torch_init_calls_in_module_order():
    torch.manual_seed(3)
    model = init_weights_(_tiny())
    torch.manual_seed(3)
    reference = _tiny()  # the same default-initialisation draws first
    nn.init.kaiming_normal_(reference[0].weight, mode="fan_out")
    nn.init.normal_(reference[3].weight, 0.0, 0.01)
    assert torch.equal(model[0].weight, reference[0].weight)
    assert torch.equal(model[3].weight, reference[3].weight)
    assert torch.equal(model[0].bias, torch.zeros(8))
    assert torch.equal(model[1].weight, torch.ones(8))
    assert torch.equal(model[1].bias, torch.zeros(8))
    assert torch.equal(model[3].bias, torch.zeros(4))


def test_uniform_scheme_bounds_the_classifier():
    torch.manual_seed(0)
    model = init_weights_(_tiny(), linear="uniform")
    bound = 1.0 / math.sqrt(4)
    assert model[3].weight.abs().max() <= bound
    assert model[3].weight.abs().max() > 0.8 * bound  # drawn over the whole range


def test_meta_device_modules_are_skipped(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an initialiser ran on a meta tensor")

    with torch.device("meta"):
        model = _tiny()
    for name in ("kaiming_normal_", "normal_", "ones_", "zeros_"):
        monkeypatch.setattr(nn.init, name, refuse)
    assert init_weights_(model) is model


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="'normal' or 'uniform'"):
        init_weights_(_tiny(), linear="xavier")
