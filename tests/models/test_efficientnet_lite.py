"""Tests of EfficientNet-Lite0 with its real ImageNet weights (models.efficientnet_lite)."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial import count_params, weights
from mobilenet_tutorial.data.photos import load_photo
from mobilenet_tutorial.data.transforms import lite0_transform
from mobilenet_tutorial.layers import Conv2dSame, SqueezeExcitation
from mobilenet_tutorial.models import efficientnet_lite0
from mobilenet_tutorial.weights import EfficientNetLite0Weights, lite0_keys_to_model

ESPRESSO = 967
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def _photos() -> torch.Tensor:
    transform = lite0_transform()
    return torch.stack([transform(load_photo(name)) for name in ("coffee", "chelsea")])


@pytest.fixture(scope="module")
def pretrained():
    return efficientnet_lite0(weights="IMAGENET1K_V1").eval()


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


def test_weights_and_other_classes_raise_with_how_to_replace_the_head(pretrained):
    with pytest.raises(ValueError, match=r"num_classes=10; build with num_classes=1000 and "
                                         r"replace the last layer afterwards: "
                                         r"model\.classifier\[1\] = nn\.Linear"):
        efficientnet_lite0(num_classes=10, weights="IMAGENET1K_V1")


def test_enum_member_and_deprecated_name_load_the_same_weights(pretrained):
    model = efficientnet_lite0(weights=EfficientNetLite0Weights.IMAGENET1K_V1)
    assert torch.equal(model.features[0][0].weight, pretrained.features[0][0].weight)
    with pytest.warns(DeprecationWarning, match="IMAGENET1K_V1"):
        old = efficientnet_lite0(weights="IMAGENET1K")
    assert torch.equal(old.classifier[1].bias, pretrained.classifier[1].bias)


def test_the_enum_carries_transforms_and_meta():
    member = EfficientNetLite0Weights.IMAGENET1K_V1
    meta = member.meta
    assert meta["num_params"] == count_params(efficientnet_lite0()) == 4_652_008
    assert meta["sha256"] == weights.EFFICIENTNET_LITE0_IMAGENET.sha256
    assert len(meta["categories"]) == 1000 and meta["categories"][ESPRESSO] == "espresso"
    assert "Apache-2.0" in meta["license"]
    image = torch.full((3, 300, 260), 255, dtype=torch.uint8)
    assert torch.equal(member.transforms()(image), lite0_transform()(image))


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown weights 'imagenet'.*weights must be None or "
                                         "one of 'IMAGENET1K_V1'"):
        efficientnet_lite0(weights="imagenet")
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        efficientnet_lite0(num_classes=0, weights="IMAGENET1K_V1")
    with pytest.raises(TypeError):
        efficientnet_lite0(10)
