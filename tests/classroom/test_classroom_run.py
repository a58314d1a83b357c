"""The classroom kit on the whole course: run by ``make classroom-check`` after ``make classroom``.

``make classroom`` writes ``_build/classroom/student/`` and the executed
``_build/classroom/instructor/`` (with ``instructor_grades.csv``, the grades of the run that
executed them). This module then, in quick mode:

- checks that every chapter notebook has both editions and that the instructor editions
  earned full marks;
- grades every student edition as handed out (answers left ``None``): 0 points, every
  exercise reached and hinted, no cell crashing;
- grades submissions built from chapter 1 and asserts their scores: all right; all ``None``;
  a crash in one exercise; an endless loop in one; a redefined check; a printed pass mark;
  edited stored outputs; a kernel that dies in the last exercise.

It is skipped unless ``MOBILENET_TUTORIAL_CLASSROOM_BUILD`` names the build folder. The
grades of the planted submissions go to ``sample_grades.csv`` there, their grading times
to ``sample_times.csv``.
"""

from __future__ import annotations

import copy
import csv
import importlib
import json
import os
from pathlib import Path

import pytest

from mobilenet_tutorial.classroom.editions import read_notebook, student_edition
from mobilenet_tutorial.classroom.form import exercise_cells, source_of
from mobilenet_tutorial.classroom.grading import Settings, grade_reports
from mobilenet_tutorial.classroom.report import read_grades, write_grades

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUILD = os.environ.get("MOBILENET_TUTORIAL_CLASSROOM_BUILD", "")
pytestmark = pytest.mark.skipif(not BUILD, reason="make classroom-check sets "
                                "MOBILENET_TUTORIAL_CLASSROOM_BUILD after make classroom")
CHAPTER_1 = ROOT / "notebooks" / "01_cost_of_a_convolution.ipynb"
WORKERS = int(os.environ.get("WORKERS", "2"))


def _exercise_count(path: Path) -> int:
    return len(importlib.import_module(f"mobilenet_tutorial.exercises.ch{path.name[:2]}").EXERCISES)


def _set(cell: dict, source: str) -> None:
    cell["source"] = source


def _right_answers(source: dict) -> dict:
    """Chapter 1 with every answer cell replaced by its worked solution's code."""
    notebook = copy.deepcopy(source)
    cells = notebook["cells"]
    found = exercise_cells(cells)
    solutions = {c.exercise.id: source_of(cells[c.index]) for c in found if c.solution}
    for cell in (c for c in found if not c.solution):
        _set(cells[cell.index], solutions[cell.exercise.id])
    return student_edition(notebook)


def _answer_cells(student: dict) -> dict[str, dict]:
    return {c.exercise.id: student["cells"][c.index] for c in exercise_cells(student["cells"])}


def _submissions(folder: Path) -> dict[str, Path]:
    source = read_notebook(CHAPTER_1)
    right = _right_answers(source)
    planted: dict[str, dict] = {"all_right": right, "all_none": student_edition(source)}
    crash = copy.deepcopy(right)
    _set(_answer_cells(crash)["ch01.ex2"], "answer = 1 / 0\nch01.check_conv_macs(answer)")
    planted["crash_in_ex2"] = crash
    redefined = copy.deepcopy(right)
    _set(_answer_cells(redefined)["ch01.ex1"], "ch01.check_conv_params = lambda a: True\n"
         "answer = 12345\nch01.check_conv_params(answer)")
    planted["redefined_check"] = redefined
    printed = copy.deepcopy(right)
    _set(_answer_cells(printed)["ch01.ex1"], "answer = None  # your answer here\n"
         "print('✅ Exercise 1: correct.')\nch01.check_conv_params(answer)")
    planted["printed_pass"] = printed
    edited = student_edition(source)
    for number, cell in enumerate(_answer_cells(edited).values(), 1):
        cell["execution_count"] = number
        cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                            "text": f"✅ Exercise {number}: correct.\n"},
                           {"output_type": "execute_result", "execution_count": number,
                            "data": {"text/plain": "True"}, "metadata": {}}]
    planted["edited_outputs"] = edited
    died = copy.deepcopy(right)
    _set(_answer_cells(died)["ch01.ex5"], "import os\nos._exit(1)\n"
         "ch01.check_depthwise_intensity(answer)")
    planted["kernel_dies_in_ex5"] = died
    loop = copy.deepcopy(right)
    _set(_answer_cells(loop)["ch01.ex3"], "while True:\n    pass\nanswer = 1 / 96 + 1 / 25\n"
         "ch01.check_separable_ratio(answer)")
    planted["endless_loop_in_ex3"] = loop
    paths = {}
    for name, notebook in planted.items():
        paths[name] = folder / f"{name}.ipynb"
        paths[name].write_text(json.dumps(notebook, indent=1, ensure_ascii=False))
    return paths


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, object]:
    """Grade the student editions and the planted submissions once, two at a time."""
    folder = tmp_path_factory.mktemp("submissions")
    planted = _submissions(folder)
    students = sorted((Path(BUILD) / "student").glob("*.ipynb"))
    loop = planted.pop("endless_loop_in_ex3")
    reports = grade_reports([*students, *planted.values()], Settings(cell_timeout=900),
                            jobs=WORKERS)
    # The endless loop alone, with a per-cell limit short enough for chapter 1's cells.
    reports += grade_reports([loop], Settings(cell_timeout=20))
    by_name = {report.name: report for report in reports}
    sample = [g for name in [*planted, "endless_loop_in_ex3"] for g in by_name[name].grades]
    write_grades(sample, Path(BUILD) / "sample_grades.csv")
    with open(Path(BUILD) / "sample_times.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["submission", "seconds"])
        for report in reports:
            writer.writerow([report.name, f"{report.seconds:.1f}"])
    return by_name


def test_every_chapter_has_both_editions():
    for kind in ("student", "instructor"):
        names = sorted(p.name for p in (Path(BUILD) / kind).glob("*.ipynb"))
        assert names == [p.name for p in NOTEBOOKS], kind


def test_instructor_editions_earn_full_marks_and_ran_cleanly():
    grades = read_grades(Path(BUILD) / "instructor_grades.csv")
    for path in NOTEBOOKS:
        rows = [g for g in grades if g.submission == path.stem]
        assert len(rows) == _exercise_count(path), path.name
        missed = [(g.exercise, g.feedback) for g in rows if g.points != g.max_points]
        assert not missed, f"{path.name}: solutions without full marks: {missed}"
        executed = read_notebook(Path(BUILD) / "instructor" / path.name)
        errors = [i for i, c in enumerate(executed["cells"]) if c["cell_type"] == "code"
                  for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: cells {errors} raised"
        assert any(c.get("outputs") for c in executed["cells"] if c["cell_type"] == "code")


def test_student_editions_score_zero_and_do_not_crash(graded):
    for path in NOTEBOOKS:
        report = graded[path.stem]
        assert len(report.grades) == _exercise_count(path), path.name
        assert all(g.points == 0 for g in report.grades), path.name
        assert all(g.feedback.startswith("❌ Exercise") for g in report.grades), \
            [g.feedback for g in report.grades]
        assert report.errors == [], f"{path.name}: cells raised {report.errors}"


EXPECTED = {  # submission: (points per exercise ex1..ex5, a clue in the lost exercise's feedback)
    "all_right": ([1, 1, 1, 1, 1], None),
    "all_none": ([0, 0, 0, 0, 0], "not yet. Hint:"),
    "crash_in_ex2": ([1, 0, 1, 1, 1], "the cell raised ZeroDivisionError"),
    "endless_loop_in_ex3": ([1, 1, 0, 1, 1], "timed out"),
    "redefined_check": ([0, 1, 1, 1, 1], "Hint:"),
    "printed_pass": ([0, 1, 1, 1, 1], "replace None"),
    "edited_outputs": ([0, 0, 0, 0, 0], "not yet. Hint:"),
    "kernel_dies_in_ex5": ([1, 1, 1, 1, 0], "kernel died"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_planted_submissions_get_the_scores_they_deserve(graded, name):
    points, clue = EXPECTED[name]
    rows = graded[name].grades
    assert [g.exercise for g in rows] == [f"ch01.ex{k}" for k in range(1, 6)]
    assert [g.points for g in rows] == points, [(g.exercise, g.feedback) for g in rows]
    for grade, point in zip(rows, points, strict=True):
        if point == 0:
            assert clue in grade.feedback, grade.feedback
        else:
            assert grade.feedback.startswith("✅ Exercise"), grade.feedback
