"""The book's extension that stops nbclient imitating Output widgets (nbclient issue 312)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import headless_widgets  # noqa: E402

WIDGET_OPEN = {"content": {"comm_id": "c1", "target_name": "jupyter.widget",
                           "data": {"state": {"_model_module": "@jupyter-widgets/output",
                                              "_model_name": "OutputModel", "outputs": []}}}}


def test_setup_makes_every_client_imitate_no_widget(monkeypatch):
    monkeypatch.setattr(NotebookClient, "on_comm_open_jupyter_widget",
                        NotebookClient.on_comm_open_jupyter_widget)  # undone after the test
    before = NotebookClient(nbformat.v4.new_notebook())
    assert before.comm_open_handlers["jupyter.widget"](WIDGET_OPEN) is not None  # imitated
    metadata = headless_widgets.setup(None)  # type: ignore[arg-type]
    after = NotebookClient(nbformat.v4.new_notebook())
    assert after.comm_open_handlers["jupyter.widget"](WIDGET_OPEN) is None
    assert metadata["parallel_read_safe"]
