"""The book's page on the helper package: every module in the API reference, a true map."""

from __future__ import annotations

import pkgutil
import re
import sys
from pathlib import Path

import mobilenet_tutorial

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import package_map  # noqa: E402


def _modules() -> set[str]:
    names = {"mobilenet_tutorial"}
    for info in pkgutil.walk_packages(mobilenet_tutorial.__path__, "mobilenet_tutorial."):
        names.add(info.name)
    return names


def test_every_module_is_in_the_api_reference():
    page = (ROOT / "book" / "package.md").read_text()
    listed = set(re.findall(r"^\.\. automodule:: (\S+)$", page, re.M))
    assert listed == _modules(), (
        f"book/package.md: add {sorted(_modules() - listed)}, remove {sorted(listed - _modules())}"
    )


def test_imported_names_reads_every_form_of_import(tmp_path):
    cells = [
        "%pip install -q something\nimport os",
        "from mobilenet_tutorial import count_params, bench\n"
        "from mobilenet_tutorial.models import efficientnet, mobilenet_v2\n"
        "import mobilenet_tutorial.cost\nfrom torch import nn",
        "from mobilenet_tutorial import count_params  # again",
        "!torchrun --standalone \\\n    --nproc-per-node=2 train.py\n"
        "import mobilenet_tutorial.glue",
    ]
    notebook = tmp_path / "01_x.ipynb"
    notebook.write_text(__import__("json").dumps(
        {"cells": [{"cell_type": "code", "source": c} for c in cells]
         + [{"cell_type": "markdown", "source": "from mobilenet_tutorial import pick"}]}))
    assert package_map.imported_names(notebook) == {
        "mobilenet_tutorial": ["count_params"],
        "mobilenet_tutorial.bench": [],
        "mobilenet_tutorial.cost": [],
        "mobilenet_tutorial.glue": [],  # after a shell line continued over two lines
        # `efficientnet` here is the builder function, not the module of that name
        "mobilenet_tutorial.models": ["efficientnet", "mobilenet_v2"],
    }


def test_names_link_to_where_they_are_defined():
    assert package_map.defining_name("mobilenet_tutorial", "count_params") == (
        "func", f"{mobilenet_tutorial.count_params.__module__}.count_params")
    assert package_map.defining_name("mobilenet_tutorial.models", "MobileNetV2")[0] == "class"
    assert package_map.defining_name("mobilenet_tutorial.models.mobilenet_v1", "BLOCKS") == (
        "obj", "mobilenet_tutorial.models.mobilenet_v1.BLOCKS")


def test_the_table_of_old_paths_is_the_package_s():
    from mobilenet_tutorial._moved import MOVED

    page = (ROOT / "book" / "package.md").read_text()
    rows = re.findall(r"^\| `mobilenet_tutorial\.(\S+)` \| \{mod\}`mobilenet_tutorial\.(\S+)` \|$",
                      page, re.M)
    assert dict(rows) == MOVED
