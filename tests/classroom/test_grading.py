"""The grader's parts, fast: finding exercises, scoring captures, the CSV, a teacher's checks.

The whole course (every student and instructor edition, and the planted submissions) is
graded by ``test_classroom_run.py`` in ``make classroom-check``.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import cloudpickle
import pytest
from torch import nn

from mobilenet_tutorial.classroom.__main__ import main
from mobilenet_tutorial.classroom.evaluation import evaluate_captures, load_checks
from mobilenet_tutorial.classroom.execution import run_notebook
from mobilenet_tutorial.classroom.form import (
    Exercise,
    chapter_exercises,
    exercise_cells,
)
from mobilenet_tutorial.classroom.grading import Settings, grade_reports, submission_names
from mobilenet_tutorial.classroom.report import COLUMNS, Grade, read_grades, summary, write_grades

CHECKS = '''
import time


def check_double(answer):
    """hw.ex1: twice 21."""
    ok = answer == 42
    print("✅ hw.ex1: correct." if ok else "❌ hw.ex1: not yet. Hint: double 21.")
    return ok


def check_layer(answer):
    ok = getattr(answer, "out_features", None) == 3
    print("✅ hw.ex2: correct." if ok else "❌ hw.ex2: not yet. Hint: three outputs.")
    return ok


def check_forever(answer):
    while True:
        time.sleep(0.1)


def check_crash(answer):
    raise RuntimeError("broken check")


EXERCISES = {"hw.ex1": check_double, "hw.ex2": check_layer, "hw.ex3": check_forever,
             "hw.ex4": check_crash}
POINTS = {"hw.ex2": 2}
'''


def _code(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source))}",
            "metadata": {"tags": tags or []}, "outputs": [], "source": textwrap.dedent(source)}


def _notebook(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3",
            "display_name": "Python 3", "language": "python"}}, "nbformat": 4,
            "nbformat_minor": 5}


@pytest.fixture
def checks_file(tmp_path: Path) -> Path:
    path = tmp_path / "hidden_checks.py"
    path.write_text(CHECKS)
    return path


def test_answer_cells_are_found_by_their_check_call_and_markers(checks_file: Path):
    cells = [
        _code("answer = None  # your answer here\nch01.check_conv_params(answer)"),
        _code("print('ch01.check_conv_macs(answer) in a string')"),
        _code("answer = 5\nch01.check_conv_params(answer)", ["solution", "hide-cell"]),
        _code("ch01.check_not_an_exercise(answer)"),
        _code("# exercise: hw.ex2\nanswer = None"),
    ]
    found = exercise_cells(cells, load_checks(checks_file))
    assert [(c.index, c.exercise.id, c.solution) for c in found] == [
        (0, "ch01.ex1", False), (2, "ch01.ex1", True), (4, "hw.ex2", False)]
    assert [e.id for e in chapter_exercises("ch01")] == [f"ch01.ex{k}" for k in range(1, 6)]
    with pytest.raises(ValueError, match="chapter must look like"):
        chapter_exercises("chapter1")


def test_the_grader_scores_with_its_own_checks(checks_file: Path):
    ex1 = chapter_exercises("ch01")[0]
    ex4 = chapter_exercises("ch01")[3]
    right = nn.Sequential(nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64, bias=False),
                          nn.Conv2d(64, 128, 1, bias=False))
    items = [(ex1, cloudpickle.dumps(204928)), (ex1, cloudpickle.dumps(None)),
             (ex4, cloudpickle.dumps(right)), (ex1, b"not a pickle")]
    verdicts = evaluate_captures(items, seconds=60)
    assert [v.passed for v in verdicts] == [True, False, True, False]
    assert verdicts[0].feedback.startswith("✅ Exercise 1")
    assert verdicts[1].feedback.startswith("❌ Exercise 1") and "Hint" in verdicts[1].feedback
    assert "could not be loaded" in verdicts[3].feedback


def test_a_teachers_check_that_hangs_or_crashes_costs_one_answer(checks_file: Path):
    module = load_checks(checks_file)
    exercises = {e.id: e for e in _teacher(module)}
    items = [(exercises[key], cloudpickle.dumps(value))
             for key, value in (("hw.ex3", 1), ("hw.ex4", 1), ("hw.ex1", 42))]
    verdicts = evaluate_captures(items, checks=checks_file, seconds=2)
    assert "did not finish within 2 s" in verdicts[0].feedback and not verdicts[0].passed
    assert "the check raised RuntimeError: broken check" == verdicts[1].feedback
    assert verdicts[2].passed


def _teacher(module) -> list[Exercise]:
    from mobilenet_tutorial.classroom.form import checks_exercises

    return checks_exercises(module)


def test_a_teachers_notebook_is_graded_end_to_end(tmp_path: Path, checks_file: Path, capsys):
    """Right, wrong, a fake pass, a redefined check, an endless loop, a never-reached cell."""
    notebook = _notebook(
        _code("import time\nx = 21"),
        _code("# exercise: hw.ex1\nanswer = 2 * x\nprint('done')"),
        _code("# exercise: hw.ex2\nimport torch\nclass Mine(torch.nn.Linear):\n"
              "    pass\nanswer = Mine(4, 3)"),
        _code("# exercise: hw.ex1\nanswer = 41\nprint('✅ hw.ex1: correct.')"),
        _code("answer = 'left over'"),
        _code("# exercise: hw.ex2\nwhile True:\n    time.sleep(0.05)"),
    )
    good = tmp_path / "good.ipynb"
    good.write_text(json.dumps(notebook))
    bad = _notebook(
        _code("# exercise: hw.ex1\nanswer = 40\nprint('✅ hw.ex1: correct.')"),
        _code("# exercise: hw.ex2\nraise ValueError('oops')"),
    )
    bad["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                   "text": "✅ hw.ex1: correct.\n"}]
    bad_path = tmp_path / "bad.ipynb"
    bad_path.write_text(json.dumps(bad))
    out = tmp_path / "grades.csv"
    assert main(["grade", str(good), str(bad_path), "--out", str(out), "--checks",
                 str(checks_file), "--cell-timeout", "5", "--check-timeout", "5",
                 "--jobs", "2"]) == 0
    rows = {(g.submission, g.exercise): g for g in read_grades(out)}
    assert rows[("good", "hw.ex1")].points == 1  # the right capture counts, not the last
    assert rows[("good", "hw.ex2")].points == 2 and rows[("good", "hw.ex2")].max_points == 2
    assert rows[("good", "hw.ex3")].feedback.startswith("no answer cell")
    assert rows[("bad", "hw.ex1")].points == 0
    assert "Hint: double 21" in rows[("bad", "hw.ex1")].feedback
    assert rows[("bad", "hw.ex2")].feedback.startswith("the cell raised ValueError: oops")
    assert out.read_text().splitlines()[0] == ",".join(COLUMNS)
    printed = capsys.readouterr().out
    assert "good" in printed and "3 / 5" in printed and "0 / 5" in printed


def test_an_endless_answer_cell_is_interrupted_and_the_rest_runs(tmp_path: Path,
                                                                  checks_file: Path):
    notebook = _notebook(
        _code("# exercise: hw.ex2\nanswer = None\nwhile True:\n    pass"),
        _code("# exercise: hw.ex1\nanswer = 42"),
    )
    path = tmp_path / "loop.ipynb"
    path.write_text(json.dumps(notebook))
    settings = Settings(cell_timeout=3, check_timeout=5, checks=str(checks_file))
    report = grade_reports([path], settings)[0]
    rows = {g.exercise: g for g in report.grades}
    assert "timed out" in rows["hw.ex2"].feedback and rows["hw.ex2"].points == 0
    assert rows["hw.ex1"].points == 1


def test_the_notebook_time_limit_leaves_later_exercises_unreached(tmp_path: Path,
                                                                  checks_file: Path):
    notebook = _notebook(_code("import time\ntime.sleep(30)"),
                         _code("# exercise: hw.ex1\nanswer = 42"))
    path = tmp_path / "slow.ipynb"
    path.write_text(json.dumps(notebook))
    settings = Settings(cell_timeout=60, timeout=3, checks=str(checks_file))
    rows = {g.exercise: g for g in grade_reports([path], settings)[0].grades}
    assert rows["hw.ex1"].points == 0 and "never reached" in rows["hw.ex1"].feedback


def test_grades_csv_round_trip_and_summary(tmp_path: Path):
    grades = [Grade("alice", "ch01", "ch01.ex1", 1, 1, "✅ Exercise 1: correct."),
              Grade("alice", "ch01", "ch01.ex2", 0, 1, 'a "quoted", hint'),
              Grade("bob", "ch01", "ch01.ex1", 0, 1, "never reached")]
    path = write_grades(grades, tmp_path / "out" / "grades.csv")
    assert read_grades(path) == grades
    assert not list(path.parent.glob(".*partial"))
    table = summary(grades)
    assert "1 / 2" in table and "0 / 1" in table and "ch01.ex2" in table
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected"):
        read_grades(wrong)


def test_bad_settings_and_inputs_are_named(tmp_path: Path):
    with pytest.raises(ValueError, match="cell_timeout must be a positive"):
        Settings(cell_timeout=0)
    with pytest.raises(ValueError, match="jobs must be"):
        grade_reports([], Settings(), jobs=0)
    with pytest.raises(FileNotFoundError, match="--checks must name a Python file"):
        load_checks(tmp_path / "nothing.py")
    plain = tmp_path / "plain.py"
    plain.write_text("def check(a):\n    return True\n")
    with pytest.raises(ValueError, match="no EXERCISES dict"):
        load_checks(plain)
    assert submission_names(["a/x.ipynb", "b/y.ipynb"]) == ["x", "y"]
    assert submission_names(["a/x.ipynb", "b/x.ipynb"]) == ["a/x.ipynb", "b/x.ipynb"]
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{")
    report = grade_reports([broken], Settings())[0]
    assert report.grades[0].feedback.startswith("not graded")


def test_interact_cells_never_wait_out_their_time_limit():
    """nbclient's Output-widget imitation sometimes hides a cell's reply until the time limit.

    Each of these cells draws into an ``interact`` Output widget; with the imitation, about one
    such cell in eight waited the whole 30 s on two cores, so 24 of them almost never all
    finished in time. Without it (:func:`headless`), the widget's print is the cell's output.
    """
    cells = [_code("import ipywidgets as widgets")]
    cells += [_code(f"_ = widgets.interact(lambda x: print('shown', x), x={n})")
              for n in range(24)]
    run = run_notebook(_notebook(*cells), [], cell_timeout=30, timeout=300,
                       keep_outputs=True)
    assert run.errors == [] and run.seconds < 30
    assert run.executed is not None
    printed = ["".join(o.get("text", "")) for c in run.executed["cells"][1:]
               for o in c["outputs"] if o["output_type"] == "stream"]
    assert printed == [f"shown {n}\n" for n in range(24)]
