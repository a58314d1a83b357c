"""Sphinx extension: ``{package-map}``, the helper package's names that each chapter imports.

The table is read from the notebooks themselves when the book is built: every
``from mobilenet_tutorial... import ...`` and ``import mobilenet_tutorial...`` statement in a
chapter's code cells, parsed with :mod:`ast` (IPython's ``%`` and ``!`` lines are skipped).
Each name links to its entry in the API reference, found where the object is defined, so a
name re-exported by a package links to the module that holds it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import types
from pathlib import Path
from typing import Any

from docutils import nodes
from IPython.core.inputtransformer2 import TransformerManager
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "mobilenet_tutorial"


def _code(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        # IPython's own transformer turns magics and shell lines (with their
        # continuation lines) into plain Python calls, so the cell parses as Python
        lines += TransformerManager().transform_cell(source).splitlines()
        lines.append("")
    return "\n".join(lines)


def imported_names(notebook: Path) -> dict[str, list[str]]:
    """``{module: [names]}`` that ``notebook`` imports from the package, sorted by module.

    ``import mobilenet_tutorial.x`` and ``from mobilenet_tutorial import x`` of a submodule
    both record the module itself, under the name ``""``.
    """
    found: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(_code(notebook))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
            for alias in node.names:
                if _is_module(node.module, alias.name):
                    found.setdefault(f"{node.module}.{alias.name}", [])
                else:
                    names = found.setdefault(node.module, [])
                    if alias.name not in names:
                        names.append(alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    found.setdefault(alias.name, [])
    return {module: sorted(found[module], key=str.lower) for module in sorted(found)}


def _is_module(module: str, name: str) -> bool:
    """Whether ``from module import name`` gives a module (not a function of that name)."""
    package = importlib.import_module(module)
    if hasattr(package, name):
        return isinstance(getattr(package, name), types.ModuleType)
    return importlib.util.find_spec(f"{module}.{name}") is not None


def defining_name(module: str, name: str) -> tuple[str, str]:
    """(role, target) of ``module.name`` in the API reference: where it is defined."""
    obj = getattr(importlib.import_module(module), name, None)
    where = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(where, str) and isinstance(qualname, str) and where.startswith(PACKAGE):
        role = "class" if isinstance(obj, type) else "func" if callable(obj) else "obj"
        return role, f"{where}.{qualname}"
    return "obj", f"{module}.{name}"  # a constant: documented in the module that holds it


def _xref(docname: str, role: str, target: str, text: str) -> pending_xref:
    ref = pending_xref(refdoc=docname, refdomain="py", reftype=role, reftarget=target,
                       refexplicit=True, refwarn=False)
    ref += nodes.literal(text=text)
    return ref


class PackageMap(SphinxDirective):
    """A table: chapter, then each module it imports with the names it takes from it."""

    def run(self) -> list[nodes.Node]:
        notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        for notebook in notebooks:
            self.env.note_dependency(str(notebook))
        table = nodes.table(classes=["colwidths-auto"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=1)
        group += nodes.colspec(colwidth=3)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Chapter", "What it imports from the package"):
            row += nodes.entry("", nodes.paragraph(text=title))
        head += row
        group += head
        body = nodes.tbody()
        group += body
        for notebook in notebooks:
            docname = f"notebooks/{notebook.stem}"
            row = nodes.row()
            link = pending_xref(refdoc=self.env.docname, reftarget="/" + docname,
                                reftype="doc", refdomain="std", refexplicit=False,
                                refwarn=True)
            link += nodes.inline(text=notebook.stem)
            chapter = nodes.paragraph()
            chapter += link
            row += nodes.entry("", chapter)
            cell = nodes.entry()
            for module, names in imported_names(notebook).items():
                line = nodes.paragraph()
                line += _xref(self.env.docname, "mod", module, module)
                for index, name in enumerate(names):
                    line += nodes.Text(": " if index == 0 else ", ")
                    role, target = defining_name(module, name)
                    line += _xref(self.env.docname, role, target, name)
                cell += line
            row += cell
            body += row
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("package-map", PackageMap)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
