"""Photos of faces for chapter 10: two people, several photos each, from a package registry.

The source distribution of ``face_recognition==1.3.0`` (MIT licence, on the Python package
index) holds test photos of two people: Barack Obama (``obama``, ``obama2``, ``obama3``, three
different occasions) and Joe Biden (``biden``).  Their EXIF data says what they are:
official White House photographs by Pete Souza, works of the US federal government
(public domain in the US, 17 U.S.C. section 105), with a notice that asks that they not be
manipulated nor used to suggest any endorsement.  The chapter draws on top of them without
changing the photographs, and shows none of them cropped or warped.

:func:`load_face_photo` fetches the source distribution once with ``pip download`` (the
package index's ordinary client: it works offline wherever the index is reachable, and in
Colab), checks its SHA-256, and extracts the photos, each written atomically, into a cache
folder; ``python -m mobilenet_tutorial.data.face_photos`` does it ahead of time.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import torch
from PIL import Image

from ..checks import shown
from ..storage import atomic_path
from ..weights.files import WeightsNotFoundError, verify_sha256

__all__ = ["FACE_PHOTO_NAMES", "FACE_PHOTO_PEOPLE", "SDIST", "SDIST_SHA256",
           "face_photo_folder", "fetch_face_photos", "load_face_photo"]

SDIST = "face_recognition-1.3.0.tar.gz"
SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
_REQUIREMENT = "face_recognition==1.3.0"

FACE_PHOTO_NAMES = ("obama", "obama2", "obama3", "biden")
"""The photos, by their file names without ``.jpg``."""

FACE_PHOTO_PEOPLE: dict[str, tuple[str, ...]] = {
    "obama": ("Barack Obama",),
    "obama2": ("Barack Obama",),
    "obama3": ("Barack Obama",),
    "biden": ("Joe Biden",),
}
"""Who is in each photo (left to right for the group)."""


def face_photo_folder() -> Path:
    """Where the extracted photos are kept: next to torch's hub folder."""
    return Path(torch.hub.get_dir()).parent / "mobilenet_tutorial" / "face_recognition-1.3.0"


def _download(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--no-binary", ":all:", _REQUIREMENT, "-d", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    path = folder / SDIST
    if result.returncode != 0 or not path.is_file():
        raise WeightsNotFoundError(
            f"could not download the photos' package ({' '.join(command[2:])} failed: "
            f"{result.stderr.strip()[-300:]}). Where the package index is reachable, run "
            "`python -m mobilenet_tutorial.data.face_photos` once; it keeps the photos in "
            f"{face_photo_folder()}.")
    return path


def fetch_face_photos(sdist: str | Path | None = None) -> Path:
    """Extract the photos into :func:`face_photo_folder` if they are not there yet.

    Args:
        sdist: a copy of ``face_recognition-1.3.0.tar.gz``; by default it is downloaded
            with ``pip download`` into a temporary folder.

    Raises:
        ChecksumError: the source distribution is not the expected file.
        WeightsNotFoundError: it could not be downloaded.
    """
    folder = face_photo_folder()
    if all((folder / f"{name}.jpg").is_file() for name in FACE_PHOTO_NAMES):
        return folder
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(sdist) if sdist is not None else _download(Path(scratch))
        verify_sha256(path, SDIST_SHA256)
        with tarfile.open(path, "r:gz") as archive:
            for name in FACE_PHOTO_NAMES:
                member = archive.extractfile(
                    f"face_recognition-1.3.0/tests/test_images/{name}.jpg")
                assert member is not None  # a checked archive has every photo
                with atomic_path(folder / f"{name}.jpg") as partial:
                    partial.write_bytes(member.read())
    return folder


def load_face_photo(name: str) -> Image.Image:
    """One of :data:`FACE_PHOTO_NAMES` as an RGB ``PIL.Image`` (fetched on first use)."""
    if not isinstance(name, str) or name not in FACE_PHOTO_NAMES:
        raise ValueError(f"name must be one of {', '.join(FACE_PHOTO_NAMES)}, got {shown(name)}")
    with Image.open(fetch_face_photos() / f"{name}.jpg") as image:
        return image.convert("RGB")


if __name__ == "__main__":
    print(fetch_face_photos())
