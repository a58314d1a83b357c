"""Sphinx extension: the book's notebooks run without nbclient imitating Output widgets.

myst-nb executes the chapters with ``nbclient``, which by default imitates a browser's
``ipywidgets.Output``: it answers each output drawn into one (chapter 1's ``interact`` draws
into one) on the kernel's shell channel while it waits there for the cell's reply. Now and
then the reply then goes unnoticed until the cell's time limit, and the build fails with a
timeout in a cell of a tenth of a second (nbclient issue 312). This extension turns the
imitation off before any notebook runs, as :func:`mobilenet_tutorial.classroom.execution.headless`
does for the grader and the Colab simulation: the figure an interact draws becomes the cell's own
output, shown on the page above the (static) sliders.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _no_widget_imitation(self: Any, msg: dict[str, Any]) -> None:
    """Replacement for ``NotebookClient.on_comm_open_jupyter_widget``: imitate no widget."""
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    from nbclient import NotebookClient

    NotebookClient.on_comm_open_jupyter_widget = _no_widget_imitation  # type: ignore[method-assign]
    return {"parallel_read_safe": True, "parallel_write_safe": True}
