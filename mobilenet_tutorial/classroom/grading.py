"""Grade submissions: run each afresh (:mod:`.execution`), score it (:mod:`.evaluation`).

Which exercises a submission is graded on: every exercise of every chapter whose checks it
imports or calls (``from mobilenet_tutorial.exercises import ch01`` gives all of
``ch01.ex1`` ... ``ch01.ex5``), and every exercise of the teacher's ``--checks`` module.
An exercise whose answer cell is missing, or was never reached, gets 0 points and says why.

An exercise answered by more than one cell (the answer cell and its solution in the
instructor edition, or a student who called the check again further down) counts its
**best** capture: a right answer anywhere in the notebook earns the points.  Among
captures with equal points the last one's feedback is shown.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .editions import instructor_edition, read_notebook, write_notebook
from .evaluation import evaluate_captures, load_checks
from .execution import run_notebook
from .form import Exercise, chapter_exercises, checks_exercises, exercise_cells, source_of
from .report import Grade

__all__ = ["Report", "Settings", "execute_instructor", "execute_instructors", "grade_notebook",
           "grade_paths", "grade_reports", "submission_names"]

_IMPORTED = re.compile(r"from\s+mobilenet_tutorial\.exercises\s+import\s+\(?([\w\s,]+)\)?")
QUICK_ENV = {"MOBILENET_TUTORIAL_QUICK": "1", "OMP_WAIT_POLICY": "PASSIVE"}


@dataclass(frozen=True)
class Settings:
    """How to grade: time limits (seconds), quick mode, a teacher's checks file."""

    cell_timeout: float = 120.0
    timeout: float = 1800.0
    check_timeout: float = 90.0
    quick: bool = True
    checks: str | None = None

    def __post_init__(self) -> None:
        for name in ("cell_timeout", "timeout", "check_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")

    @property
    def env(self) -> dict[str, str | None]:
        """Environment changes for the kernels (``None``: unset the variable)."""
        return dict(QUICK_ENV) if self.quick else {"MOBILENET_TUTORIAL_QUICK": None}


def _expected(cells: list[dict[str, Any]], found: Iterable[Exercise],
              checks: Any) -> list[Exercise]:
    chapters = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            for names in _IMPORTED.findall(source_of(cell)):
                chapters |= {n for n in re.split(r"[\s,]+", names) if re.fullmatch(r"ch\d\d", n)}
    chapters |= {e.chapter for e in found if e.source == "package"}
    expected: list[Exercise] = []
    for chapter in sorted(chapters):
        try:
            expected += chapter_exercises(chapter)
        except ModuleNotFoundError:
            continue
    if checks is not None:
        expected += checks_exercises(checks)
    return expected


def grade_notebook(notebook: dict[str, Any], name: str, settings: Settings,
                   keep_outputs: bool = False) -> tuple[list[Grade], dict[str, Any] | None]:
    """Grade one notebook (a dict); return its rows and, with ``keep_outputs``, the run."""
    grades, _, executed = _grade(notebook, name, settings, keep_outputs)
    return grades, executed


def _grade(notebook: dict[str, Any], name: str, settings: Settings, keep_outputs: bool
           ) -> tuple[list[Grade], list[tuple[int, str]], dict[str, Any] | None]:
    checks = load_checks(settings.checks) if settings.checks else None
    cells = exercise_cells(notebook["cells"], checks)
    expected = _expected(notebook["cells"], [c.exercise for c in cells], checks)
    run = run_notebook(notebook, cells, cell_timeout=settings.cell_timeout,
                       timeout=settings.timeout, env=settings.env, keep_outputs=keep_outputs)
    for index, error in run.errors:  # outside the answer cells: for the teacher, not the grade
        print(f"{name}: cell {index} raised {error}", file=sys.stderr)
    with_data = [c for c in run.captures if c.data is not None]
    verdicts = evaluate_captures([(c.cell.exercise, c.data) for c in with_data],
                                 checks=settings.checks, seconds=settings.check_timeout,
                                 env=settings.env)
    scored: dict[str, list[tuple[float, str]]] = {}
    judged = dict(zip((id(c) for c in with_data), verdicts, strict=True))
    for capture in run.captures:
        exercise = capture.cell.exercise
        verdict = judged.get(id(capture))
        if verdict is not None and verdict.passed:
            entry = (exercise.points, verdict.feedback)
        elif verdict is not None:
            entry = (0.0, f"{capture.problem}; {verdict.feedback}" if capture.problem
                     else verdict.feedback)
        else:
            entry = (0.0, capture.problem or "nothing was captured")
        scored.setdefault(exercise.id, []).append(entry)
    for cell in cells:
        if cell.index in run.not_reached:
            scored.setdefault(cell.exercise.id, []).append((0.0, run.not_reached[cell.index]))
    grades = []
    for exercise in expected:
        entries = scored.get(exercise.id)
        if not entries:
            call = (f"{exercise.chapter}.{exercise.check_name}(answer)"
                    if exercise.source == "package" else f"# exercise: {exercise.id}")
            entries = [(0.0, f"no answer cell: no code cell has the line {call}")]
        best = max(entries, key=lambda entry: entry[0])
        best = [e for e in entries if e[0] == best[0]][-1]
        grades.append(Grade(name, exercise.chapter, exercise.id, best[0], exercise.points,
                            best[1]))
    return grades, run.errors, run.executed


@dataclass(frozen=True)
class Report:
    """One submission's grading: its rows, errors outside the answer cells, and run time."""

    name: str
    grades: list[Grade]
    errors: list[tuple[int, str]]
    seconds: float


def _report(path: str, name: str, settings: Settings) -> Report:
    start = time.monotonic()
    try:
        notebook = read_notebook(path)
    except ValueError as error:
        return Report(name, [Grade(name, "", "", 0.0, 0.0, f"not graded: {error}")], [], 0.0)
    grades, errors, _ = _grade(notebook, name, settings, keep_outputs=False)
    return Report(name, grades, errors, time.monotonic() - start)


def submission_names(paths: Sequence[str | os.PathLike]) -> list[str]:
    """Each submission's name for the CSV: its file name without ``.ipynb``, if unique."""
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [str(p) for p in paths]


def grade_reports(paths: Sequence[str | os.PathLike], settings: Settings,
                  jobs: int = 1) -> list[Report]:
    """Grade every notebook of ``paths``, ``jobs`` at a time; one report per path, in order."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, got {jobs!r}")
    names = submission_names(paths)
    if jobs == 1 or len(paths) == 1:
        return [_report(str(p), n, settings) for p, n in zip(paths, names, strict=True)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_report, [str(p) for p in paths], names, [settings] * len(paths)))


def grade_paths(paths: Sequence[str | os.PathLike], settings: Settings,
                jobs: int = 1) -> list[Grade]:
    """The rows of :func:`grade_reports`, in the order of ``paths``."""
    return [grade for report in grade_reports(paths, settings, jobs) for grade in report.grades]


def execute_instructor(source: str | os.PathLike, target: str | os.PathLike,
                       settings: Settings) -> list[Grade]:
    """Write the executed instructor edition of ``source`` to ``target``; return its grades.

    The edition is run by the grader itself, so the same run that fills in its outputs
    shows whether its solutions earn full marks.
    """
    edition = instructor_edition(read_notebook(source), "quick" if settings.quick else "full")
    grades, executed = grade_notebook(edition, Path(source).stem, settings, keep_outputs=True)
    assert executed is not None
    for cell in executed["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    write_notebook(executed, target)
    return grades


def _instructor_job(source: str, target: str, settings: Settings) -> list[Grade]:
    return execute_instructor(source, target, settings)


def execute_instructors(pairs: Sequence[tuple[str, str]], settings: Settings,
                        jobs: int = 1) -> list[Grade]:
    """:func:`execute_instructor` for every ``(source, target)``, ``jobs`` at a time."""
    if jobs == 1 or len(pairs) == 1:
        results = [execute_instructor(s, t, settings) for s, t in pairs]
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_instructor_job, [s for s, _ in pairs],
                                    [t for _, t in pairs], [settings] * len(pairs)))
    return [grade for rows in results for grade in rows]
