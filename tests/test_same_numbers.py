"""Chapter 6 prints the same accuracies on an idle machine and on a busy one.

Its strategies are budgeted in images and optimizer steps, never in seconds, and it fixes
PyTorch's thread count: so a process that hogs a core may slow the chapter down, but must not
change a single accuracy it prints. The chapter runs twice in quick mode from a temporary copy
(with nbclient, as the book's build does), once alone and once next to a busy loop, and the
accuracy columns of every table it displays must be identical. Timing columns are left out:
they are meant to differ.

Slow (two runs of a chapter): ``make same-numbers`` runs it, ``make unit`` leaves it out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "06_transfer_learning.ipynb"
STRATEGIES = ("(a) from scratch", "(b) frozen backbone + head", "(c) fine-tune last blocks",
              "(d) full fine-tuning")


class _Tables(HTMLParser):
    """The ``<table>``s of an HTML output (pandas' rendering) as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[list[str]]]] = []
        self._part = "tbody"
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"thead": [], "tbody": []})
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][self._part].append(self._row)
            self._row = None
        elif tag == "thead":
            self._part = "tbody"

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def accuracies(notebook) -> dict[tuple[int, str, str], str]:
    """Every accuracy the notebook displays in a table: (cell, row, column) -> the printed text.

    The tables are pandas DataFrames shown as a cell's result; their first header row names
    the columns (after the index), each body row starts with its label. Columns whose name
    holds "accuracy" are kept; timing columns ("seconds", "ms", "time") are not.
    """
    found = {}
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if not html:
                continue
            parser = _Tables()
            parser.feed(html if isinstance(html, str) else "".join(html))
            for table in parser.tables:
                if not table["thead"]:
                    continue
                columns = table["thead"][0][1:]
                for row in table["tbody"]:
                    label, values = row[0], row[1:]
                    for column, value in zip(columns, values, strict=False):
                        if "accuracy" in column:
                            found[(index, label, column)] = value
    return found


def _run_chapter(folder: Path) -> dict[tuple[int, str, str], str]:
    """Execute a fresh copy of chapter 6 in ``folder`` and return its displayed accuracies."""
    folder.mkdir()
    copy = folder / CHAPTER.name
    shutil.copyfile(CHAPTER, copy)
    notebook = nbformat.read(copy, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return accuracies(notebook)


def test_accuracies_reads_pandas_tables():
    import pandas as pd

    frame = pd.DataFrame({"training seconds": [1.5, 2.5], "test accuracy": [0.812, 0.9]},
                         index=["(a)", "(b)"]).rename_axis("strategy")
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("frame")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": frame._repr_html_(), "text/plain": repr(frame)}, execution_count=1)]
    notebook.cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    assert accuracies(notebook) == {(1, "(a)", "test accuracy"): "0.812",
                                    (1, "(b)", "test accuracy"): "0.900"}
    cell.outputs[0]["data"]["text/html"] = frame.assign(**{"test accuracy": [0.812, 0.8]}) \
        ._repr_html_()
    assert accuracies(notebook)[(1, "(b)", "test accuracy")] == "0.800"  # a change shows


@pytest.mark.slow
def test_chapter_6_prints_the_same_accuracies_on_a_busy_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILENET_TUTORIAL_QUICK", "1")
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    idle = _run_chapter(tmp_path / "idle")
    busy_loop = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = _run_chapter(tmp_path / "busy")
    finally:
        busy_loop.kill()
        busy_loop.wait()
    assert idle, "no accuracy found in chapter 6's tables: the extraction is broken"
    for strategy in STRATEGIES:  # the comparison's table is among them
        assert any(row == strategy and column == "test accuracy"
                   for _, row, column in idle), strategy
    assert busy == idle
