"""MobileNetV2: exact counts, torchvision-compatible names, real weights, bad input."""

from __future__ import annotations

import copy

import pytest
import torch
import torchvision
from torch import nn

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial import weights as weights_module
from mobilenet_tutorial.models import MobileNetV2, mobilenet_v2
from mobilenet_tutorial.models.compare import max_output_difference, randomize_batchnorm_
from mobilenet_tutorial.models.mobilenet_v2 import InvertedResidual, block_memory, make_divisible


def _count(model: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


def test_counts_at_width_one():
    model = mobilenet_v2()
    assert isinstance(model, MobileNetV2)
    assert count_params(model) == 3_504_872
    assert count_macs(model, (1, 3, 224, 224)) == 300_774_272
    assert (_count(model, nn.Conv2d), _count(model, nn.BatchNorm2d), _count(model, nn.Linear)) \
        == (52, 52, 1)


@pytest.mark.parametrize("width", [0.35, 0.5, 0.75, 1.0, 1.4])
def test_state_dict_matches_torchvision(width):
    ours = {k: v.shape for k, v in mobilenet_v2(width_mult=width).state_dict().items()}
    theirs = {k: v.shape for k, v in
              torchvision.models.mobilenet_v2(width_mult=width).state_dict().items()}
    assert ours == theirs


def test_same_output_as_torchvision_after_loading_its_state():
    torch.manual_seed(0)  # in float64, where a different computation shows far above rounding
    reference = randomize_batchnorm_(torchvision.models.mobilenet_v2(num_classes=10)).double()
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    difference = max_output_difference(mobilenet_v2(num_classes=10).double(), reference, x)
    with torch.no_grad():
        expected = reference(x)
    assert difference <= rounding_tolerance(expected, accumulation_length(reference))


def test_make_divisible():
    assert [make_divisible(v) for v in (32 * 0.35, 16 * 0.35, 24 * 0.5, 1280, 3)] \
        == [16, 8, 16, 1280, 8]
    assert make_divisible(100, 8) == 104
    assert make_divisible(10, 8) == 16  # 8 would lose 20%: go up
    with pytest.raises(ValueError, match="divisor"):
        make_divisible(10, 0)


def test_inverted_residual_structure():
    block = InvertedResidual(24, 24, 1, 6)
    assert block.use_residual and block.hidden_channels == 144
    assert count_params(block) == 24 * 144 + 2 * 144 + 9 * 144 + 2 * 144 + 144 * 24 + 2 * 24
    assert not InvertedResidual(24, 32, 1, 6).use_residual
    assert not InvertedResidual(24, 24, 2, 6).use_residual
    assert len(InvertedResidual(32, 16, 1, 1).conv) == 3  # no expansion when t = 1
    with_relu = InvertedResidual(8, 8, 1, 6, relu_after_projection=True)
    assert isinstance(with_relu.conv[-1], nn.ReLU6)
    assert with_relu.eval()(torch.randn(1, 8, 5, 5)).shape == (1, 8, 5, 5)
    with pytest.raises(ValueError, match="stride"):
        InvertedResidual(8, 8, 3, 6)
    with pytest.raises(ValueError, match="expand_ratio"):
        InvertedResidual(8, 8, 1, 0)
    with pytest.raises(ValueError, match="in_channels"):
        InvertedResidual(0, 8, 1, 6)
    with pytest.raises(ValueError, match="out_channels"):
        InvertedResidual(8, 8.0, 1, 6)


@pytest.mark.parametrize("kwargs, match", [
    ({"width_mult": 0}, "width_mult"),
    ({"width_mult": -1.0}, "width_mult"),
    ({"width_mult": "1.0"}, "width_mult"),
    ({"num_classes": 0}, "num_classes"),
    ({"num_classes": 10.5}, "num_classes"),
    ({"weights": "IMAGENET1K_V9"}, "unknown weights"),
    ({"weights": "IMAGENET1K_V1", "num_classes": 10}, "num_classes"),
    ({"weights": "IMAGENET1K_V1", "width_mult": 0.5}, "width_mult"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mobilenet_v2(**kwargs)


def test_block_memory():
    rows = block_memory(mobilenet_v2())
    assert len(rows) == 17
    first, third = rows[0], rows[2]
    assert first["inverted"] == (32 + 16) * 112 * 112
    assert third["block"] == "features.3"
    assert third["inverted"] == 2 * 24 * 56 * 56
    assert third["expanded"] == 144 * 56 * 56
    assert third["classic"] == 2 * 144 * 56 * 56
    assert all(r["classic"] >= r["inverted"] for r in rows)
    with pytest.raises(ValueError, match="image_size"):
        block_memory(mobilenet_v2(), 16)


@pytest.fixture(scope="module")
def imagenet_models():
    try:
        weights_module.install_torchvision_checkpoint()
        ours = mobilenet_v2(weights="IMAGENET1K_V1").eval()
    except weights_module.WeightsNotFoundError:  # pragma: no cover - depends on the machine
        pytest.skip("MobileNetV2 ImageNet weights are not installed")
    theirs = torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1").eval()
    return ours, theirs


def test_weights_accept_torchvision_enum(imagenet_models):
    from torchvision.models import MobileNet_V2_Weights

    model = mobilenet_v2(weights=MobileNet_V2_Weights.IMAGENET1K_V1)
    ours, _ = imagenet_models
    assert torch.equal(model.features[0][0].weight, ours.features[0][0].weight)
    with pytest.raises(ValueError, match="IMAGENET1K_V2"):
        mobilenet_v2(weights=MobileNet_V2_Weights.IMAGENET1K_V2)


def test_imagenet_weights_match_torchvision_on_real_photos(imagenet_models):
    from torchvision.models import MobileNet_V2_Weights

    from mobilenet_tutorial.photos import load_photos, photo_accuracy, photo_is_correct

    ours, theirs = imagenet_models
    meta = MobileNet_V2_Weights.IMAGENET1K_V1
    photos = load_photos()
    x = torch.stack([meta.transforms()(img) for img in photos.values()])
    with torch.no_grad():
        a = ours(x)
        expected = copy.deepcopy(theirs).double()(x.double())  # float64: only rounding is left
        difference = (copy.deepcopy(ours).double()(x.double()) - expected).abs().max().item()
    assert difference <= rounding_tolerance(expected, accumulation_length(theirs))
    top1 = dict(zip(photos, a.argmax(1).tolist(), strict=True))
    named = {name: meta.meta["categories"][i] for name, i in top1.items()}
    assert named == {"chelsea": "Egyptian cat", "coffee": "espresso", "astronaut": "bobsled",
                     "rocket": "drilling platform", "grace_hopper": "bow tie"}
    assert [photo_is_correct(name, i) for name, i in top1.items()] \
        == [True, True, False, False, True]
    assert photo_accuracy(top1) == 3 / 5
    # the rocket's acceptable classes are at least in its top 5
    assert any(photo_is_correct("rocket", i) for i in a[3].topk(5).indices.tolist())
