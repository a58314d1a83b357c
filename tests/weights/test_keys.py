"""Tests of key conversion (mobilenet_tutorial.weights.keys)."""

from __future__ import annotations

import pytest
import torch
from torchvision.models import mobilenet_v2 as tv_mobilenet_v2
from torchvision.models.mobilenetv2 import InvertedResidual as TvV2Block

from mobilenet_tutorial.weights.keys import blocks_to_v2_keys, v2_keys_to_blocks


def test_v2_key_mapping_names():
    state = TvV2Block(24, 24, 1, 6).state_dict()
    renamed = v2_keys_to_blocks(state)
    assert "block.2.0.weight" in renamed and "block.2.1.running_var" in renamed
    assert "block.0.1.bias" in renamed and "block.1.0.weight" in renamed
    assert len(renamed) == len(state)
    assert torch.equal(renamed["block.2.0.weight"], state["conv.2.weight"])
    assert torch.equal(renamed["block.2.1.weight"], state["conv.3.weight"])


def test_v2_key_mapping_on_a_whole_model_keeps_other_keys():
    state = tv_mobilenet_v2().state_dict()
    renamed = v2_keys_to_blocks(state)
    assert len(renamed) == len(state)
    assert "features.0.0.weight" in renamed and "classifier.1.weight" in renamed
    assert "features.1.block.1.0.weight" in renamed  # t=1 block: depthwise, projection
    assert "features.2.block.2.1.running_mean" in renamed
    assert not any(".conv." in key for key in renamed)


def test_the_two_directions_are_inverse_and_keep_the_order():
    state = tv_mobilenet_v2().state_dict()
    there = v2_keys_to_blocks(state)
    back = blocks_to_v2_keys(there)
    assert list(back) == list(state)
    assert all(back[key] is state[key] for key in state)
    assert list(v2_keys_to_blocks(back)) == list(there)


def test_v2_key_mapping_rejects_a_malformed_block():
    state = {"conv.0.0.weight": torch.zeros(1), "conv.2.weight": torch.zeros(1)}
    with pytest.raises(ValueError, match="two flat entries"):
        v2_keys_to_blocks(state)
