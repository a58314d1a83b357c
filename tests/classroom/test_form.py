"""Every chapter notebook's exercises follow the course's form, so the classroom kit finds them.

For each ``**Exercise K.**`` markdown cell, in order: the answer cell (``answer = None``, then
``chNN.check_xxx(answer)`` with ``check_xxx`` being ``EXERCISES["exK"]`` of the chapter's
module), then a solution markdown cell (tag ``solution``, a ``Solution K`` dropdown) and a
solution code cell (tags ``solution`` and ``hide-cell``) that calls the same check.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from mobilenet_tutorial.classroom.form import question_number, source_of, tags_of

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANSWER_LINE = re.compile(r"^answer = None  # your answer here", re.M)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _lines(cell: dict) -> list[str]:
    return [line for line in source_of(cell).splitlines() if line.strip()]


def test_there_are_chapter_notebooks():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_follow_the_form(path: Path):
    number = path.name[:2]
    module = importlib.import_module(f"mobilenet_tutorial.exercises.ch{number}")
    table = module.EXERCISES
    cells = _cells(path)
    questions = [i for i, cell in enumerate(cells) if question_number(cell) is not None]
    numbers = [question_number(cells[i]) for i in questions]
    assert numbers == list(range(1, len(numbers) + 1)), f"exercises numbered {numbers}"
    assert len(numbers) >= 3, "at least three auto-checked exercises per chapter"
    assert list(table) == [f"ex{k}" for k in numbers], \
        f"EXERCISES of ch{number} has {list(table)}, the notebook exercises {numbers}"
    call = f"ch{number}.{{}}(answer)"
    for k, at in zip(numbers, questions, strict=True):
        check = table[f"ex{k}"].__name__
        answer, text, code = cells[at + 1:at + 4]
        where = f"{path.name}, exercise {k}"
        assert answer["cell_type"] == "code" and "solution" not in tags_of(answer), where
        assert ANSWER_LINE.search(source_of(answer)), f"{where}: no `answer = None` line"
        assert _lines(answer)[-1] == call.format(check), \
            f"{where}: the answer cell should end with {call.format(check)}"
        assert text["cell_type"] == "markdown" and tags_of(text) == ["solution"], where
        lines = source_of(text).strip().splitlines()
        assert lines[:2] == [f":::{{admonition}} Solution {k}", ":class: dropdown"], where
        assert lines[-1] == ":::" and len(lines) > 3, f"{where}: an empty or open dropdown"
        assert code["cell_type"] == "code", where
        assert set(tags_of(code)) == {"solution", "hide-cell"}, where
        assert _lines(code)[-1] == call.format(check), \
            f"{where}: the solution cell should end with the same check call"
        assert re.search(r"^\s*answer = ", source_of(code), re.M), f"{where}: sets no answer"
        assert not ANSWER_LINE.search(source_of(code)), f"{where}: the solution leaves None"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_exercise_cells_are_solutions(path: Path):
    cells = _cells(path)
    for index, cell in enumerate(cells):
        if "solution" in tags_of(cell):
            before = cells[index - 1] if cell["cell_type"] == "markdown" else cells[index - 2]
            assert "check_" in source_of(before), f"{path.name}: cell {index} is a stray solution"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_answer_cells_define_only_the_answer(path: Path):
    """A solution may use the chapter's cells, never what a student's answer cell defines."""
    for cell in _cells(path):
        if cell["cell_type"] == "code" and ANSWER_LINE.search(source_of(cell)) \
                and "solution" not in tags_of(cell):
            code = [line for line in _lines(cell) if not line.lstrip().startswith("#")]
            assert len(code) == 2, f"{path.name}: an answer cell holds more than its two lines"
