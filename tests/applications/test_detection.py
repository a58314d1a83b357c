"""torchvision's SSDLite built offline, the synthetic shapes and the tiny SSD."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial import count_macs, count_params
from mobilenet_tutorial.applications import detection


def test_ssdlite_matches_torchvisions_metadata():
    from torchvision.models.detection import SSDLite320_MobileNet_V3_Large_Weights as Weights

    model = detection.ssdlite_offline()
    meta = Weights.COCO_V1.meta
    assert count_params(model) == meta["num_params"] == 3_440_060
    assert count_macs(model.eval(), (1, 3, 320, 320)) == 583_171_904
    assert round(583_171_904 / 1e9, 3) == meta["_ops"]


def test_head_shapes_and_a_new_class_count():
    levels = detection.head_shapes(detection.ssdlite_offline())
    assert [level.side for level in levels] == [20, 10, 5, 3, 2, 1]
    assert {(lv.anchors, lv.classes, lv.class_channels, lv.box_channels) for lv in levels} == \
        {(6, 91, 546, 24)}
    three = detection.head_shapes(detection.ssdlite_offline(num_classes=3))
    assert {lv.class_channels for lv in three} == {18}
    assert count_params(detection.ssdlite_offline(num_classes=3)) == 2_220_380


def test_the_imagenet_backbone_has_the_full_tail():
    assert count_params(detection.ssdlite_offline(reduced_tail=False)) == 5_198_540


def test_synthetic_shapes_are_reproducible_and_exact():
    images, targets = detection.synthetic_shapes(4, size=64, seed=3)
    again, targets_again = detection.synthetic_shapes(4, size=64, seed=3)
    assert torch.equal(images, again)
    assert images.shape == (4, 3, 64, 64) and 0 <= images.min() and images.max() <= 1
    for target, other in zip(targets, targets_again, strict=True):
        assert torch.equal(target["boxes"], other["boxes"])
        boxes = target["boxes"]
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] - boxes[:, 1] >= 16).all()
        assert set(target["labels"].tolist()) <= {1, 2}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"count": 0}, "count"), ({"count": 2, "size": 16}, "at least 32"),
    ({"count": 2, "max_objects": 0}, "max_objects"),
])
def test_synthetic_shapes_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        detection.synthetic_shapes(**kwargs)


def test_tiny_ssd_trains_and_predicts():
    torch.manual_seed(0)
    model = detection.tiny_ssd()
    assert count_params(model) == 235_556
    images, targets = detection.synthetic_shapes(8, seed=0)
    losses = detection.train_detector(model, images, targets, steps=2, batch_size=2,
                                      progress=False)
    assert len(losses) == 2 and all(loss > 0 for loss in losses)
    recall = detection.detection_recall(model, images[:2], targets[:2])
    assert 0.0 <= recall <= 1.0
    with pytest.raises(ValueError, match="steps"):
        detection.train_detector(model, images, targets, steps=0)
