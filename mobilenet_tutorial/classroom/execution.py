"""Run a notebook afresh in its own kernel and capture ``answer`` after each answer cell.

The notebook's stored outputs are thrown away first.  Its cells then run one by one in a
new kernel (a separate process, started in an empty working folder), with:

- a time limit per cell: a cell that runs longer is interrupted (``KeyboardInterrupt`` in
  the kernel) and the next cells still run;
- a time limit for the whole notebook: once it is used up, no further cell runs, and the
  exercises not reached yet are reported as such;
- before every answer cell, ``answer`` is deleted from the kernel, so a value left from an
  earlier cell never counts; right after it, ``answer`` is serialised by value with
  ``cloudpickle`` (classes and functions defined in the notebook travel with it) into a
  file named by the grader, which the grader reads and deletes at once;
- no imitation of a browser's Output widgets (:func:`headless`): a cell that shows an
  ``ipywidgets.interact`` would otherwise, now and then, wait out its whole time limit.

Nothing is evaluated here: :mod:`.evaluation` scores the captured answers in another
process.  Student code runs unrestricted in the kernel; the grader is not a sandbox for
deliberately malicious notebooks (run it in a container or an account of its own).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .form import ExerciseCell

__all__ = ["Capture", "Run", "headless", "run_notebook"]

_CLEAR = "globals().pop('answer', None)"
_CAPTURE = """\
def __classroom_capture():
    import pathlib
    target = pathlib.Path({path!r})
    try:
        value = globals()['answer']
    except KeyError:
        target.with_suffix('.missing').write_text('')
        return
    try:
        import cloudpickle
        target.write_bytes(cloudpickle.dumps(value))
    except BaseException as error:
        target.with_suffix('.error').write_text(f'{{type(error).__name__}}: {{error}}')
__classroom_capture()
del __classroom_capture"""


@dataclass
class Capture:
    """What one answer cell left: the pickled ``answer``, or why there is none."""

    cell: ExerciseCell
    data: bytes | None = None
    problem: str | None = None  # why nothing was captured, or what the cell raised


@dataclass
class Run:
    """The result of :func:`run_notebook`."""

    captures: list[Capture] = field(default_factory=list)
    not_reached: dict[int, str] = field(default_factory=dict)  # cell index -> reason
    seconds: float = 0.0
    executed: dict[str, Any] | None = None  # the notebook with this run's outputs
    errors: list[tuple[int, str]] = field(default_factory=list)  # (cell index, error) elsewhere


def _error_of(cell: Mapping[str, Any]) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    return None


def _code(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_code_cell(source)


def headless(client: Any) -> Any:
    """Stop an ``nbclient.NotebookClient`` from imitating a browser's Output widgets; return it.

    To imitate one, nbclient answers every output that lands in an ``ipywidgets.Output``
    (``interact`` draws into one) with a message on the kernel's shell channel, sent while
    it is itself waiting on that channel for the cell's reply. Now and then the reply is
    then not noticed until the cell's time limit runs out (nbclient issue 312): a cell of
    a tenth of a second takes the whole limit. Without the imitation, the widget's outputs
    become the cell's own outputs, and a grader or a headless run needs nothing more.
    """
    client.comm_open_handlers.pop("jupyter.widget", None)
    return client


def run_notebook(notebook: Mapping[str, Any], answers: list[ExerciseCell], *,
                 cell_timeout: float = 120.0, timeout: float = 1200.0,
                 env: Mapping[str, str | None] | None = None, keep_outputs: bool = False,
                 kernel_name: str = "python3") -> Run:
    """Execute ``notebook`` (a dict) cell by cell; capture ``answer`` after each of ``answers``.

    Args:
        notebook: the submission; it is not changed.
        answers: its answer cells (:func:`.form.exercise_cells`).
        cell_timeout: seconds one cell may run before it is interrupted.
        timeout: seconds the whole notebook may run.
        env: environment changes for the kernel (e.g. quick mode); ``None`` unsets one.
        keep_outputs: return the executed notebook (without the grader's cells) in
            :attr:`Run.executed`.
        kernel_name: the Jupyter kernel to start.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    if cell_timeout <= 0 or timeout <= 0:
        raise ValueError(f"cell_timeout and timeout must be positive seconds, got {cell_timeout} "
                         f"and {timeout}")
    source = nbformat.reads(json.dumps(notebook), as_version=4)  # sources as strings
    for cell in source.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    by_index = {a.index: a for a in answers}
    run = Run()
    merged: dict[str, str | None] = {**os.environ, **(env or {})}
    kernel_env = {key: value for key, value in merged.items() if value is not None}
    with tempfile.TemporaryDirectory(prefix="classroom-run-") as folder:
        work = Path(folder) / "work"
        captures = Path(folder) / "captures"
        work.mkdir()
        captures.mkdir()
        client = headless(NotebookClient(
            source, timeout=cell_timeout, kernel_name=kernel_name, allow_errors=True,
            interrupt_on_timeout=True, record_timing=False,
            resources={"metadata": {"path": str(work)}}))
        start = time.monotonic()
        dead: str | None = None
        with client.setup_kernel(cwd=str(work), env=kernel_env):
            for index, cell in enumerate(source.cells):
                if cell.cell_type != "code":
                    continue
                left = timeout - (time.monotonic() - start)
                if dead is not None or left <= 0:
                    if index in by_index:
                        run.not_reached[index] = dead or (
                            f"never reached: the notebook's time limit ({timeout:g} s) ran out")
                    continue
                client.timeout = max(1, math.ceil(min(cell_timeout, left)))  # whole seconds
                try:
                    if index in by_index:
                        client.execute_cell(_code(_CLEAR), index)
                    client.execute_cell(cell, index)
                    error = _error_of(cell)
                    if index in by_index:
                        target = captures / f"{secrets.token_hex(16)}.pickle"
                        client.execute_cell(_code(_CAPTURE.format(path=str(target))), index)
                        run.captures.append(_collect(by_index[index], target, error,
                                                     client.timeout))
                    elif error is not None:
                        run.errors.append((index, error))
                except DeadKernelError as died:
                    dead = f"never reached: the kernel died in cell {index} ({died})"
                    if index in by_index:
                        run.captures.append(Capture(by_index[index], None,
                                                    f"the kernel died in this cell ({died})"))
        run.seconds = time.monotonic() - start
    if keep_outputs:
        run.executed = json.loads(nbformat.writes(source))
    return run


def _collect(cell: ExerciseCell, target: Path, error: str | None, limit: float) -> Capture:
    if error is not None and error.startswith("KeyboardInterrupt"):
        error = f"the cell timed out (interrupted after {limit:g} s)"
    elif error is not None:
        error = f"the cell raised {error}"
    try:
        if target.exists():
            return Capture(cell, target.read_bytes(), error)
        missing, failed = target.with_suffix(".missing"), target.with_suffix(".error")
        if failed.exists():
            return Capture(cell, None, error or "answer could not be saved for grading: "
                           + failed.read_text())
        if missing.exists():
            return Capture(cell, None, error or "the cell does not set answer")
        return Capture(cell, None, error or "answer was not captured (the capture did not run)")
    finally:
        for path in (target, target.with_suffix(".missing"), target.with_suffix(".error")):
            path.unlink(missing_ok=True)
