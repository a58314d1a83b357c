"""PlantVillage (Hughes and Salathé, 2015; Mohanty et al., 2016), for readers who are online.

PlantVillage holds about 54,000 photos of single leaves, 38 classes of crop and disease,
each photographed on a plain background under similar light.  Its authors' repository
keeps three versions of every photo: ``raw/color`` (as taken), ``raw/grayscale`` and
``raw/segmented`` (the leaf cut out, the background made black), and, for some classes,
``leaf_grouping/filtered_leafmaps/<class>.csv`` files that say which photos show the
same leaf (columns ``File Name`` and ``Leaf #``).

Two pitfalls decide what an accuracy on it means:

- the same leaf photographed several times: a random split puts photos of one leaf on
  both sides, so the test measures recognising a leaf already seen.
  :func:`split_by_leaf` keeps each leaf's photos together where a leaf map exists (and
  each photo on its own where none does);
- the background: it differs between classes, so a network can score well without
  looking at the leaf (Noyan, 2022, reached 49% from 8 background pixels, chance
  being 2.6%).  Training on ``segmented`` and testing on ``color``, or the reverse, shows
  how much a model leans on it.

Nothing here is available offline (no package registry ships the images):
:func:`download_plant_village` clones the repository's image folders with git.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torchvision import datasets

from .. import checks

__all__ = ["PLANT_VILLAGE_GIT", "VERSIONS", "download_plant_village", "leaf_maps", "leaf_of",
           "split_by_leaf", "plant_village_folder"]

PLANT_VILLAGE_GIT = "https://github.com/spMohanty/PlantVillage-Dataset"
"""The authors' repository (several gigabytes: only the folders asked for are fetched)."""

VERSIONS = ("color", "segmented", "grayscale")

_PREFIX = re.compile(r"^[0-9a-fA-F-]{36}___")  # the UUID the repository puts before a name


def download_plant_village(root: str | Path, versions: Sequence[str] = ("color", "segmented")
                           ) -> Path:
    """Fetch PlantVillage's image folders (and leaf maps) into ``root``; return the clone.

    Uses ``git clone --depth 1 --filter=blob:none --sparse`` and a sparse checkout of
    ``raw/<version>`` for each version and of ``leaf_grouping``, so that only those files
    are downloaded.  An existing clone is reused.

    Raises:
        ValueError: an unknown version.
        RuntimeError: git is missing or the clone fails (no internet, for one).
    """
    for version in versions:
        checks.one_of("versions", version, VERSIONS)
    target = Path(root) / "PlantVillage-Dataset"
    if all((target / "raw" / version).is_dir() for version in versions):
        return target
    git = shutil.which("git")
    if git is None:
        raise RuntimeError("PlantVillage is fetched with git, which is not installed")
    folders = [f"raw/{version}" for version in versions] + ["leaf_grouping"]
    try:
        if not (target / ".git").is_dir():
            subprocess.run([git, "clone", "--depth", "1", "--filter=blob:none", "--sparse",
                            PLANT_VILLAGE_GIT, str(target)], check=True)
        subprocess.run([git, "-C", str(target), "sparse-checkout", "set", *folders],
                       check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError(f"could not fetch PlantVillage from {PLANT_VILLAGE_GIT} "
                           f"({error}); it needs an internet connection") from error
    return target


def leaf_maps(clone: str | Path) -> dict[str, dict[str, str]]:
    """For each class that has a leaf map: ``{photo's original name: leaf number}``."""
    maps: dict[str, dict[str, str]] = {}
    folder = Path(clone) / "leaf_grouping" / "filtered_leafmaps"
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        with open(path, newline="", encoding="utf-8") as file:
            rows = csv.DictReader(file)
            maps[path.stem] = {row["File Name"].strip(): row["Leaf #"].strip() for row in rows
                               if row.get("File Name") and row.get("Leaf #")}
    return maps


def leaf_of(class_name: str, file_name: str, maps: Mapping[str, Mapping[str, str]]) -> str:
    """The group a photo belongs to: its leaf, where the class's leaf map knows it, else the
    photo itself.  The repository's UUID prefix is dropped before the look-up, and a
    segmented photo's ``_final_masked`` suffix too, so the color and segmented copies of a
    photo fall in the same group."""
    original = _PREFIX.sub("", Path(file_name).name)
    original = re.sub(r"_final_masked(?=\.[^.]+$)", "", original)
    leaf = maps.get(class_name, {}).get(original)
    return f"{class_name}/leaf {leaf}" if leaf is not None else f"{class_name}/{original}"


def split_by_leaf(groups: Sequence[str], test_fraction: float = 0.2, seed: int = 0
                  ) -> tuple[list[int], list[int]]:
    """Indices of a train and a test split that never put two photos of a group apart.

    Whole groups are drawn at random (seeded) into the test split until it holds at least
    ``test_fraction`` of the photos.

    Raises:
        ValueError: ``test_fraction`` outside ``(0, 1)`` or no photos.
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
            or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be a number between 0 and 1 (0.2 holds out a "
                         f"fifth), got {checks.shown(test_fraction)}")
    checks.seed("seed", seed)
    if not groups:
        raise ValueError("split_by_leaf needs at least one photo")
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    names = sorted(members)
    order = torch.randperm(len(names), generator=torch.Generator().manual_seed(seed)).tolist()
    test: list[int] = []
    for position in order:
        if len(test) >= test_fraction * len(groups):
            break
        test.extend(members[names[position]])
    held_out = set(test)
    return [i for i in range(len(groups)) if i not in held_out], sorted(test)


def plant_village_folder(clone: str | Path, version: str = "color", transform=None
                         ) -> tuple[datasets.ImageFolder, list[str]]:
    """``(ImageFolder over raw/<version>, each photo's group)`` for :func:`split_by_leaf`."""
    checks.one_of("version", version, VERSIONS)
    folder = Path(clone) / "raw" / version
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is missing: call download_plant_village(root, "
                                f"versions=[{version!r}]) first (it needs the internet)")
    dataset = datasets.ImageFolder(str(folder), transform=transform)
    maps = leaf_maps(clone)
    groups = [leaf_of(dataset.classes[label], path, maps) for path, label in dataset.samples]
    return dataset, groups
