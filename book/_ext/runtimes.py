"""Sphinx extension: every chapter's run time, as measured by the builds of the book.

``make book`` executes every notebook in full mode and ``make test`` builds the book in quick
mode (``MOBILENET_TUTORIAL_QUICK=1``). myst-nb records how long each notebook took to execute;
when a build has executed every chapter successfully, this extension stores those times, with
the date, the CPU and its core count, under the build's mode in ``book/runtimes.json`` (written
atomically). The directive ``{chapter-runtimes}`` shows one table with both modes: the times of
the build that is running for its own mode, and the stored record for the other.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

RECORD = Path(__file__).resolve().parents[1] / "runtimes.json"
MODES = ("quick", "full")
CHAPTERS_PREFIX = "notebooks/"


def build_mode() -> str:
    """``"quick"`` when the build runs with ``MOBILENET_TUTORIAL_QUICK`` set, else ``"full"``."""
    value = os.environ.get("MOBILENET_TUTORIAL_QUICK", "").strip().lower()
    return "quick" if value not in ("", "0", "false", "no") else "full"


def cpu_model() -> str:
    """The CPU, as :func:`mobilenet_tutorial.measure.describe_cpu` names it (family, model and
    int8 instructions included, so that two machines both called ``AMD EPYC`` are told apart).
    """
    from mobilenet_tutorial.measure import describe_cpu

    return describe_cpu()


def read_record(path: Path = RECORD) -> dict[str, Any]:
    """The stored measurements, ``{}`` if there are none; a malformed file is an error."""
    if not path.is_file():
        return {}
    record = json.loads(path.read_text())
    if not isinstance(record, dict) or not set(record) <= set(MODES):
        raise ValueError(f"{path}: expected an object with keys among {MODES}")
    for mode, entry in record.items():
        if not {"date", "cpu", "cores", "seconds"} <= set(entry):
            raise ValueError(f"{path}: the {mode!r} entry needs date, cpu, cores and seconds")
    return record


def write_record(record: dict[str, Any], path: Path = RECORD) -> None:
    """Write ``record`` atomically (a temporary file, then a rename)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    partial.replace(path)


def _chapters(app: Sphinx) -> list[str]:
    return sorted(d for d in app.env.found_docs if d.startswith(CHAPTERS_PREFIX))


def measured_now(app: Sphinx) -> dict[str, Any] | None:
    """This build's measurements, if it executed every chapter successfully."""
    metadata = getattr(app.env, "nb_metadata", {})
    seconds = {}
    for docname in _chapters(app):
        data = metadata.get(docname, {}).get("exec_data")
        if not data or not data.get("succeeded") or data.get("runtime") is None:
            return None
        seconds[docname] = round(float(data["runtime"]), 1)
    if not seconds:
        return None
    return {"date": datetime.date.today().isoformat(), "cpu": cpu_model(),
            "cores": os.cpu_count(), "seconds": seconds}


class RuntimesNode(nodes.General, nodes.Element):
    """Placeholder, replaced by the table once every notebook has been executed."""


class ChapterRuntimes(SphinxDirective):
    """``{chapter-runtimes}``: a table of every chapter's run time in quick and full mode."""

    def run(self) -> list[nodes.Node]:
        return [RuntimesNode()]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not measured"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _table(app: Sphinx, docname: str, entries: dict[str, dict[str, Any] | None]) -> nodes.table:
    table = nodes.table(classes=["colwidths-auto"])
    group = nodes.tgroup(cols=3)
    table += group
    for _ in range(3):
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for title in ("Chapter", "Quick mode", "Full mode"):
        row += nodes.entry("", nodes.paragraph(text=title))
    head += row
    body = nodes.tbody()
    group += body
    totals = dict.fromkeys(MODES, 0.0)
    for chapter in _chapters(app):
        row = nodes.row()
        link = pending_xref(refdoc=docname, reftarget="/" + chapter, reftype="doc",
                            refdomain="std", refexplicit=True, refwarn=True)
        number = chapter[len(CHAPTERS_PREFIX):].split("_", 1)[0].lstrip("0")
        link += nodes.inline(text=f"{number}. {app.env.titles[chapter].astext()}")
        paragraph = nodes.paragraph()
        paragraph += link
        row += nodes.entry("", paragraph)
        for mode in MODES:
            entry = entries.get(mode)
            value = entry["seconds"].get(chapter) if entry else None
            if value is not None and totals[mode] is not None:
                totals[mode] += value
            else:
                totals[mode] = None
            row += nodes.entry("", nodes.paragraph(text=_duration(value)))
        body += row
    row = nodes.row()
    row += nodes.entry("", nodes.paragraph(text="All chapters"))
    for mode in MODES:
        row += nodes.entry("", nodes.paragraph(text=_duration(totals[mode])))
    body += row
    return table


def _caption(entries: dict[str, dict[str, Any] | None]) -> nodes.paragraph:
    parts = []
    for mode in MODES:
        entry = entries.get(mode)
        if entry:
            parts.append(f"{mode} mode measured on {entry['date']} "
                         f"({entry['cpu']}, {entry['cores']} cores)")
    text = "; ".join(parts) if parts else "no measurement recorded yet"
    return nodes.paragraph(text=text[0].upper() + text[1:] + ". Wall-clock time of executing "
                           "each notebook during the build, so a busy machine takes longer.")


class RuntimesTransform(SphinxPostTransform):
    """Replace each placeholder with the table and its caption."""

    default_priority = 8  # before the references are resolved

    def run(self, **kwargs: Any) -> None:
        app = self.app
        entries: dict[str, dict[str, Any] | None] = dict(read_record())
        now = measured_now(app)
        if now is not None:
            entries[build_mode()] = now
        for node in list(self.document.findall(RuntimesNode)):
            node.replace_self([_table(app, self.env.docname, entries), _caption(entries)])


def store_measurements(app: Sphinx, exception: Exception | None) -> None:
    """After a successful build that executed every chapter, store its times."""
    if exception is not None:
        return
    now = measured_now(app)
    if now is None:
        return
    record = read_record()
    record[build_mode()] = now
    write_record(record)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(RuntimesNode)
    app.add_directive("chapter-runtimes", ChapterRuntimes)
    app.add_post_transform(RuntimesTransform)
    app.connect("build-finished", store_measurements)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
