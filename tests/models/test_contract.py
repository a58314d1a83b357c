"""The one builder contract (mobilenet_tutorial.models.contract), checked on every builder."""

from __future__ import annotations

import importlib
import inspect
import re
import warnings

import pytest
import torch

from mobilenet_tutorial import count_params
from mobilenet_tutorial.models import (
    efficientnet,
    efficientnet_lite0,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v3_large,
    mobilenet_v3_small,
)
from mobilenet_tutorial.models.contract import check_builder_arguments
from mobilenet_tutorial.weights import EfficientNetLite0Weights, MobileNetV2Weights

BUILDERS = [mobilenet_v1, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, efficientnet,
            efficientnet_lite0]
CONTRACT = {"weights": None, "progress": True, "num_classes": 1000, "width_mult": 1.0}


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_every_builder_has_the_same_keyword_only_signature(builder):
    parameters = inspect.signature(builder).parameters
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters.values())
    names = [name for name in parameters if name != "variant"]
    assert names[:4] == list(CONTRACT)
    assert {name: parameters[name].default for name in CONTRACT} == CONTRACT
    if builder is efficientnet:
        assert list(parameters)[0] == "variant" and parameters["variant"].default == "b0"


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"num_classes": 0}, r"num_classes must be a positive integer \(1000 for ImageNet"),
    ({"num_classes": 2.5}, "num_classes must be a positive integer"),
    ({"num_classes": True}, "num_classes must be a positive integer"),
    ({"width_mult": 0}, "width_mult must be a positive number \\(such as 1.0"),
    ({"width_mult": "1.0"}, "width_mult must be a positive number"),
    ({"width_mult": float("nan")}, "width_mult must be a positive number"),
    ({"weights": "IMAGENET1K_V9"}, "weights must be None"),
])
def test_every_builder_rejects_bad_arguments_the_same_way(builder, kwargs, message):
    with torch.device("meta"), pytest.raises(ValueError, match=message):
        builder(**kwargs)


@pytest.mark.parametrize(("builder", "enum", "head"), [
    (mobilenet_v2, MobileNetV2Weights, "classifier[1]"),
    (efficientnet_lite0, EfficientNetLite0Weights, "classifier[1]"),
])
def test_weights_with_other_classes_raise_and_say_how_to_replace_the_head(builder, enum, head):
    for weights in ("IMAGENET1K_V1", enum.IMAGENET1K_V1):
        with pytest.raises(ValueError, match=r"replace the last layer afterwards: model\."
                                             + re.escape(head) + r" = nn\.Linear\(.*, 10\)"):
            builder(weights=weights, num_classes=10)
        with pytest.raises(ValueError, match="width_mult=1.0"):
            builder(weights=weights, width_mult=0.5)


def test_weight_names_agree_across_models():
    assert [m.name for m in MobileNetV2Weights] == [m.name for m in EfficientNetLite0Weights] \
        == ["IMAGENET1K_V1"]


def test_width_mult_is_a_keyword_everywhere():
    with torch.device("meta"):
        assert count_params(mobilenet_v1(width_mult=0.5)) == 1_331_592
        assert count_params(mobilenet_v2(width_mult=0.5)) \
            == count_params(importlib.import_module("torchvision.models").mobilenet_v2(
                width_mult=0.5))
        assert count_params(efficientnet_lite0(width_mult=1.0)) == 4_652_008


def test_helper_resolves_names_and_aliases():
    assert check_builder_arguments("x", weights=None, num_classes=10, width_mult=0.5) is None
    member = check_builder_arguments("x", weights="IMAGENET1K_V1", num_classes=1000,
                                     width_mult=1.0, weights_enum=MobileNetV2Weights)
    assert member is MobileNetV2Weights.IMAGENET1K_V1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alias = check_builder_arguments("x", weights="OLD", num_classes=1000, width_mult=1.0,
                                        weights_enum=MobileNetV2Weights,
                                        aliases={"OLD": "IMAGENET1K_V1"})
    assert alias is member and "deprecated" in str(caught[0].message)


@pytest.mark.parametrize("weights", [[], 3, 2.5, True])
def test_weights_that_are_not_a_name_are_a_type_error(weights):
    from mobilenet_tutorial.models import efficientnet_lite0, mobilenet_v2

    with pytest.raises(TypeError, match=r"weights must be None, a name such as 'IMAGENET1K_V1'"):
        mobilenet_v2(weights=weights)
    with pytest.raises(TypeError, match=r"weights must be None, a name such as 'IMAGENET1K_V1'"):
        efficientnet_lite0(weights=weights)


@pytest.mark.parametrize("variant", [[], None, 0, "b8"])
def test_an_unknown_variant_is_named_with_the_choices(variant):
    from mobilenet_tutorial.models import efficientnet

    with pytest.raises(ValueError, match=r"variant must be one of b0, b1"):
        efficientnet(variant=variant)
