"""Score captured answers with freshly imported checks, in a clean process of their own.

:func:`evaluate_captures` writes the captured answers to a folder and starts
``python -m mobilenet_tutorial.classroom.evaluation JOB RESULT``.  That process imports
the package's chapter checks (and the teacher's ``--checks`` module) itself, so nothing a
submission did to its own kernel (a check redefined or monkeypatched, a fake pass mark)
reaches it.  Each answer is then unpickled and checked in a forked child of that process
with its own time limit: a check that crashes or never returns costs that one answer.
The points come from the check's return value being ``True``; the feedback is the check's
own verdict line (what it printed: a pass, or its hint).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["Verdict", "evaluate_captures", "load_checks"]

VERDICT_MARKS = ("✅", "❌")


@dataclass(frozen=True)
class Verdict:
    """The grader's evaluation of one captured answer."""

    passed: bool
    feedback: str


def load_checks(path: str | os.PathLike) -> ModuleType:
    """Import a teacher's checks file (a plain module with an ``EXERCISES`` dict)."""
    path = Path(path)
    if not path.is_file() or path.suffix != ".py":
        raise FileNotFoundError(f"--checks must name a Python file (.py), got {path}")
    spec = importlib.util.spec_from_file_location(f"classroom_checks_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import the checks file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "EXERCISES", None), dict):
        raise ValueError(f"the checks file {path} has no EXERCISES dict: add "
                         'EXERCISES = {"hw1.ex1": check_first, ...}')
    return module


def _feedback(printed: str) -> str:
    lines = [line.strip() for line in printed.splitlines() if line.strip()]
    verdicts = [line for line in lines if line.startswith(VERDICT_MARKS)]
    text = verdicts[-1] if verdicts else " ".join(lines)
    return text[:500] or "the check printed nothing"


def _child(connection: Any, check: Callable[[object], object], data: bytes) -> None:
    printed = io.StringIO()
    try:
        import cloudpickle

        with contextlib.redirect_stdout(printed):
            try:
                answer = cloudpickle.loads(data)
            except BaseException as error:  # noqa: BLE001 - any unpickling failure is feedback
                connection.send((False, f"the answer could not be loaded for grading "
                                        f"({type(error).__name__}: {error})"))
                return
            result = check(answer)
        connection.send((result is True, _feedback(printed.getvalue())))
    except BaseException as error:  # noqa: BLE001 - a check's crash costs this answer only
        connection.send((False, f"the check raised {type(error).__name__}: {error}"))


def _evaluate_one(check: Callable[[object], object], data: bytes, seconds: float) -> Verdict:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, check, data), daemon=True)
    child.start()
    send.close()
    result = None
    finished = receive.poll(seconds)
    if finished:
        try:
            result = receive.recv()
        except EOFError:  # the child died without a word (a crash in native code, say)
            result = None
    child.join(1.0)
    if child.is_alive():
        child.kill()
        child.join()
    if result is None:
        if not finished:
            return Verdict(False, f"the check did not finish within {seconds:g} s")
        return Verdict(False, f"the check's process ended without a verdict (exit code "
                              f"{child.exitcode})")
    return Verdict(bool(result[0]), str(result[1]))


def _main(job_path: str, result_path: str) -> None:
    """The evaluator process: read the job, check every answer, write the verdicts."""
    job = json.loads(Path(job_path).read_text())
    checks = load_checks(job["checks"]) if job.get("checks") else None
    from .form import Exercise, check_function

    verdicts = []
    for item in job["items"]:
        exercise = Exercise(**item["exercise"])
        try:
            check = check_function(exercise, checks)
        except (ImportError, KeyError, ValueError) as error:
            verdicts.append({"passed": False, "feedback": f"no check for {exercise.id}: {error}"})
            continue
        data = Path(item["data"]).read_bytes()
        verdict = _evaluate_one(check, data, float(job["seconds"]))
        verdicts.append({"passed": verdict.passed, "feedback": verdict.feedback})
    Path(result_path).write_text(json.dumps(verdicts))


def _environment(changes: dict[str, str | None] | None) -> dict[str, str]:
    merged: dict[str, str | None] = {**os.environ, **(changes or {})}
    return {key: value for key, value in merged.items() if value is not None}


def evaluate_captures(items: list[tuple[Any, bytes]], *,
                      checks: str | os.PathLike | None = None, seconds: float = 90.0,
                      env: dict[str, str | None] | None = None) -> list[Verdict]:
    """Check each ``(exercise, pickled answer)`` of ``items`` in one fresh evaluator process.

    Returns one :class:`Verdict` per item, in order.  ``seconds`` limits each check.
    """
    if not items:
        return []
    from dataclasses import asdict

    with tempfile.TemporaryDirectory(prefix="classroom-eval-") as folder:
        entries = []
        for number, (exercise, data) in enumerate(items):
            target = Path(folder) / f"answer-{number}.pickle"
            target.write_bytes(data)
            entries.append({"exercise": asdict(exercise), "data": str(target)})
        job, result = Path(folder) / "job.json", Path(folder) / "result.json"
        job.write_text(json.dumps({"items": entries, "seconds": seconds,
                                   "checks": str(Path(checks).resolve()) if checks else None}))
        total = seconds * len(items) + 120
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "mobilenet_tutorial.classroom.evaluation", str(job),
                 str(result)], cwd=folder, env=_environment(env),
                capture_output=True, text=True, timeout=total)
        except subprocess.TimeoutExpired:
            return [Verdict(False, "the evaluator ran out of time")] * len(items)
        if completed.returncode != 0 or not result.exists():
            problem = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            return [Verdict(False, f"the evaluator failed: {problem}")] * len(items)
        return [Verdict(v["passed"], v["feedback"]) for v in json.loads(result.read_text())]


if __name__ == "__main__":
    _main(*sys.argv[1:3])
