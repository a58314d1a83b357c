"""Chapter 10's exercise checks: right answers pass, known mistakes get their hints."""

from __future__ import annotations

import math

import pytest
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial.applications import detection, faces
from mobilenet_tutorial.exercises import ch10

ANCHORS = 2 * (63 * 88 + 32 * 44 + 16 * 22)  # 14,608
WIDTH = 64 * math.exp(0.3)  # 86.39
CHANNELS = 6 * 21


def test_the_expected_values_are_the_packages():
    assert ANCHORS == 14_608 == len(faces.prior_boxes(500, 700))
    assert detection.head_shapes(detection.ssdlite_offline(num_classes=21))[0].class_channels \
        == CHANNELS


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch10.check_anchor_count, ANCHORS, RIGHT),
    (ch10.check_anchor_count, float(ANCHORS), RIGHT),
    (ch10.check_anchor_count, None, "replace None"),
    (ch10.check_anchor_count, "many", "replace None"),
    (ch10.check_anchor_count, ANCHORS // 2, "two"),
    (ch10.check_anchor_count, 2 * (62 * 87 + 31 * 43 + 15 * 21), "ceil"),
    (ch10.check_anchor_count, 2 * 63 * 88, "stride-8 map alone"),
    (ch10.check_anchor_count, ANCHORS + 2, "for each stride"),
    (ch10.check_box_width, WIDTH, RIGHT),
    (ch10.check_box_width, round(WIDTH, 1), RIGHT),
    (ch10.check_box_width, None, "replace None"),
    (ch10.check_box_width, [WIDTH], "replace None"),
    (ch10.check_box_width, 64 * math.exp(1.5), "variance"),
    (ch10.check_box_width, 64 * 1.3, "exponential"),
    (ch10.check_box_width, math.exp(0.3), "factor"),
    (ch10.check_box_width, WIDTH / 640, "pixels"),
    (ch10.check_box_width, 100.0, "exp(offset x variance)"),
    (ch10.check_head_channels, CHANNELS, RIGHT),
    (ch10.check_head_channels, None, "replace None"),
    (ch10.check_head_channels, 120, "background"),
    (ch10.check_head_channels, 21, "one default box"),
    (ch10.check_head_channels, 24, "box head"),
    (ch10.check_head_channels, 546, "COCO"),
    (ch10.check_head_channels, 7, "default boxes"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=[str(ANCHORS), "86.39", str(CHANNELS)])


def test_exercises_are_listed_in_order():
    assert list(ch10.EXERCISES) == ["ex1", "ex2", "ex3"]
    assert ch10.EXERCISES["ex2"] is ch10.check_box_width
