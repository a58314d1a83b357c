"""The face photos: fetched from a checked source distribution, extracted atomically."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial.data import face_photos
from mobilenet_tutorial.weights.files import ChecksumError


def test_every_photo_loads_as_rgb():
    for name in face_photos.FACE_PHOTO_NAMES:
        photo = face_photos.load_face_photo(name)
        assert photo.mode == "RGB" and min(photo.size) > 500
    assert set(face_photos.FACE_PHOTO_PEOPLE) == set(face_photos.FACE_PHOTO_NAMES)


@pytest.mark.parametrize("bad", ["lena", None, 3])
def test_unknown_names_are_refused(bad):
    with pytest.raises(ValueError, match="must be one of obama"):
        face_photos.load_face_photo(bad)


def test_a_wrong_archive_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    fake = tmp_path / face_photos.SDIST
    fake.write_bytes(b"not the archive")
    with pytest.raises(ChecksumError):
        face_photos.fetch_face_photos(fake)
    assert not (tmp_path / "mobilenet_tutorial").exists()
