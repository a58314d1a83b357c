"""Chapter 9's data: deterministic corruptions, and PlantVillage's split by leaf (no network)."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial.data.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from mobilenet_tutorial.data.plant_village import (
    download_plant_village,
    leaf_maps,
    leaf_of,
    plant_village_folder,
    split_by_leaf,
)


def _images(n: int = 6, channels: int = 1) -> torch.Tensor:
    return torch.rand(n, channels, 28, 28, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", list(CORRUPTIONS))
@pytest.mark.parametrize("channels", [1, 3])
def test_every_corruption_is_deterministic_in_range_and_shape(name, channels):
    images = _images(channels=channels)
    before = images.clone()
    for severity in SEVERITIES:
        out = corrupt(images, name, severity, seed=1)
        assert out.shape == images.shape and out.dtype == images.dtype
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
        assert torch.equal(out, corrupt(images, name, severity, seed=1))
        assert not torch.equal(out, images)
    assert torch.equal(images, before)  # the clean images are left alone


def test_corruptions_have_their_documented_effect():
    images = _images() * 0.5 + 0.25  # away from the clipping edges
    assert torch.allclose(corrupt(images, "brightness", 2), images + 0.2)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    assert torch.allclose(corrupt(images, "contrast", 1), (images - mean) * 0.4 + mean)
    noisy = corrupt(images, "gaussian_noise", 5) - images
    assert 0.3 < float(noisy.std()) < 0.45  # s = 0.38, a little less after clipping
    flat = torch.full((2, 1, 28, 28), 0.5)
    assert torch.allclose(corrupt(flat, "gaussian_blur", 5), flat)  # a blur keeps a flat image


def test_severity_makes_a_corruption_worse():
    images = _images()
    errors = [float((corrupt(images, "gaussian_blur", s) - images).abs().mean())
              for s in SEVERITIES]
    assert errors == sorted(errors)
    noise = [corrupt(images, "gaussian_noise", 3, seed=s) for s in (0, 1)]
    assert not torch.equal(*noise)  # another seed, other noise


@pytest.mark.parametrize(("args", "message"), [
    (("fog", 1), "name must be one of"),
    (("jpeg", 0), "severity must be one of"),
    (("jpeg", 6), "severity must be one of"),
])
def test_corrupt_rejects_unknown_names_and_severities(args, message):
    with pytest.raises(ValueError, match=message):
        corrupt(_images(), *args)


@pytest.mark.parametrize("images", [torch.zeros(2, 2, 8, 8), torch.zeros(8, 8),
                                    torch.zeros(1, 1, 8, 8, dtype=torch.uint8), [0.5]])
def test_corrupt_rejects_bad_images(images):
    with pytest.raises(ValueError, match="images must be a float tensor"):
        corrupt(images, "contrast", 1)


# --- PlantVillage, on a fake clone --------------------------------------------------------

def _fake_clone(tmp_path):
    from PIL import Image

    clone = tmp_path / "PlantVillage-Dataset"
    maps = clone / "leaf_grouping" / "filtered_leafmaps"
    maps.mkdir(parents=True)
    (maps / "Tomato___healthy.csv").write_text(
        '"File Name","Leaf #"\n"RS_HL 0001.JPG","1.0"\n"RS_HL 0002.JPG","1.0"\n'
        '"RS_HL 0003.JPG","2.0"\n')
    names = {"Tomato___healthy": ["RS_HL 0001.JPG", "RS_HL 0002.JPG", "RS_HL 0003.JPG"],
             "Apple___scab": ["A 1.JPG", "A 2.JPG"]}
    for index, (cls, files) in enumerate(names.items()):
        folder = clone / "raw" / "color" / cls
        folder.mkdir(parents=True)
        for number, name in enumerate(files):
            uuid = f"{index:08x}-0000-0000-0000-{number:012x}"
            Image.new("RGB", (4, 4)).save(folder / f"{uuid}___{name}")
    return clone


def test_leaf_of_groups_photos_of_one_leaf_and_keeps_others_apart(tmp_path):
    clone = _fake_clone(tmp_path)
    maps = leaf_maps(clone)
    assert maps == {"Tomato___healthy": {"RS_HL 0001.JPG": "1.0", "RS_HL 0002.JPG": "1.0",
                                         "RS_HL 0003.JPG": "2.0"}}
    uuid = "0a1b2c3d-0000-4000-8000-000000000000___"
    assert leaf_of("Tomato___healthy", uuid + "RS_HL 0002.JPG", maps) == "Tomato___healthy/leaf 1.0"
    assert leaf_of("Tomato___healthy", uuid + "RS_HL 0002_final_masked.JPG", maps) \
        == "Tomato___healthy/leaf 1.0"
    assert leaf_of("Apple___scab", uuid + "A 1.JPG", maps) == "Apple___scab/A 1.JPG"
    dataset, groups = plant_village_folder(clone)
    assert len(dataset) == 5 and len(set(groups)) == 4


def test_split_by_leaf_never_separates_a_group():
    groups = [f"g{i // 4}" for i in range(40)] + [f"single{i}" for i in range(10)]
    for seed in range(5):
        train, test = split_by_leaf(groups, 0.2, seed=seed)
        assert sorted(train + test) == list(range(50))
        assert {groups[i] for i in train}.isdisjoint({groups[i] for i in test})
        assert 10 <= len(test) < 14
    assert split_by_leaf(groups, 0.2, seed=3) == split_by_leaf(groups, 0.2, seed=3)


@pytest.mark.parametrize("fraction", [0, 1, -0.5, "0.2", True])
def test_split_by_leaf_rejects_a_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction must be a number between 0 and 1"):
        split_by_leaf(["a", "b"], fraction)


def test_missing_folder_and_bad_version_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_plant_village"):
        plant_village_folder(tmp_path)
    with pytest.raises(ValueError, match="versions must be one of"):
        download_plant_village(tmp_path, versions=["infrared"])
