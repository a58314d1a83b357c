"""Student and instructor editions: what they keep, what they drop, byte for byte the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobilenet_tutorial.classroom.__main__ import main
from mobilenet_tutorial.classroom.editions import (
    STUDENT_HEADER,
    instructor_edition,
    read_notebook,
    student_edition,
)
from mobilenet_tutorial.classroom.form import is_solution, source_of

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _solution_lines(notebook: dict) -> set[str]:
    """Every non-trivial line of every solution cell: not blank, not a bare bracket, longer
    than a few characters, and found in no other cell of the source (a check call is not)."""
    elsewhere = {line.strip() for cell in notebook["cells"] if not is_solution(cell)
                 for line in source_of(cell).splitlines()}
    return {line.strip() for cell in notebook["cells"] if is_solution(cell)
            for line in source_of(cell).splitlines()
            if len(line.strip()) > 6 and line.strip() not in elsewhere}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_cell_or_line_reaches_the_student(path: Path):
    source = read_notebook(path)
    lines = _solution_lines(source)
    assert len(lines) >= 3 * 3, f"{path.name}: too few solution lines to test"
    student = student_edition(source)
    assert not any(is_solution(cell) for cell in student["cells"])
    text = "\n".join(source_of(cell) for cell in student["cells"])
    student_lines = {line.strip() for line in text.splitlines()}
    leaked = sorted(lines & student_lines)
    assert not leaked, f"{path.name}: solution lines in the student edition: {leaked}"
    assert "{admonition} Solution" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_student_edition_keeps_the_rest(path: Path):
    source = read_notebook(path)
    student = student_edition(source)
    kept = [cell for cell in source["cells"] if not is_solution(cell)]
    assert [source_of(c) for c in student["cells"] if c["id"] != "classroom-student"] == \
        [source_of(c) for c in kept]
    assert source_of(student["cells"][1]) == STUDENT_HEADER  # after the title
    first_code = next(c for c in student["cells"] if c["cell_type"] == "code")
    assert first_code is not None and "google.colab" in source_of(first_code)  # setup cell
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in student["cells"] if c["cell_type"] == "code")
    ids = [c["id"] for c in student["cells"]]
    assert len(ids) == len(set(ids))
    assert student["metadata"] == source["metadata"]


def test_the_header_says_how_to_hand_in():
    assert "File > Download" in STUDENT_HEADER and "hand in" in STUDENT_HEADER
    assert "python -m mobilenet_tutorial.classroom grade" in STUDENT_HEADER


def test_outputs_are_stripped_and_the_source_is_left_alone():
    source = read_notebook(NOTEBOOKS[0])
    code = next(c for c in source["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "✅ correct\n"}]
    code["execution_count"] = 3
    before = json.dumps(source, sort_keys=True)
    for edition in (student_edition(source), instructor_edition(source)):
        assert all(c.get("outputs", []) == [] for c in edition["cells"])
    assert json.dumps(source, sort_keys=True) == before


def test_the_instructor_edition_keeps_every_cell_and_says_how_it_ran():
    source = read_notebook(NOTEBOOKS[0])
    edition = instructor_edition(source, "quick")
    assert len(edition["cells"]) == len(source["cells"]) + 1
    assert "quick mode" in source_of(edition["cells"][1])
    assert "not been executed" in source_of(instructor_edition(source)["cells"][1])
    with pytest.raises(ValueError, match="executed must be"):
        instructor_edition(source, "fast")


def test_an_untagged_solution_is_refused():
    source = read_notebook(NOTEBOOKS[0])
    for cell in source["cells"]:
        cell.get("metadata", {}).pop("tags", None)
    with pytest.raises(ValueError, match="not tagged 'solution'"):
        student_edition(source)


def test_editions_are_byte_identical_on_rerun(tmp_path: Path):
    paths = [str(p) for p in NOTEBOOKS]
    for run in ("a", "b"):
        assert main(["student", *paths, "--out", str(tmp_path / run / "student")]) == 0
        assert main(["instructor", "--no-execute", *paths,
                     "--out", str(tmp_path / run / "instructor")]) == 0
    for kind in ("student", "instructor"):
        names = sorted(p.name for p in (tmp_path / "a" / kind).iterdir())
        assert names == sorted(p.name for p in NOTEBOOKS)
        for name in names:
            assert (tmp_path / "a" / kind / name).read_bytes() == \
                (tmp_path / "b" / kind / name).read_bytes(), f"{kind}/{name} differs"


def test_bad_notebooks_are_named(tmp_path: Path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not a readable notebook"):
        read_notebook(broken)
    old = tmp_path / "old.ipynb"
    old.write_text(json.dumps({"nbformat": 3, "cells": []}))
    with pytest.raises(ValueError, match="nbformat 3"):
        read_notebook(old)
    assert main(["student", str(broken), "--out", str(tmp_path / "out")]) == 2
    assert "not a readable notebook" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["student", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "out")])
