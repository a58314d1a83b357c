"""Tests of MobileNetV3 (mobilenet_tutorial.models.mobilenet_v3) against torchvision's."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.models import mobilenet_v3_large, mobilenet_v3_small
from mobilenet_tutorial.models.compare import max_output_difference, randomize_batchnorm_
from mobilenet_tutorial.models.mobilenet_v3 import V3_LARGE, Bneck, v3_block_configs

CASES = [
    (mobilenet_v3_large, torchvision.models.mobilenet_v3_large, 5_483_032),
    (mobilenet_v3_small, torchvision.models.mobilenet_v3_small, 2_542_856),
]


@pytest.mark.parametrize(("ours", "theirs", "params"), CASES, ids=["large", "small"])
def test_parameter_count_and_output_equal_torchvision(ours, theirs, params):
    torch.manual_seed(0)  # in float64, where a different computation shows far above rounding
    model, reference = ours().double(), randomize_batchnorm_(theirs(), seed=1).double()
    assert count_params(model) == count_params(reference) == params
    assert list(model.state_dict()) == list(reference.state_dict())
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    difference = max_output_difference(model, reference, x)
    with torch.no_grad():
        expected = reference(x)
        tolerance = rounding_tolerance(expected, accumulation_length(reference))
        torch.testing.assert_close(model(x), expected, rtol=0, atol=tolerance)
    assert difference <= tolerance


def test_width_multiplier_and_classes_match_torchvision():
    for width in (0.5, 0.75, 1.25):
        ours = mobilenet_v3_large(num_classes=10, width_mult=width)
        theirs = torchvision.models.mobilenet_v3_large(num_classes=10, width_mult=width)
        assert count_params(ours) == count_params(theirs)
    assert mobilenet_v3_small(num_classes=7).classifier[-1].out_features == 7


def test_multiply_accumulates():
    assert count_macs(mobilenet_v3_large()) == 216_589_760
    assert count_macs(mobilenet_v3_small()) == 56_510_400


def test_block_configs_follow_the_paper_tables():
    large = v3_block_configs("large")
    assert len(large) == 15 and sum(c.uses_se for c in large) == 8
    assert [c.stride for c in large].count(2) == 4
    small = v3_block_configs("small")
    assert len(small) == 11 and small[0].uses_se and small[0].stride == 2
    assert {c.activation for c in small[3:]} == {nn.Hardswish}
    assert V3_LARGE[3] == Bneck(k=5, exp=72, out=40, se=True, nl="RE", s=2)
    assert all(m.eps == 1e-3 and m.momentum == 0.01
               for m in mobilenet_v3_small().modules() if isinstance(m, nn.BatchNorm2d))


def test_bad_arguments():
    with pytest.raises(ValueError, match="'large' or 'small'"):
        v3_block_configs("medium")
    with pytest.raises(ValueError, match="width_mult"):
        mobilenet_v3_small(width_mult=0)
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        mobilenet_v3_large(num_classes=0)
    with pytest.raises(ValueError, match="mobilenet_v3_large has no pretrained weights"):
        mobilenet_v3_large(weights="IMAGENET1K_V1")
    with pytest.raises(TypeError):
        mobilenet_v3_small(10)
