"""Student and instructor editions of a notebook, from its one source.

- :func:`student_edition`: the solution cells (tag ``solution``) removed, every output and
  execution count stripped, the Colab setup cell and the checks kept, and a header cell
  (after the title) on how to hand the notebook in.
- :func:`instructor_edition`: the solutions kept, a header that says so and how the
  notebook was executed; :func:`write_instructor` executes it (through the grader's
  runner, so the same run also proves the solutions earn full marks).

Both are deterministic: the same source gives byte-identical files (no timestamps, no
execution metadata; executed outputs, of course, are those of the run).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..storage import atomic_path
from .form import is_solution, source_of

__all__ = ["STUDENT_HEADER", "instructor_edition", "read_notebook", "student_edition",
           "write_notebook"]

STUDENT_HEADER = """\
**Student edition.** Work through the chapter, then do the exercises at the end: in each
answer cell, replace `None` in `answer = None` with your answer and run the cell; the check
under it says whether you are right, or gives a hint.

**To hand in:** save the notebook with your answers (in Colab: *File > Download >
Download .ipynb*) and hand in the `.ipynb` file. Your teacher grades it with
`python -m mobilenet_tutorial.classroom grade`, which runs your notebook again from the
start in a fresh kernel and checks the value of `answer` right after each answer cell with
the course's own checks. Printed output does not count, so make sure the notebook runs from
top to bottom, and keep the `answer = ...` line and the check call in each answer cell."""

INSTRUCTOR_HEADER = """\
**Instructor edition.** This edition keeps the worked solution under every exercise: a
collapsed explanation and a code cell (both tagged `solution`) that computes the answer and
passes the check. {executed} The student edition is the same notebook without the solution
cells and without outputs; grade students' notebooks with
`python -m mobilenet_tutorial.classroom grade SUBMISSION.ipynb ... --out grades.csv`."""

EXECUTED = {
    None: "It has not been executed.",
    "quick": ("Its outputs come from one run in quick mode (`MOBILENET_TUTORIAL_QUICK=1`: "
              "fewer images, epochs and repeats than the book), so trained numbers and timings "
              "differ from the book's."),
    "full": "Its outputs come from one run in full mode, as the book is built; timings are "
            "those of the machine it ran on.",
}


def read_notebook(path: str | os.PathLike) -> dict[str, Any]:
    """The notebook at ``path`` as a dict (nbformat 4), with a clear error if it is not one."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable notebook (.ipynb JSON): {error}") from error
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{path} is not a Jupyter notebook: it has no list of cells")
    if notebook.get("nbformat") != 4:
        raise ValueError(f"{path} is nbformat {notebook.get('nbformat')}: save it as nbformat 4")
    return notebook


def write_notebook(notebook: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write ``notebook`` to ``path`` atomically, in a stable layout; return the path."""
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    with atomic_path(path) as partial:
        partial.write_text(text, encoding="utf-8")
        partial.chmod(0o644)  # an edition is handed out: readable like any other file
    return Path(path)


def _stripped(cell: Mapping[str, Any]) -> dict[str, Any]:
    cell = copy.deepcopy(dict(cell))
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    metadata = cell.get("metadata", {})
    for key in ("execution", "collapsed", "scrolled"):
        metadata.pop(key, None)
    return cell


def _header(text: str, cell_id: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {},
            "source": text.splitlines(keepends=True)}


def _with_header(cells: list[dict[str, Any]], header: dict[str, Any]) -> list[dict[str, Any]]:
    at = 1 if cells and cells[0].get("cell_type") == "markdown" and \
        source_of(cells[0]).lstrip().startswith("# ") else 0
    return cells[:at] + [header] + cells[at:]


def _edition(notebook: Mapping[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    edition = {key: copy.deepcopy(value) for key, value in notebook.items() if key != "cells"}
    edition["cells"] = cells
    edition["nbformat_minor"] = max(int(notebook.get("nbformat_minor", 5)), 5)  # cell ids
    for index, cell in enumerate(cells):
        cell.setdefault("id", f"cell-{index}")
    return edition


def student_edition(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The student edition of ``notebook`` (a dict; the input is left unchanged).

    Raises ``ValueError`` if a cell looks like a worked solution (a ``Solution`` admonition)
    but is not tagged ``solution``: it would reach the students.
    """
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        if is_solution(cell):
            continue
        if "{admonition} Solution" in source_of(cell):
            raise ValueError(f"cell {index} holds a solution admonition but is not tagged "
                             "'solution': tag it (metadata.tags), or it reaches the students")
        cells.append(_stripped(cell))
    return _edition(notebook, _with_header(cells, _header(STUDENT_HEADER, "classroom-student")))


def instructor_edition(notebook: Mapping[str, Any], executed: str | None = None) -> dict[str, Any]:
    """The instructor edition: every cell kept, outputs stripped, and a header.

    ``executed`` is ``None``, ``"quick"`` or ``"full"``: how the edition will be run, for
    the header (:func:`mobilenet_tutorial.classroom.grading.execute_instructor` runs it).
    """
    if executed not in EXECUTED:
        raise ValueError(f"executed must be None, 'quick' or 'full', got {executed!r}")
    cells = [_stripped(cell) for cell in notebook["cells"]]
    header = _header(INSTRUCTOR_HEADER.format(executed=EXECUTED[executed]),
                     "classroom-instructor")
    return _edition(notebook, _with_header(cells, header))
