#!/usr/bin/env python3
"""Open every page of a built book in headless Chromium, with the network off, and check it.

Usage::

    python tools/check_pages.py HTML_DIR --screenshots OUT_DIR [--only GLOB ...]

The script serves ``HTML_DIR`` from a local HTTP server on 127.0.0.1 (a free port, started and
stopped here) and opens each page with Playwright driving Debian's ``/usr/bin/chromium`` (no
browser download). Every request to any other host is aborted and counted as a failure, so a
page that works here works offline. For each page it requires:

* no failed requests (aborted, refused, or answered with HTTP status >= 400);
* no console errors and no uncaught page errors;
* no broken images (``img`` complete with ``naturalWidth`` 0, or never loaded);
* no traceback in the page: error outputs (``.output.traceback``), stderr outputs that report an
  error, "Traceback (most recent call last)" anywhere in the text, raw ANSI colour codes;
* where the page has math (elements of class ``math``, or ``\\(`` / ``$$`` in its source): MathJax
  loaded and finished (``MathJax.startup.promise``), produced ``mjx-container`` elements, left no
  ``.math`` element untypeset, no raw ``\\(``, ``\\[``, ``$$`` or ``\\begin{`` in the text and no
  TeX error (``mjx-merror``);
* where the page has widget views (``application/vnd.jupyter.widget-view+json``): the widget state
  is embedded (``application/vnd.jupyter.widget-state+json``) and every view rendered
  (a non-empty ``.widget-subarea`` before its script tag, ``.jupyter-widgets`` elements exist).

Pages are every ``.html`` under ``HTML_DIR`` outside Sphinx's asset folders (``_static``...),
search and index pages included. A redirect page (the book's ``index.html``) is followed and
the page it lands on is checked. Each step has a timeout (``--timeout``, 30 s), and a watchdog
ends the run if the browser stops answering, so the check never hangs.

It saves a full-page PNG per page under ``OUT_DIR`` (``notebooks/01_x.html`` ->
``OUT_DIR/notebooks/01_x.png``), prints one line per page (``OK`` or its problems) and a summary,
and exits 1 if any page fails (2 for a usage problem: no pages, no Chromium, no Playwright).

The pure parts (finding pages, what a page's source promises, turning observations into
problems) are functions without a browser; ``tests/test_check_pages.py`` tests them.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import http.server
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

#: Debian's Chromium; Playwright drives it instead of a browser build of its own.
CHROMIUM = "/usr/bin/chromium"

#: Chromium flags: no sandbox (root in a container), no GPU, and none of Chromium's own
#: background traffic (updates, sync, safe browsing lists, QUIC probes).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
    "--metrics-recording-only",
    # No name resolves but the local server's address: nothing can leave the machine even
    # outside the request routing (which aborts and counts every request to another host).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)

#: Seconds allowed for one page: loading, MathJax, widgets and the screenshot each get this
#: much at most, so a broken page fails instead of hanging the run.
DEFAULT_TIMEOUT = 30.0

#: URL schemes that never reach the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

#: How many examples of one kind of problem a report line shows.
EXAMPLES = 3

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"

_MATH_CLASS = re.compile(r"""class\s*=\s*["'](?:[^"']*\s)?math(?:\s[^"']*)?["']""")
_TRACEBACK_TEXT = "Traceback (most recent call last)"
#: An stderr output that reports an error, not a warning or a progress bar.
_STDERR_ERROR = re.compile(
    r"Traceback \(most recent call last\)"
    r"|^\s*(?:[\w.]+\.)?\w*(?:Error|Exception)\b(?::|\s*$)"
    r"|^\s*(?:ERROR|FATAL|CRITICAL)\b",
    re.MULTILINE,
)
#: ANSI colour codes that reached the page as text (an unrendered coloured traceback).
_RAW_ANSI = re.compile(r"\x1b\[[0-9;]*m|\[(?:[01];)?3\dm")


# --------------------------------------------------------------------------------------------
# Pure parts: no browser needed.


def find_pages(html_dir: Path, only: Sequence[str] = ()) -> list[Path]:
    """The pages of a built book: every ``.html`` file under ``html_dir``, relative to it.

    Sphinx's own folders (``_static``, ``_sources``, ``_images``..., any folder whose name
    starts with ``_``) hold templates and assets, not pages, and are left out. With ``only``,
    just the pages whose relative POSIX path matches one of those glob patterns.
    """
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir)
        if any(part.startswith(("_", ".")) for part in rel.parts[:-1]):
            continue
        if only and not any(fnmatch.fnmatch(rel.as_posix(), pattern) for pattern in only):
            continue
        pages.append(rel)
    return pages


def screenshot_path(out_dir: Path, page: Path) -> Path:
    """Where the screenshot of ``page`` goes: the page's path under ``out_dir``, as ``.png``."""
    return out_dir / page.with_suffix(".png")


def is_allowed_url(url: str, origin: str) -> bool:
    """Whether the browser may fetch ``url``: only from ``origin`` (``http://127.0.0.1:PORT``).

    ``data:``, ``blob:`` and ``about:`` URLs never leave the browser and are allowed.
    """
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    allowed = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (allowed.scheme, allowed.netloc)


def expects_math(source: str) -> bool:
    """Whether a page's HTML source has math for MathJax: a ``math`` element, ``\\(`` or ``$$``."""
    return bool(_MATH_CLASS.search(source)) or "\\(" in source or "$$" in source


_META_REFRESH = re.compile(
    r"""<meta\s[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*>""", re.IGNORECASE
)
_REFRESH_URL = re.compile(
    r"""content\s*=\s*["']\s*\d*\s*;?\s*url\s*=\s*([^"'>\s]+)""", re.IGNORECASE
)


def refresh_target(source: str) -> str | None:
    """The URL a redirect page (``<meta http-equiv="refresh" content="0; url=...">``) sends to.

    Sphinx's external-TOC writes the book's ``index.html`` as such a page. ``None`` if the page
    is not a redirect.
    """
    tag = _META_REFRESH.search(source)
    if tag is None:
        return None
    url = _REFRESH_URL.search(tag.group(0))
    return url.group(1) if url else None


def count_widget_views(source: str) -> int:
    """How many widget views (script tags of the widget-view MIME type) a page's source holds."""
    return source.count(f'type="{WIDGET_VIEW_MIME}"')


def has_widget_state(source: str) -> bool:
    """Whether a page's source embeds the widget state that its views are rendered from."""
    return f'type="{WIDGET_STATE_MIME}"' in source


def stderr_reports_error(text: str) -> bool:
    """Whether an stderr output reports an error (traceback, ``...Error:``, ``ERROR``).

    Warnings (``UserWarning: ...``) and progress bars on stderr are not errors.
    """
    return bool(_STDERR_ERROR.search(text))


def has_raw_ansi(text: str) -> bool:
    """Whether page text shows ANSI colour codes: output that was never turned into colours."""
    return bool(_RAW_ANSI.search(text))


def shorten(text: str, width: int = 140) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


def examples(items: Sequence[str], limit: int = EXAMPLES) -> str:
    """``items`` as a short list: the first ``limit`` (shortened), and how many more there are."""
    shown = ", ".join(shorten(item, 160) for item in items[:limit])
    more = len(items) - limit
    return f"{shown} (+{more} more)" if more > 0 else shown


def is_console_echo_of_request(text: str) -> bool:
    """Whether a console error only echoes a failed request (already reported as one)."""
    return text.startswith("Failed to load resource")


@dataclass
class Observations:
    """What was seen of one page: in the browser, and in its HTML source."""

    #: From the page's source.
    expects_math: bool = False
    widget_views: int = 0
    widget_state: bool = False
    #: Network: aborted requests to other hosts; requests that failed otherwise
    #: ("URL (reason)"); responses with status >= 400 ("404 URL").
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    #: Console messages of type "error", and uncaught exceptions.
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    #: The page could not be opened at all (navigation error or timeout), if set.
    load_error: str | None = None
    #: Images (their src) that loaded with naturalWidth 0, or did not load in time.
    broken_images: list[str] = field(default_factory=list)
    #: Texts of error outputs and of stderr outputs; snippets of traceback text in the page.
    traceback_outputs: list[str] = field(default_factory=list)
    stderr_outputs: list[str] = field(default_factory=list)
    traceback_text: list[str] = field(default_factory=list)
    raw_ansi: bool = False
    #: MathJax: "ready", "absent" (not on the page), "timeout" or "error: ...".
    mathjax: str = "absent"
    mjx_containers: int = 0
    untypeset_math: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    #: Widgets: views that rendered, and elements of the ``jupyter-widgets`` class.
    widget_views_rendered: int = 0
    widget_elements: int = 0
    #: Screenshot trouble, if any.
    screenshot_error: str | None = None
    #: Where a redirect page sends to (the checks are of that page), if it is one.
    redirect: str | None = None


def _add_counted(problems: list[str], items: Sequence[str], what: str) -> None:
    """Append "N <what>: <examples>" to ``problems`` if there are any ``items``."""
    if items:
        problems.append(f"{len(items)} {what}: {examples(items)}")


def collect_problems(obs: Observations) -> list[str]:
    """The problems of one page, one short sentence each; an empty list means the page is OK."""
    problems: list[str] = []
    if obs.load_error:
        problems.append(f"page did not load: {shorten(obs.load_error)}")
    _add_counted(problems, obs.blocked, "request(s) to other hosts (blocked)")
    _add_counted(problems, obs.failed, "failed request(s)")
    _add_counted(problems, obs.http_errors, "HTTP error(s)")
    network_reported = bool(obs.blocked or obs.failed or obs.http_errors)
    console = [
        text
        for text in obs.console_errors
        if not (network_reported and is_console_echo_of_request(text))
    ]
    _add_counted(problems, console, "console error(s)")
    _add_counted(problems, obs.page_errors, "page error(s)")
    _add_counted(problems, obs.broken_images, "broken image(s)")

    _add_counted(problems, obs.traceback_outputs, "error output(s)")
    stderr_errors = [text for text in obs.stderr_outputs if stderr_reports_error(text)]
    _add_counted(problems, stderr_errors, "stderr output(s) with an error")
    if obs.traceback_text and not (obs.traceback_outputs or stderr_errors):
        problems.append(f"traceback in the page text: {examples(obs.traceback_text)}")
    if obs.raw_ansi:
        problems.append("raw ANSI colour codes in the page text (an unrendered output)")

    if obs.expects_math:
        if obs.mathjax == "absent":
            problems.append("the page has math but MathJax did not load")
        elif obs.mathjax != "ready":
            problems.append(f"MathJax did not finish: {obs.mathjax}")
        elif obs.mjx_containers == 0:
            problems.append("the page has math but MathJax typeset nothing")
        _add_counted(problems, obs.untypeset_math, "formula(s) not typeset")
        if obs.raw_tex:
            problems.append(f"raw TeX left in the text: {examples(obs.raw_tex)}")
    _add_counted(problems, obs.math_errors, "TeX error(s)")

    if obs.widget_views:
        if not obs.widget_state:
            problems.append(f"{obs.widget_views} widget view(s) but no widget state on the page")
        elif obs.widget_views_rendered < obs.widget_views or obs.widget_elements == 0:
            problems.append(
                f"widgets did not render: {obs.widget_views_rendered} of {obs.widget_views} "
                f"view(s), {obs.widget_elements} .jupyter-widgets element(s)"
            )
    if obs.screenshot_error:
        problems.append(f"no screenshot: {shorten(obs.screenshot_error)}")
    return problems


def describe(obs: Observations) -> str:
    """What a passing page had: formulas and widgets, for the report line."""
    parts = [f"redirects to {obs.redirect}"] if obs.redirect else []
    if obs.mjx_containers:
        parts.append(f"{obs.mjx_containers} formulas")
    if obs.widget_views:
        parts.append(f"{obs.widget_views_rendered} widgets")
    return ", ".join(parts)


@dataclass
class PageResult:
    """The outcome for one page."""

    page: Path
    problems: list[str]
    seconds: float
    observations: Observations

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """The report line: ``OK   page (time; what it had)`` or ``FAIL page: problems``."""
        if self.ok:
            extra = describe(self.observations)
            extra = f"; {extra}" if extra else ""
            return f"OK   {self.page.as_posix()} ({self.seconds:.1f} s{extra})"
        return f"FAIL {self.page.as_posix()} ({self.seconds:.1f} s): " + "; ".join(self.problems)


def summary(results: Sequence[PageResult], seconds: float) -> str:
    """The closing line: how many pages passed and failed, and the total time."""
    failed = sum(not result.ok for result in results)
    return (
        f"{len(results)} page(s) checked in {seconds:.1f} s: "
        f"{len(results) - failed} OK, {failed} failed"
    )


# --------------------------------------------------------------------------------------------
# The local server.


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """A threading server that ignores clients hanging up mid-answer."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port; yields the origin ``http://127.0.0.1:P``."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="check-pages-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# The browser side.


class Watchdog:
    """Ends the run if one step takes far longer than its timeouts allow (a hung browser).

    Every Playwright call here has a timeout, but a renderer stuck in a loop can still keep
    ``evaluate`` waiting for ever: then this prints a FAIL line and exits with status 1 (the
    Playwright driver, and with it the browser, ends when this process does).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timer: threading.Timer | None = None

    def arm(self, what: str) -> None:
        self.disarm()
        self._timer = threading.Timer(self.seconds, self._fire, args=(what,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, what: str) -> None:
        print(f"FAIL {what}: no answer from the browser in {self.seconds:.0f} s, giving up",
              flush=True)
        os._exit(1)

#: Waits for MathJax, if the page loads it: "ready", "absent", "timeout" or "error: ...".
#: Called after the load event: by then a deferred MathJax script has run, so a MathJax
#: without ``startup`` for another few seconds means its script never loaded.
_WAIT_MATHJAX = r"""
async (timeoutMs) => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const deadline = Date.now() + timeoutMs;
  const startLimit = Date.now() + Math.min(timeoutMs, 3000);
  const loads = () => Array.from(document.scripts).some((s) => /mathjax/i.test(s.src || ""));
  while (!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)) {
    if (!loads()) return "absent";
    if (Date.now() > startLimit) return "MathJax never started (its script did not run)";
    await sleep(50);
  }
  const left = Math.max(0, deadline - Date.now());
  return Promise.race([
    window.MathJax.startup.promise.then(() => "ready", (e) => "error: " + e),
    sleep(left).then(() => "timeout (typesetting)"),
  ]);
}
"""

#: Whether every widget view has rendered (a non-empty subarea inserted before its script).
_WIDGETS_RENDERED = r"""
() => {
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  let rendered = 0;
  for (const view of views) {
    const prev = view.previousElementSibling;
    if (prev && prev.classList.contains("widget-subarea") && prev.childElementCount > 0) rendered++;
  }
  return {views: views.length, rendered: rendered,
          elements: document.querySelectorAll(".jupyter-widgets").length};
}
"""

#: Waits until every image has loaded or failed (at most timeoutMs); returns the broken ones.
_BROKEN_IMAGES = r"""
async (timeoutMs) => {
  const images = Array.from(document.images).filter((img) => img.getAttribute("src"));
  for (const img of images) if (img.loading === "lazy") img.loading = "eager";
  const settle = (img) => img.complete ? null : new Promise((resolve) => {
    img.addEventListener("load", resolve, {once: true});
    img.addEventListener("error", resolve, {once: true});
  });
  await Promise.race([Promise.all(images.map(settle)),
                      new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  const src = (img) => (img.getAttribute("src") || "").slice(0, 200);
  return images.filter((img) => !img.complete || img.naturalWidth === 0)
               .map((img) => img.complete ? src(img) : "not loaded in time: " + src(img));
}
"""

#: Everything else, read from the finished page.
_PROBE = r"""
() => {
  const text = (el) => (el.innerText || el.textContent || "");
  const snippet = (s, i) => s.slice(Math.max(0, i - 60), i + 100);
  const body = document.body ? text(document.body) : "";
  const tracebackText = [];
  let at = body.indexOf("Traceback (most recent call last)");
  while (at >= 0 && tracebackText.length < 5) {
    tracebackText.push(snippet(body, at));
    at = body.indexOf("Traceback (most recent call last)", at + 1);
  }
  const skip = "pre, code, script, style, textarea, mjx-container, mjx-assistive-mml, .highlight";
  const rawTex = [];
  if (document.body) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const parent = node.parentElement;
      if (!parent || parent.closest(skip)) continue;
      const value = node.nodeValue || "";
      const m = value.search(/\\\(|\\\[|\$\$|\\begin\{/);
      if (m >= 0) rawTex.push(snippet(value, m));
    }
  }
  const untypeset = Array.from(document.querySelectorAll(".math"))
    .filter((el) => !el.querySelector("mjx-container") && !el.closest("mjx-container"))
    .map((el) => text(el).slice(0, 120));
  return {
    tracebackOutputs: Array.from(document.querySelectorAll(".output.traceback, .output.error"))
      .map((el) => text(el).slice(0, 300)),
    stderrOutputs: Array.from(document.querySelectorAll(".output.stderr"))
      .map((el) => text(el).slice(0, 2000)),
    tracebackText: tracebackText,
    bodyText: body,
    mjx: document.querySelectorAll("mjx-container").length,
    untypeset: untypeset,
    rawTex: rawTex,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror"))
      .map((el) => el.getAttribute("data-mjx-error") || text(el)),
  };
}
"""


def _check_page(
    context: Any, origin: str, html_dir: Path, page: Path, out_dir: Path, timeout: float
) -> PageResult:
    """Open one page in a new tab of ``context``, observe it, screenshot it, close the tab."""
    start = time.monotonic()
    url = f"{origin}/{page.as_posix()}"
    source = (html_dir / page).read_text(encoding="utf-8", errors="replace")
    redirect = refresh_target(source)
    landing: str | None = None
    if redirect is not None:  # check the page it sends to, as a reader arriving here sees it
        landing = urljoin(url, redirect)
        target = html_dir / urlsplit(landing).path.lstrip("/")
        source = target.read_text(encoding="utf-8", errors="replace") if target.is_file() else ""
    obs = Observations(
        expects_math=expects_math(source),
        widget_views=count_widget_views(source),
        widget_state=has_widget_state(source),
        redirect=redirect,
    )
    timeout_ms = timeout * 1000
    tab = context.new_page()
    tab.set_default_timeout(timeout_ms)

    def on_request_failed(request: Any) -> None:
        if is_allowed_url(request.url, origin):
            obs.failed.append(f"{request.url} ({request.failure or 'failed'})")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            obs.http_errors.append(f"{response.status} {response.url}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            obs.console_errors.append(f"{message.text}" + (f" [{where}]" if where else ""))

    def route(route: Any) -> None:
        if is_allowed_url(route.request.url, origin):
            route.continue_()
        else:  # the network is off: count it, and never let it leave the machine
            obs.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    tab.route("**/*", route)
    tab.on("requestfailed", on_request_failed)
    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: obs.page_errors.append(str(error)))
    try:
        try:
            response = tab.goto(url, wait_until="load")
            if response is not None and response.status >= 400:
                obs.load_error = f"HTTP {response.status}"
            if landing is not None:
                base = landing.split("#")[0]
                tab.wait_for_url(lambda u: u.split("#")[0] == base, wait_until="load")
        except Exception as error:  # a navigation error or timeout: report, then still look
            obs.load_error = str(error).splitlines()[0]
        obs.mathjax = tab.evaluate(_WAIT_MATHJAX, timeout_ms)
        if obs.widget_views:
            try:
                tab.wait_for_function(
                    f"() => ({_WIDGETS_RENDERED})().rendered >= {obs.widget_views}",
                    timeout=timeout_ms,
                )
            except Exception:  # reported below from the counts
                pass
        widgets = tab.evaluate(_WIDGETS_RENDERED)
        obs.widget_views_rendered = widgets["rendered"]
        obs.widget_elements = widgets["elements"]
        obs.broken_images = tab.evaluate(_BROKEN_IMAGES, timeout_ms / 2)
        try:  # late requests (fonts MathJax asked for, widget assets) before the verdict
            tab.wait_for_load_state("networkidle", timeout=min(timeout_ms, 5000))
        except Exception:
            pass
        probe = tab.evaluate(_PROBE)
        obs.traceback_outputs = probe["tracebackOutputs"]
        obs.stderr_outputs = probe["stderrOutputs"]
        obs.traceback_text = probe["tracebackText"]
        obs.raw_ansi = has_raw_ansi(probe["bodyText"])
        obs.mjx_containers = probe["mjx"]
        obs.untypeset_math = probe["untypeset"]
        obs.raw_tex = probe["rawTex"]
        obs.math_errors = probe["mathErrors"]
        shot = screenshot_path(out_dir, page)
        shot.parent.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(shot), full_page=True, animations="disabled")
        except Exception as error:
            obs.screenshot_error = str(error).splitlines()[0]
    except Exception as error:  # the browser side broke down (crash, closed tab): a failure
        obs.load_error = obs.load_error or f"{type(error).__name__}: {error}".splitlines()[0]
    finally:
        tab.close()
    return PageResult(page, collect_problems(obs), time.monotonic() - start, obs)


def run_checks(
    html_dir: Path,
    pages: Sequence[Path],
    out_dir: Path,
    *,
    browser_path: str = CHROMIUM,
    timeout: float = DEFAULT_TIMEOUT,
    report: Any = print,
) -> list[PageResult]:
    """Check ``pages`` of ``html_dir`` one after another, calling ``report`` with each line."""
    from playwright.sync_api import sync_playwright

    results: list[PageResult] = []
    # Each page makes at most six waits of `timeout` (load, MathJax, widgets, images, network,
    # screenshot): past that something is stuck.
    watchdog = Watchdog(6 * timeout + 30)
    watchdog.arm("starting Chromium")
    with serve(html_dir) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path,
            headless=True,
            args=list(CHROMIUM_ARGS),
            timeout=timeout * 1000,
        )
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )
            for page in pages:
                watchdog.arm(page.as_posix())
                result = _check_page(context, origin, html_dir, page, out_dir, timeout)
                watchdog.disarm()
                results.append(result)
                report(result.line())
            context.close()
        finally:
            watchdog.arm("closing Chromium")
            browser.close()
    watchdog.disarm()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check every page of a built book in headless Chromium, offline."
    )
    parser.add_argument("html_dir", type=Path, help="the built HTML, e.g. _build/html")
    parser.add_argument(
        "--screenshots", type=Path, required=True, metavar="OUT_DIR",
        help="folder for one full-page PNG per page (mirrors the page paths)",
    )
    parser.add_argument(
        "--only", nargs="+", default=(), metavar="GLOB",
        help="check only pages whose path matches, e.g. 'notebooks/01_*'",
    )
    parser.add_argument("--browser", default=CHROMIUM, help=f"Chromium to drive ({CHROMIUM})")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT,
        help=f"seconds per page and step (default {DEFAULT_TIMEOUT:g})",
    )
    args = parser.parse_args(argv)

    if not args.html_dir.is_dir():
        print(f"check_pages: no such folder: {args.html_dir}", file=sys.stderr)
        return 2
    pages = find_pages(args.html_dir, args.only)
    if not pages:
        print(f"check_pages: no pages under {args.html_dir}", file=sys.stderr)
        return 2
    if not Path(args.browser).exists():
        print(
            f"check_pages: no browser at {args.browser}: install Debian's chromium "
            "(apt-get install chromium)",
            file=sys.stderr,
        )
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("check_pages: Python playwright is missing: pip install playwright", file=sys.stderr)
        return 2

    start = time.monotonic()
    results = run_checks(
        args.html_dir.resolve(), pages, args.screenshots, browser_path=args.browser,
        timeout=args.timeout, report=functools.partial(print, flush=True),
    )
    print(summary(results, time.monotonic() - start))
    print(f"Screenshots: {args.screenshots}/")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
