"""MobileFaceNet: exact counts against the paper's, shapes, and bad input."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial import count_macs, count_params
from mobilenet_tutorial.models.mobilefacenet import MobileFaceNet, mobilefacenet


def test_counts_are_exact_and_near_the_papers():
    model = mobilefacenet()
    assert count_params(model) == 1_003_136
    conv_weights = sum(p.numel() for p in model.parameters() if p.dim() == 4)
    assert conv_weights == 976_000  # the paper: 0.99 million parameters
    assert count_macs(model, (1, 3, 112, 112)) == 220_965_376  # the paper: 221 million


def test_embedding_shape_and_gdconv():
    model = MobileFaceNet(embedding_size=64).eval()
    assert model(torch.zeros(3, 3, 112, 112)).shape == (3, 64)
    assert model.gdconv[0].kernel_size == (7, 7) and model.gdconv[0].groups == 512


def test_bad_input():
    with pytest.raises(ValueError, match="no pretrained weights"):
        mobilefacenet(weights="MS1M")
    with pytest.raises(ValueError, match="embedding_size"):
        MobileFaceNet(embedding_size=0)
