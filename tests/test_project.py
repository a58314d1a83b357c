"""The project's promises about its commands and requirements."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quick_start_has_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["make book", "make test"]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    # Nothing but the README's command: `make test` must install what it needs itself.
    assert commands[-1] == "make test", commands
    assert not any(re.search(r"\b(apt-get|apt|pip3?|npm)\s", c) for c in commands), commands


def test_requirements_are_lower_bounds_only():
    """Colab must keep its preinstalled torch: no upper bound or exact pin on torch."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = [*project["dependencies"],
            *(d for extra in project.get("optional-dependencies", {}).values() for d in extra)]
    for line in [*lines, *deps]:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+(>=[0-9][0-9.]*)?", line), line


def test_package_metadata_matches_config_repository():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    config = (ROOT / "_config.yml").read_text()
    url = re.search(r"url:\s*(\S+)", config).group(1)
    assert pyproject["project"]["urls"]["Homepage"] == url


def test_references_parse_with_one_entry_per_key():
    import re

    from pybtex.database import parse_file

    path = ROOT / "book" / "references.bib"
    entries = parse_file(str(path)).entries  # a missing brace is a syntax error here
    keys = re.findall(r"^@\w+\{([^,]+),", path.read_text(), flags=re.M)
    assert len(keys) == len(set(keys)) == len(entries), "a key is defined twice, or lost"


def test_every_local_extension_is_loaded():
    """_config.yml's `extensions` replaces Jupyter Book's list: a local one must be named in it."""
    import yaml

    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    local = set(sphinx["local_extensions"])
    assert local == {p.stem for p in (ROOT / "book" / "_ext").glob("*.py")}
    assert local <= set(sphinx["config"]["extensions"])
