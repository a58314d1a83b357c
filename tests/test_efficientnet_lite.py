"""Tests of EfficientNet-Lite0 with its real ImageNet weights (models.efficientnet_lite)."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial import count_params, rounding_tolerance, weights
from mobilenet_tutorial.models import efficientnet_lite0
from mobilenet_tutorial.models.blocks import SqueezeExcitation
from mobilenet_tutorial.models.efficientnet_lite import lite0_keys_to_model, lite0_transform
from mobilenet_tutorial.models.tf_padding import Conv2dSame
from mobilenet_tutorial.photos import load_photo

ESPRESSO = 967
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def _photos() -> torch.Tensor:
    transform = lite0_transform()
    return torch.stack([transform(load_photo(name)) for name in ("coffee", "chelsea")])


@pytest.fixture(scope="module")
def pretrained():
    return efficientnet_lite0(weights="IMAGENET1K").eval()


def test_parameter_count_and_architecture():
    model = efficientnet_lite0()
    assert count_params(model) == 4_652_008
    assert not any(isinstance(m, SqueezeExcitation) for m in model.modules())
    assert model.features[0][0].out_channels == 32 and model.features[-1].out_channels == 1280
    assert isinstance(model.features[0][0], Conv2dSame)
    symmetric = efficientnet_lite0(tf_padding=False)
    assert not any(isinstance(m, Conv2dSame) for m in symmetric.modules())


def test_key_mapping_covers_every_key():
    spec = weights.EFFICIENTNET_LITE0_IMAGENET
    state = weights.load_state_dict(weights.find_weights(spec), spec.sha256)
    model = efficientnet_lite0()
    renamed = lite0_keys_to_model(state, model)
    assert set(renamed) == set(model.state_dict())
    assert torch.equal(renamed["features.1.0.block.0.0.weight"],
                       state["_blocks.0._depthwise_conv.weight"])
    assert torch.equal(renamed["features.2.0.block.2.1.bias"], state["_blocks.1._bn2.bias"])
    assert torch.equal(renamed["features.8.0.weight"], state["_conv_head.weight"])
    with pytest.raises(KeyError, match="unexpected key"):
        lite0_keys_to_model({"_se_reduce.weight": torch.zeros(1)}, model)


def test_real_photos_are_classified(pretrained):
    with torch.no_grad():
        top1 = pretrained(_photos()).argmax(1).tolist()
    assert top1[0] == ESPRESSO
    assert top1[1] in CAT_CLASSES


def test_tensorflow_padding_changes_the_logits(pretrained):
    symmetric = efficientnet_lite0(tf_padding=False).eval()
    symmetric.load_state_dict(pretrained.state_dict())
    x = _photos()
    with torch.no_grad():
        difference = (pretrained(x) - symmetric(x)).abs().max()
    assert difference > 0.5


def test_new_classifier_for_transfer_learning():
    model = efficientnet_lite0(num_classes=10, weights="IMAGENET1K")
    assert model.classifier[1].out_features == 10
    reference = efficientnet_lite0(weights="IMAGENET1K")
    assert torch.equal(model.features[0][0].weight, reference.features[0][0].weight)


def test_transform_scales_to_tensorflow_range():
    image = torch.zeros(3, 16, 16, dtype=torch.uint8)
    image[:, :, 8:] = 255
    out = lite0_transform(8)(image)
    assert out.shape == (3, 8, 8)
    # float32: (x - 0.5) is exact for x = 0 and 1; std = 128 / 255 is stored, then divides
    tolerance = rounding_tolerance(127.5 / 128, 3, dtype=torch.float32)
    assert abs(out.min().item() + 127.5 / 128) <= tolerance
    assert abs(out.max().item() - 127.5 / 128) <= tolerance
    with pytest.raises(ValueError, match="size"):
        lite0_transform(0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="weights must be"):
        efficientnet_lite0(weights="imagenet")
    with pytest.raises(ValueError, match="num_classes"):
        efficientnet_lite0(num_classes=0, weights="IMAGENET1K")
