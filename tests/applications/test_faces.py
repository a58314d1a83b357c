"""Face detection's steps with exact values, detect_faces on real photos, and alignment."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mobilenet_tutorial.applications import faces
from mobilenet_tutorial.data.photos import load_photo


def test_prior_boxes_count_and_first_anchors():
    priors = faces.prior_boxes(640, 640)
    assert priors.shape == (2 * (80 * 80 + 40 * 40 + 20 * 20), 4) == (16_800, 4)
    torch.testing.assert_close(priors[0], torch.tensor([4 / 640, 4 / 640, 16 / 640, 16 / 640]))
    torch.testing.assert_close(priors[1], torch.tensor([4 / 640, 4 / 640, 32 / 640, 32 / 640]))
    torch.testing.assert_close(priors[2], torch.tensor([12 / 640, 4 / 640, 16 / 640, 16 / 640]))
    last = torch.tensor([624 / 640, 624 / 640, 512 / 640, 512 / 640])
    torch.testing.assert_close(priors[-1], last)


def test_prior_boxes_of_a_rectangle_round_up():
    priors = faces.prior_boxes(100, 70)
    assert len(priors) == 2 * (13 * 9 + 7 * 5 + 4 * 3)
    # the last stride-32 column is centred past the right edge: ceil(70 / 32) = 3 columns
    assert priors[:, 0].max().item() == pytest.approx(2.5 * 32 / 70)
    assert priors[:, 1].max().item() == pytest.approx(3.5 * 32 / 100)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "640"])
def test_prior_boxes_refuse_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive number of pixels"):
        faces.prior_boxes(bad, 10)


def test_decode_of_zero_offsets_gives_the_anchors():
    priors = torch.tensor([[0.5, 0.25, 0.1, 0.2]])
    boxes, points = faces.decode(torch.zeros(1, 4), torch.zeros(1, 10), priors, 100, 200)
    torch.testing.assert_close(boxes, torch.tensor([[90.0, 15.0, 110.0, 35.0]]))
    torch.testing.assert_close(points, torch.tensor([[[100.0, 25.0]] * 5]))


def test_decode_moves_and_scales_by_the_variances():
    priors = torch.tensor([[0.5, 0.5, 0.2, 0.2]])
    offsets = torch.tensor([[1.0, -1.0, 5 * math.log(2), 0.0]])
    boxes, _ = faces.decode(offsets, torch.zeros(1, 10), priors, 100, 100)
    # centre (52, 48), width 40, height 20
    torch.testing.assert_close(boxes, torch.tensor([[32.0, 38.0, 72.0, 58.0]]))


def test_detect_faces_finds_the_astronaut():
    found = faces.detect_faces(load_photo("astronaut"))
    assert found.boxes.shape == (1, 4) and found.landmarks.shape == (1, 5, 2)
    assert found.scores[0] > 0.99
    x1, y1, x2, y2 = found.boxes[0].tolist()
    assert 150 < x1 < x2 < 300 and 30 < y1 < y2 < 200  # her face, top middle of the photo
    (rx, ry), (lx, ly) = found.landmarks[0, 0].tolist(), found.landmarks[0, 1].tolist()
    assert x1 < rx < lx < x2 and abs(ry - ly) < 15  # eyes inside the box, level


def test_detect_faces_accepts_arrays_and_finds_nothing_in_a_blank_image():
    blank = np.full((64, 96, 3), 128, dtype=np.uint8)
    found = faces.detect_faces(blank)
    assert found.boxes.shape == (0, 4) and found.scores.shape == (0,)
    assert found.landmarks.shape == (0, 5, 2)


@pytest.mark.parametrize(("image", "kwargs", "error", "message"), [
    ("photo.jpg", {}, TypeError, "PIL image or an RGB array"),
    (np.zeros((4, 4)), {}, TypeError, "PIL image or an RGB array"),
    (np.zeros((4, 4, 3)), {"score_threshold": 1.5}, ValueError, "score_threshold"),
    (np.zeros((4, 4, 3)), {"nms_threshold": -0.1}, ValueError, "nms_threshold"),
])
def test_detect_faces_bad_input(image, kwargs, error, message):
    with pytest.raises(error, match=message):
        faces.detect_faces(image, **kwargs)


def test_similarity_transform_recovers_a_known_one():
    angle, scale, shift = 0.3, 1.7, torch.tensor([5.0, -2.0])
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)],
                             [math.sin(angle), math.cos(angle)]])
    source = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
    target = source @ (scale * rotation).T + shift
    matrix = faces.similarity_transform(source, target)
    torch.testing.assert_close(matrix[:, :2], scale * rotation)
    torch.testing.assert_close(matrix[:, 2], shift)


def test_similarity_transform_bad_input():
    with pytest.raises(ValueError, match="all the same"):
        faces.similarity_transform(torch.ones(3, 2), torch.rand(3, 2))
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        faces.similarity_transform(torch.ones(3, 3), torch.rand(3, 3))


def test_aligning_a_face_already_on_the_template_keeps_it():
    image = (np.random.default_rng(0).random((112, 112, 3)) * 255).astype(np.uint8)
    aligned = faces.align_face(image, faces.ARCFACE_TEMPLATE)
    expected = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    torch.testing.assert_close(aligned, expected, atol=1e-4, rtol=0)


def test_similarity_matrix_and_embeddings():
    vectors = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    matrix = faces.similarity_matrix(vectors)
    torch.testing.assert_close(matrix, torch.tensor([[1.0, 0.0, 0.5**0.5], [0.0, 1.0, 0.5**0.5],
                                                     [0.5**0.5, 0.5**0.5, 1.0]]))
    embedded = faces.embed_faces(torch.rand(2, 3, 8, 8), torch.nn.Flatten())
    torch.testing.assert_close(embedded.norm(dim=1), torch.ones(2))
    with pytest.raises(ValueError, match="aligned faces"):
        faces.embed_faces(torch.rand(3, 8, 8), torch.nn.Flatten())
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        faces.similarity_matrix(torch.rand(2, 2, 2))


def test_fit_within_scales_down_only():
    from PIL import Image

    big = Image.new("RGB", (1000, 500))
    assert faces.fit_within(big, 640).size == (640, 320)
    small = Image.new("RGB", (300, 200))
    assert faces.fit_within(small, 640) is small
    with pytest.raises(TypeError, match="PIL image"):
        faces.fit_within(np.zeros((4, 4, 3)), 640)
    with pytest.raises(ValueError, match="at least 32"):
        faces.fit_within(big, 8)
