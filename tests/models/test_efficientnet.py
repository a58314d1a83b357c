"""Tests of EfficientNet B0-B7 (mobilenet_tutorial.models.efficientnet) against torchvision's."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision

from mobilenet_tutorial import accumulation_length, count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.models import efficientnet
from mobilenet_tutorial.models.compare import max_output_difference, randomize_batchnorm_
from mobilenet_tutorial.models.efficientnet import ALPHA, BETA, GAMMA, VARIANTS, stage_configs

PARAMS = {"b0": 5_288_548, "b1": 7_794_184, "b2": 9_109_994, "b3": 12_233_232,
          "b4": 19_341_616, "b5": 30_389_784, "b6": 43_040_704, "b7": 66_347_960}


@pytest.mark.parametrize("variant", list(PARAMS))
def test_parameter_count_equals_torchvision(variant):
    with torch.device("meta"):  # shapes only: fast even for B7
        model = efficientnet(variant=variant)
    weights = getattr(torchvision.models, f"EfficientNet_{variant.upper()}_Weights")
    assert count_params(model) == PARAMS[variant] == weights.IMAGENET1K_V1.meta["num_params"]


@pytest.mark.parametrize("variant", ["b0", "b1", "b5"])
def test_output_equals_torchvision_after_loading_its_state(variant):
    torch.manual_seed(0)  # in float64, where a different computation shows far above rounding
    model = efficientnet(variant=variant).double()
    reference = randomize_batchnorm_(getattr(torchvision.models, f"efficientnet_{variant}")(),
                                     seed=1).double()
    assert count_params(model) == count_params(reference)
    assert list(model.state_dict()) == list(reference.state_dict())
    size = 64 if variant != "b5" else 32
    x = torch.randn(2, 3, size, size, dtype=torch.float64)
    difference = max_output_difference(model, reference, x)
    with torch.no_grad():
        expected = reference(x)
    assert difference <= rounding_tolerance(expected, accumulation_length(reference))


def test_macs_at_224_and_on_the_meta_device():
    model = efficientnet(variant="b0")
    assert count_macs(model) == 385_814_752
    with torch.device("meta"):
        shapes_only = efficientnet(variant="b0")
    assert count_macs(shapes_only) == 385_814_752


def test_depth_and_width_scaling():
    b7 = stage_configs(width=2.0, depth=3.1)
    assert [len(stage) for stage in b7] == [4, 7, 7, 10, 10, 13, 4]
    assert [stage[0].out_channels for stage in b7] == [32, 48, 80, 160, 224, 384, 640]
    b0 = stage_configs()
    assert sum(len(s) for s in b0) == 16
    assert b0[0][0].drop_path == 0.0
    assert b0[-1][-1].drop_path == 0.2 * 15 / 16  # the same expression, the same rounding
    assert all(c.stride == 1 for stage in b0 for c in stage[1:])
    assert efficientnet(variant="b3").features[-1].out_channels == 1536


def test_variants_and_compound_coefficients():
    # 1.2 * 1.1**2 * 1.15**2 is exactly 1.92027; in floats 4 products round, and so do the
    # stored decimals: 1.2 and 1.92027 once, 1.1 and 1.15 twice (squared): 10 roundings
    assert math.isclose(ALPHA * BETA**2 * GAMMA**2, 1.92027, rel_tol=0,
                        abs_tol=rounding_tolerance(1.92027, 10))
    assert VARIANTS["b7"].resolution == 600 and VARIANTS["b4"].width == 1.4
    assert VARIANTS["b2"].depth == 1.2 and VARIANTS["b6"].dropout == 0.5


def test_batch_norm_settings_follow_torchvision():
    assert efficientnet(variant="b0").features[0][1].eps == 1e-5
    with torch.device("meta"):
        assert efficientnet(variant="b5").features[0][1].eps == 1e-3


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown EfficientNet variant"):
        efficientnet(variant="b8")
    with pytest.raises(ValueError, match="positive"):
        stage_configs(width=0)
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        efficientnet(variant="b0", num_classes=0)
    with pytest.raises(ValueError, match="efficientnet has no pretrained weights"):
        efficientnet(weights="IMAGENET1K_V1")
    with pytest.raises(TypeError):
        efficientnet("b0")
    assert efficientnet(variant="B0", num_classes=10).classifier[1].out_features == 10



def test_width_mult_multiplies_the_variant_width():
    with torch.device("meta"):
        wide_b0, b3 = efficientnet(variant="b0", width_mult=1.2), efficientnet(variant="b3")
    # B3 is B0 at width 1.2 and depth 1.4: the same channels, more blocks
    assert wide_b0.features[0][0].out_channels == b3.features[0][0].out_channels == 40
    assert wide_b0.features[-1].out_channels == b3.features[-1].out_channels == 1536
    assert [len(stage) for stage in wide_b0.features[1:-1]] == [1, 2, 2, 3, 3, 4, 1]
