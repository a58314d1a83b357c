"""MobileNetV2: exact counts, torchvision-compatible names, real weights, bad input."""

from __future__ import annotations

import copy

import pytest
import torch
import torchvision
from torch import nn

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial import weights as weights_module
from mobilenet_tutorial.layers import InvertedResidual, v2_config
from mobilenet_tutorial.measure.architecture import block_memory
from mobilenet_tutorial.models import MobileNetV2, mobilenet_v2
from mobilenet_tutorial.models.compare import max_output_difference, randomize_batchnorm_
from mobilenet_tutorial.models.mobilenet_v2 import INVERTED_RESIDUAL_SETTING, Stage


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


def test_blocks_are_the_single_family():
    model = mobilenet_v2()
    blocks = [m for m in model.features if isinstance(m, InvertedResidual)]
    assert len(blocks) == 17 and blocks[0].config == v2_config(32, 16, 1, 1)
    assert blocks[2].config == v2_config(24, 24, 1, 6) and blocks[2].use_residual
    assert not blocks[1].use_residual and not blocks[3].use_residual
    assert len(blocks[0].block) == 2  # no expansion when t = 1
    assert [stage.t for stage in INVERTED_RESIDUAL_SETTING] == [1, 6, 6, 6, 6, 6, 6]
    assert INVERTED_RESIDUAL_SETTING[1] == Stage(t=6, c=24, n=2, s=2)
    assert count_params(MobileNetV2(setting=[tuple(s) for s in INVERTED_RESIDUAL_SETTING])) \
        == 3_504_872


def test_state_dict_keys_and_order_are_torchvision_s():
    ours, theirs = mobilenet_v2().state_dict(), torchvision.models.mobilenet_v2().state_dict()
    assert list(ours) == list(theirs)
    assert "features.2.conv.2.weight" in ours and "features.2.conv.3.running_var" in ours
    assert not any(".block." in key for key in ours)
    # the modules themselves carry the family's names; the hooks translate
    assert "features.2.block.2.0.weight" in dict(mobilenet_v2().named_parameters())


def test_state_dict_round_trip_in_both_directions():
    torch.manual_seed(0)
    source = randomize_batchnorm_(mobilenet_v2(num_classes=10), seed=3)
    tv = torchvision.models.mobilenet_v2(num_classes=10)
    tv.load_state_dict(source.state_dict())  # ours -> torchvision, strict
    back = mobilenet_v2(num_classes=10)
    back.load_state_dict(tv.state_dict())  # torchvision -> ours, strict
    tv_state, back_state = tv.state_dict(), back.state_dict()
    for key, value in source.state_dict().items():
        assert torch.equal(tv_state[key], value) and torch.equal(back_state[key], value)
    # the family's own names load too, and a nested model keeps its prefix
    blocks_named = dict(back.named_parameters()) | dict(back.named_buffers())
    assert not back.load_state_dict(blocks_named, strict=False).unexpected_keys
    wrapper = nn.Sequential(back)
    assert list(wrapper.state_dict())[6] == "0.features.1.conv.0.0.weight"
    wrapper.load_state_dict(nn.Sequential(tv).state_dict())


def test_relu_after_projection_ablation_in_a_whole_network():
    setting = [(t, c, n, s) for t, c, n, s in INVERTED_RESIDUAL_SETTING]
    ablated = MobileNetV2(setting=setting)
    for block in ablated.features[1:-1]:
        block.block[-1].append(nn.ReLU6())
    assert count_params(ablated) == 3_504_872
    ablated.load_state_dict(torchvision.models.mobilenet_v2().state_dict())


@pytest.mark.parametrize("kwargs, match", [
    ({"width_mult": 0}, "width_mult"),
    ({"width_mult": -1.0}, "width_mult"),
    ({"width_mult": "1.0"}, "width_mult"),
    ({"num_classes": 0}, "num_classes"),
    ({"num_classes": 10.5}, "num_classes"),
    ({"weights": "IMAGENET1K_V9"}, "unknown weights"),
    ({"weights": "IMAGENET1K_V1", "num_classes": 10}, r"num_classes=10; build with "
                                                      r"num_classes=1000 and replace"),
    ({"weights": "IMAGENET1K_V1", "width_mult": 0.5}, "width_mult"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mobilenet_v2(**kwargs)


def test_block_memory():
    rows = block_memory(mobilenet_v2())
    assert rows[0]["t"] == 1 and rows[1]["t"] == 6 and isinstance(rows[1]["t"], int)
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

    from mobilenet_tutorial.weights import MobileNetV2Weights

    model = mobilenet_v2(weights=MobileNet_V2_Weights.IMAGENET1K_V1)
    ours, _ = imagenet_models
    assert torch.equal(model.features[0][0].weight, ours.features[0][0].weight)
    model = mobilenet_v2(weights=MobileNetV2Weights.IMAGENET1K_V1)
    assert torch.equal(model.classifier[1].bias, ours.classifier[1].bias)
    with pytest.raises(ValueError, match="IMAGENET1K_V2"):
        mobilenet_v2(weights=MobileNet_V2_Weights.IMAGENET1K_V2)


def test_imagenet_weights_match_torchvision_on_real_photos(imagenet_models):
    from torchvision.models import MobileNet_V2_Weights

    from mobilenet_tutorial.data.photos import load_photos, photo_accuracy, photo_is_correct

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


# --- chapter 9's variants --------------------------------------------------------------

def test_variants_add_exactly_their_layers_parameters():
    from mobilenet_tutorial.models.mobilenet_v2 import VARIANTS

    base = mobilenet_v2()
    blocks = [m for m in base.modules() if isinstance(m, InvertedResidual)]
    outs = sum(block.out_channels for block in blocks)
    expected = {"base": 0, "+Mish": 0, "+Triplet": 300 * len(blocks), "+CNSN": 8 * outs,
                "all three": 300 * len(blocks) + 8 * outs}
    for name, options in VARIANTS.items():
        assert count_params(mobilenet_v2(**options)) - count_params(base) == expected[name]
    assert len(blocks) == 17 and expected["+Triplet"] == 5_100 and expected["+CNSN"] == 12_032


def test_variant_state_dicts_keep_every_base_key():
    from mobilenet_tutorial.models.mobilenet_v2 import VARIANTS

    base_keys = list(torchvision.models.mobilenet_v2().state_dict())
    for options in VARIANTS.values():
        keys = list(mobilenet_v2(**options).state_dict())
        assert [key for key in keys if key in base_keys] == base_keys
        assert all(any(part in key for part in (".attention.", ".selfnorm.", ".crossnorm."))
                   for key in keys if key not in base_keys)


def test_variants_load_imagenet_weights_into_every_shared_layer(imagenet_models):
    ours, _ = imagenet_models
    reference = ours.state_dict()
    variant = mobilenet_v2(weights="IMAGENET1K_V1", activation="mish", attention="triplet",
                           crossnorm=0.5, selfnorm=True)
    state = variant.state_dict()
    for key, value in reference.items():
        assert torch.equal(state[key], value), key


def test_load_shared_state_dict_rejects_foreign_and_incomplete_state():
    from mobilenet_tutorial.models.mobilenet_v2 import load_shared_state_dict

    model = mobilenet_v2(attention="triplet")
    state = mobilenet_v2().state_dict()
    left = load_shared_state_dict(model, state)
    assert left and all(".attention." in key for key in left)
    with pytest.raises(ValueError, match="lacks keys of layers the base model has"):
        load_shared_state_dict(model, {k: v for k, v in state.items() if k != "classifier.1.bias"})
    with pytest.raises(ValueError, match="keys this model lacks"):
        load_shared_state_dict(model, dict(state, extra=torch.zeros(1)))


@pytest.mark.parametrize(("options", "message"), [
    ({"activation": "gelu"}, "activation: unknown activation"),
    ({"activation": None}, "activation must be an activation"),
    ({"attention": "se"}, "attention must be one of"),
    ({"crossnorm": -0.5}, "crossnorm must be a number in"),
])
def test_variants_reject_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        mobilenet_v2(**options)
