"""RetinaFace-MobileNet0.25: its parts, its exact counts, and its builder's arguments."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs, count_params
from mobilenet_tutorial.models import MobileNetV1, mobilenet_v1
from mobilenet_tutorial.models.retinaface import ContextModule, RetinaFace, retinaface


def test_counts_are_exact():
    assert count_params(RetinaFace(folded=True)) == 423_264
    assert count_params(RetinaFace()) == 426_608
    assert count_macs(RetinaFace(folded=True), (1, 3, 640, 640)) == 981_145_600


def test_backbone_is_chapter_2s_network_at_width_quarter_with_leaky_relu():
    model = RetinaFace()
    body = MobileNetV1(width_mult=0.25).features
    assert [m.out_channels for m in model.body] == [m.out_channels for m in body]
    assert [m.out_channels for m in body][0] == 8 and [m.out_channels for m in body][-1] == 256
    slopes = {m.negative_slope for m in model.body.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.1}
    assert not any(isinstance(m, nn.ReLU) for m in model.body.modules())


def test_mobilenet_v1_keeps_its_contract():
    assert count_params(mobilenet_v1()) == 4_231_976
    assert count_macs(mobilenet_v1()) == 568_740_352
    relus = [m for m in mobilenet_v1(width_mult=0.25).modules() if isinstance(m, nn.ReLU)]
    assert len(relus) == 27


def test_output_shapes_follow_the_anchors():
    model = RetinaFace().eval()
    with torch.no_grad():
        boxes, scores, landmarks = model(torch.zeros(2, 3, 100, 70))
    anchors = 2 * (13 * 9 + 7 * 5 + 4 * 3)  # ceil(side / stride) positions per side
    assert boxes.shape == (2, anchors, 4)
    assert scores.shape == (2, anchors, 2)
    assert landmarks.shape == (2, anchors, 10)
    torch.testing.assert_close(scores.sum(-1), torch.ones(2, anchors))


def test_context_module_shares_its_first_5x5_layer():
    module = ContextModule(64, 64)
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 16, 16, 16, 16]
    assert module(torch.zeros(1, 64, 5, 5)).shape == (1, 64, 5, 5)
    with pytest.raises(ValueError, match="multiple of 4"):
        ContextModule(64, 62)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"weights": "IMAGENET1K_V1"}, "unknown weights"),
    ({"weights": "WIDERFACE", "num_classes": 3}, "num_classes=2"),
    ({"weights": "WIDERFACE", "width_mult": 0.5}, "width_mult=0.25"),
    ({"weights": "WIDERFACE", "folded": False}, "folded"),
    ({"num_classes": 0}, "num_classes"),
    ({"width_mult": -1}, "width_mult"),
])
def test_bad_builder_arguments_name_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        retinaface(**kwargs)


def test_builder_is_keyword_only():
    with pytest.raises(TypeError):
        retinaface("WIDERFACE")  # type: ignore[misc]
