"""Command line of the classroom kit.

``python -m mobilenet_tutorial.classroom grade SUBMISSION.ipynb ... --out grades.csv``
    run every submission afresh in its own kernel and grade it (see :mod:`.grading`);
    options: ``--checks FILE.py`` (a teacher's own checks), ``--cell-timeout S``,
    ``--timeout S`` (per notebook), ``--check-timeout S``, ``--jobs N`` (submissions graded
    in parallel), ``--full`` (run without quick mode).
``python -m mobilenet_tutorial.classroom student NOTEBOOK ... --out DIR``
    write the student editions (solutions removed, outputs stripped, a header on handing in).
``python -m mobilenet_tutorial.classroom instructor NOTEBOOK ... --out DIR``
    write the instructor editions, executed (``--no-execute`` to skip), and with
    ``--grades FILE.csv`` the grades of that run (the solutions should earn full marks).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .editions import instructor_edition, read_notebook, student_edition, write_notebook
from .grading import Settings, execute_instructors, grade_paths
from .report import summary, write_grades


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mobilenet_tutorial.classroom",
                                     description="Student and instructor editions, and a grader.")
    commands = parser.add_subparsers(dest="command", required=True)

    def timing(command: argparse.ArgumentParser) -> None:
        command.add_argument("--cell-timeout", type=float, default=120.0, metavar="S",
                             help="seconds one cell may run before it is interrupted (120)")
        command.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                             help="seconds one notebook may run in all (1800)")
        command.add_argument("--check-timeout", type=float, default=90.0, metavar="S",
                             help="seconds the grader's check of one answer may take (90)")
        command.add_argument("--jobs", type=int, default=1, metavar="N",
                             help="notebooks run in parallel (1)")
        command.add_argument("--full", action="store_true",
                             help="run in full mode (default: quick mode, "
                                  "MOBILENET_TUTORIAL_QUICK=1)")

    grade = commands.add_parser("grade", help="grade submitted notebooks")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    grade.add_argument("--out", required=True, metavar="grades.csv")
    grade.add_argument("--checks", metavar="FILE.py", help="a teacher's module of extra checks")
    timing(grade)
    student = commands.add_parser("student", help="write student editions")
    student.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    student.add_argument("--out", required=True, metavar="DIR")
    instructor = commands.add_parser("instructor", help="write instructor editions")
    instructor.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    instructor.add_argument("--out", required=True, metavar="DIR")
    instructor.add_argument("--no-execute", action="store_true",
                            help="write the edition without running it")
    instructor.add_argument("--grades", metavar="FILE.csv",
                            help="also write the grades of the run that executed the editions")
    timing(instructor)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(cell_timeout=args.cell_timeout, timeout=args.timeout,
                    check_timeout=args.check_timeout, quick=not args.full,
                    checks=getattr(args, "checks", None))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "grade":
            for path in args.submissions:
                if not Path(path).is_file():
                    parser.error(f"no such submission: {path}")
            grades = grade_paths(args.submissions, _settings(args), jobs=args.jobs)
            write_grades(grades, args.out)
            print(summary(grades))
            print(f"grades written to {args.out}")
            return 0
        out = Path(args.out)
        sources = [Path(p) for p in args.notebooks]
        for path in sources:
            if not path.is_file():
                parser.error(f"no such notebook: {path}")
        if args.command == "student":
            for path in sources:
                write_notebook(student_edition(read_notebook(path)), out / path.name)
            print(f"{len(sources)} student edition(s) written to {out}")
            return 0
        if args.no_execute:
            for path in sources:
                write_notebook(instructor_edition(read_notebook(path)), out / path.name)
            print(f"{len(sources)} instructor edition(s) written to {out} (not executed)")
            return 0
        pairs = [(str(path), str(out / path.name)) for path in sources]
        grades = execute_instructors(pairs, _settings(args), jobs=args.jobs)
        if args.grades:
            write_grades(grades, args.grades)
        print(summary(grades))
        print(f"{len(sources)} executed instructor edition(s) written to {out}")
        return 0
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
