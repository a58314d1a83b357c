"""The grades: a tidy CSV, one row per submission and exercise, and a wide summary.

Columns: ``submission,chapter,exercise,points,max_points,feedback``.  The file is written
atomically (:func:`mobilenet_tutorial.storage.atomic_path`), so a grading run that is
stopped never leaves half a file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..storage import atomic_path

__all__ = ["COLUMNS", "Grade", "read_grades", "summary", "write_grades"]

COLUMNS = ("submission", "chapter", "exercise", "points", "max_points", "feedback")


@dataclass(frozen=True)
class Grade:
    """One row of ``grades.csv``."""

    submission: str
    chapter: str
    exercise: str
    points: float
    max_points: float
    feedback: str


def _number(value: float) -> str:
    return f"{value:g}"


def write_grades(grades: Iterable[Grade], path: str | os.PathLike) -> Path:
    """Write ``grades`` to the CSV file ``path`` (atomically); return the path."""
    with atomic_path(path) as partial:
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            for g in grades:
                writer.writerow([g.submission, g.chapter, g.exercise, _number(g.points),
                                 _number(g.max_points), g.feedback])
    return Path(path)


def read_grades(path: str | os.PathLike) -> list[Grade]:
    """The rows of a ``grades.csv`` written by :func:`write_grades`."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and tuple(rows[0]) != COLUMNS:
        raise ValueError(f"{path} has columns {tuple(rows[0])}, expected {COLUMNS}")
    return [Grade(r["submission"], r["chapter"], r["exercise"], float(r["points"]),
                  float(r["max_points"]), r["feedback"]) for r in rows]


SUMMARY_EXERCISES = 12
"""Up to this many exercises, the summary has a column per exercise; beyond, per chapter."""


def summary(grades: Iterable[Grade]) -> str:
    """A wide table: one row per submission, a column per exercise (or per chapter), the total.

    With more than :data:`SUMMARY_EXERCISES` exercises in all, the columns are the chapters'
    points out of their maximum.  Empty cells: that submission was not graded on it.
    """
    import pandas as pd

    frame = pd.DataFrame([g.__dict__ for g in grades], columns=list(COLUMNS))
    if frame.empty:
        return "no grades"
    by = "exercise" if frame["exercise"].nunique() <= SUMMARY_EXERCISES else "chapter"
    order = list(dict.fromkeys(frame[by]))
    names = list(dict.fromkeys(frame["submission"]))
    sums = frame.groupby(["submission", by], sort=False)[["points", "max_points"]].sum()
    if by == "exercise":
        text = sums["points"].map(_number)
    else:
        text = sums["points"].map(_number) + "/" + sums["max_points"].map(_number)
    wide = text.unstack(by).reindex(index=names, columns=order).fillna("")
    totals = frame.groupby("submission", sort=False)[["points", "max_points"]].sum()
    wide["total"] = totals["points"].map(_number) + " / " + totals["max_points"].map(_number)
    wide.columns.name = None
    return wide.to_string()
