"""Where a notebook's exercises are: the form every chapter (and a teacher's notebook) follows.

An exercise's answer cell is found by its call, never by outputs or metadata a student
can lose: a code cell with a line ``chNN.check_xxx(answer)`` answers exercise ``chNN.exK``
where ``EXERCISES["exK"]`` of :mod:`mobilenet_tutorial.exercises.chNN` is ``check_xxx``.
A teacher's own questions (``--checks FILE.py``) are marked instead by a line
``# exercise: ID`` in the answer cell, ``ID`` a key of that module's ``EXERCISES``.

Solution cells carry the tag :data:`SOLUTION_TAG`; they call the same check, so an
exercise can have several answer cells (the student's and the solution): the grader
scores each and keeps the best (see :mod:`.grading`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["SOLUTION_TAG", "Exercise", "ExerciseCell", "answer_cells", "chapter_exercises",
           "exercise_cells", "is_solution", "source_of", "tags_of"]

SOLUTION_TAG = "solution"
CALL = re.compile(r"^\s*(ch\d\d)\.(check_\w+)\(\s*answer\s*\)\s*(?:#.*)?$", re.M)
MARKER = re.compile(r"^\s*#\s*exercise:\s*([\w.\-]+)\s*$", re.M)
QUESTION = re.compile(r"^\*\*Exercise (\d+)\.\*\*")
CHAPTER_PACKAGE = "mobilenet_tutorial.exercises"


@dataclass(frozen=True)
class Exercise:
    """One gradable exercise: its id (``"ch01.ex1"``), chapter, check and points."""

    id: str
    chapter: str
    check_name: str
    points: float
    source: str  # "package" (a chapter module) or "checks" (the teacher's --checks module)


@dataclass(frozen=True)
class ExerciseCell:
    """A code cell that answers ``exercise``: its index in the notebook, and whether a solution."""

    index: int
    exercise: Exercise
    solution: bool


def source_of(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def tags_of(cell: Mapping[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return list(tags) if isinstance(tags, list) else []


def is_solution(cell: Mapping[str, Any]) -> bool:
    """Whether ``cell`` is tagged :data:`SOLUTION_TAG`."""
    return SOLUTION_TAG in tags_of(cell)


def _exercises_of(module: ModuleType, chapter: str, source: str) -> dict[str, Exercise]:
    table = getattr(module, "EXERCISES", None)
    if not isinstance(table, Mapping) or not all(callable(c) for c in table.values()):
        raise ValueError(f"{module.__name__} has no EXERCISES dict of check functions: add "
                         'EXERCISES = {"ex1": check_a, ...} at its end')
    points = getattr(module, "POINTS", {})
    found = {}
    for key, check in table.items():
        exercise_id = f"{chapter}.{key}" if source == "package" else str(key)
        found[check.__name__ if source == "package" else str(key)] = Exercise(
            exercise_id, chapter if source == "package" else exercise_id.split(".")[0],
            check.__name__, float(points.get(key, 1)), source)
    return found


def chapter_exercises(chapter: str) -> list[Exercise]:
    """The exercises of chapter module ``chapter`` (``"ch01"``), in order."""
    if not re.fullmatch(r"ch\d\d", chapter):
        raise ValueError(f"chapter must look like 'ch01', got {chapter!r}")
    module = importlib.import_module(f"{CHAPTER_PACKAGE}.{chapter}")
    return list(_exercises_of(module, chapter, "package").values())


def checks_exercises(module: ModuleType) -> list[Exercise]:
    """The exercises of a teacher's checks module, in its ``EXERCISES`` order."""
    return list(_exercises_of(module, module.__name__, "checks").values())


def exercise_cells(cells: list[Mapping[str, Any]],
                   checks: ModuleType | None = None) -> list[ExerciseCell]:
    """Every code cell of ``cells`` that answers an exercise, in notebook order.

    A cell calling ``chNN.check_xxx(answer)`` answers the chapter exercise whose check that
    is; a cell with a ``# exercise: ID`` line answers the teacher's exercise ``ID`` (only
    when ``checks`` is given).  A call to a check that no ``EXERCISES`` lists is ignored.
    """
    by_chapter: dict[str, dict[str, Exercise]] = {}
    teacher = {e.id: e for e in checks_exercises(checks)} if checks is not None else {}
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        text = source_of(cell)
        exercise = None
        marker = MARKER.search(text)
        if marker and marker.group(1) in teacher:
            exercise = teacher[marker.group(1)]
        else:
            call = CALL.search(text)
            if call:
                chapter, check = call.groups()
                if chapter not in by_chapter:
                    try:
                        by_chapter[chapter] = {e.check_name: e for e in chapter_exercises(chapter)}
                    except ModuleNotFoundError:
                        by_chapter[chapter] = {}
                exercise = by_chapter[chapter].get(check)
        if exercise is not None:
            found.append(ExerciseCell(index, exercise, is_solution(cell)))
    return found


def answer_cells(cells: list[Mapping[str, Any]]) -> list[ExerciseCell]:
    """The students' answer cells: :func:`exercise_cells` that are not solutions."""
    return [c for c in exercise_cells(cells) if not c.solution]


def question_number(cell: Mapping[str, Any]) -> int | None:
    """``K`` if ``cell`` is a markdown cell starting ``**Exercise K.**``, else ``None``."""
    if cell.get("cell_type") != "markdown":
        return None
    match = QUESTION.match(source_of(cell))
    return int(match.group(1)) if match else None


def check_function(exercise: Exercise, checks: ModuleType | None = None) -> Callable[..., Any]:
    """The check function of ``exercise``, from its chapter module or ``checks``."""
    if exercise.source == "checks":
        if checks is None:
            raise ValueError(f"{exercise.id} is a teacher's exercise: pass its checks module")
        return checks.EXERCISES[exercise.id]
    module = importlib.import_module(f"{CHAPTER_PACKAGE}.{exercise.chapter}")
    return module.EXERCISES[exercise.id.split(".", 1)[1]]
