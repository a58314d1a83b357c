"""Tests of the weights enums (mobilenet_tutorial.weights.catalog)."""

from __future__ import annotations

import torch
from torchvision.models import MobileNet_V2_Weights

from mobilenet_tutorial import count_params
from mobilenet_tutorial.models import mobilenet_v2
from mobilenet_tutorial.weights import MOBILENET_V2_IMAGENET1K_V1, MobileNetV2Weights


def test_mobilenet_v2_enum_agrees_with_torchvision():
    ours, theirs = MobileNetV2Weights.IMAGENET1K_V1, MobileNet_V2_Weights.IMAGENET1K_V1
    assert ours.meta["categories"] == theirs.meta["categories"]
    assert ours.meta["num_params"] == theirs.meta["num_params"] == count_params(mobilenet_v2())
    assert ours.meta["sha256"] == MOBILENET_V2_IMAGENET1K_V1.sha256
    assert ours.meta["sha256"].startswith("b03531047ffacf1e")
    assert ours.meta["file"] == theirs.url.rsplit("/", 1)[1] == "mobilenet_v2-b0353104.pth"
    assert "BSD-3-Clause" in ours.meta["license"]
    assert ours.file is MOBILENET_V2_IMAGENET1K_V1
    image = torch.randint(0, 256, (3, 300, 280), dtype=torch.uint8)
    assert torch.equal(ours.transforms()(image), theirs.transforms()(image))


def test_enum_members_are_found_by_name():
    assert MobileNetV2Weights["IMAGENET1K_V1"] is MobileNetV2Weights.IMAGENET1K_V1
    assert [member.name for member in MobileNetV2Weights] == ["IMAGENET1K_V1"]
