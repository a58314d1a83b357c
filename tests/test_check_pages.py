"""tools/check_pages.py: its pure parts on fake inputs, then one real run in headless Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_pages as cp  # noqa: E402  (tools/check_pages.py)

ORIGIN = "http://127.0.0.1:8123"


# --- finding pages -------------------------------------------------------------------------


def _touch(path: Path, text: str = "<html></html>") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_find_pages_skips_sphinx_asset_folders(tmp_path):
    for rel in ["index.html", "book/intro.html", "notebooks/01_a.html", "search.html",
                "_static/webpack-macros.html", "_sources/x.html", "book/_images/y.html",
                "notebooks/01_a.ipynb"]:
        _touch(tmp_path / rel)
    pages = [p.as_posix() for p in cp.find_pages(tmp_path)]
    assert pages == ["book/intro.html", "index.html", "notebooks/01_a.html", "search.html"]


def test_find_pages_only_globs(tmp_path):
    for rel in ["index.html", "notebooks/01_a.html", "notebooks/02_b.html"]:
        _touch(tmp_path / rel)
    pages = cp.find_pages(tmp_path, only=["notebooks/01_*", "index.html"])
    assert [p.as_posix() for p in pages] == ["index.html", "notebooks/01_a.html"]


def test_screenshot_path_mirrors_the_page(tmp_path):
    page = Path("notebooks/01_cost_of_a_convolution.html")
    assert cp.screenshot_path(tmp_path, page) == tmp_path / "notebooks/01_cost_of_a_convolution.png"


# --- what a URL or a page source says ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"{ORIGIN}/notebooks/01.html", True),
        (f"{ORIGIN}/_static/mathjax/tex-mml-chtml.js?v=1", True),
        ("data:image/png;base64,AAAA", True),
        ("blob:http://127.0.0.1:8123/1234", True),
        ("about:blank", True),
        ("http://127.0.0.1:9999/x.js", False),  # another port is another server
        ("https://127.0.0.1:8123/x.js", False),
        ("http://localhost:8123/x.js", False),
        ("https://cdn.example.invalid/npm/mathjax@3/es5/tex-mml-chtml.js", False),
        ("https://fonts.example.invalid/css?family=Roboto", False),
    ],
)
def test_is_allowed_url(url, allowed):
    assert cp.is_allowed_url(url, ORIGIN) is allowed


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<span class="math notranslate nohighlight">\\(x\\)</span>', True),
        ("<div class='math'>x</div>", True),
        ("<p>inline \\(a+b\\)</p>", True),
        ("<p>$$a+b$$</p>", True),
        ('<div class="mathematics">no</div><p>costs $5 and $6</p>', False),
        ('<section class="tex2jax_ignore mathjax_ignore">text</section>', False),
    ],
)
def test_expects_math(source, expected):
    assert cp.expects_math(source) is expected


def test_widget_views_and_state():
    view = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "a"}</script>'
    state = '<script type="application/vnd.jupyter.widget-state+json">{"state": {}}</script>'
    assert cp.count_widget_views("<p>none</p>") == 0
    assert cp.count_widget_views(view * 3) == 3
    assert not cp.has_widget_state(view)
    assert cp.has_widget_state(state + view)


def test_refresh_target():
    assert cp.refresh_target('<meta http-equiv="Refresh" content="0; url=book/intro.html" />') == (
        "book/intro.html"
    )
    assert cp.refresh_target("<meta http-equiv='refresh' content='0;URL=a.html'>") == "a.html"
    assert cp.refresh_target('<meta charset="utf-8"><p>url=b.html</p>') is None


@pytest.mark.parametrize(
    ("text", "is_error"),
    [
        ("Traceback (most recent call last):\n  File ...\nValueError: bad", True),
        ("ValueError: bad shape", True),
        ("torch.OutOfMemoryError: CUDA out of memory", True),
        ("ERROR: could not build wheels", True),
        ("some/file.py:3: UserWarning: this is only a warning\n  warnings.warn(", False),
        ("100%|██████████| 3/3 [00:01<00:00,  2.5it/s]", False),
        ("Downloading: 10 MB", False),
    ],
)
def test_stderr_reports_error(text, is_error):
    assert cp.stderr_reports_error(text) is is_error


def test_raw_ansi():
    assert cp.has_raw_ansi("\x1b[0;31mValueError\x1b[0m")
    assert cp.has_raw_ansi("[0;31mValueError[0m: bad")
    assert not cp.has_raw_ansi("a list [0, 31] and [1;2]")


def test_shorten_and_examples():
    assert cp.shorten("a\n  b\tc") == "a b c"
    assert cp.shorten("x" * 200, 20) == "x" * 17 + "..."
    assert cp.examples(["a", "b"]) == "a, b"
    assert cp.examples(["a", "b", "c", "d", "e"], limit=3) == "a, b, c (+2 more)"


# --- from observations to problems ---------------------------------------------------------


def test_a_clean_page_has_no_problems():
    obs = cp.Observations(expects_math=True, mathjax="ready", mjx_containers=12)
    assert cp.collect_problems(obs) == []
    assert cp.collect_problems(cp.Observations()) == []


def _one(obs: cp.Observations) -> str:
    problems = cp.collect_problems(obs)
    assert len(problems) == 1, problems
    return problems[0]


def test_external_requests_are_failures():
    obs = cp.Observations(blocked=["https://cdn.example.invalid/a.js"])
    assert "other hosts" in _one(obs) and "cdn.example.invalid" in _one(obs)


def test_console_echo_of_a_failed_request_is_not_counted_twice():
    echo = "Failed to load resource: the server responded with a status of 404 (File not found)"
    obs = cp.Observations(http_errors=[f"404 {ORIGIN}/missing.png"], console_errors=[echo])
    assert _one(obs).startswith("1 HTTP error(s)")
    # Without a recorded network problem the console line is all there is: it is reported.
    assert "console error" in _one(cp.Observations(console_errors=[echo]))


def test_every_kind_of_problem_is_reported():
    obs = cp.Observations(
        load_error="Timeout 30000ms exceeded",
        failed=[f"{ORIGIN}/x.js (net::ERR_CONNECTION_REFUSED)"],
        console_errors=["Uncaught TypeError: x is undefined"],
        page_errors=["ReferenceError: y is not defined"],
        broken_images=["missing.png"],
        traceback_outputs=["ValueError Traceback (most recent call last)"],
        raw_ansi=True,
        expects_math=True,
        mathjax="timeout (typesetting)",
        untypeset_math=["\\(x\\)"],
        raw_tex=["\\(x\\)"],
        math_errors=["Undefined control sequence \\foo"],
        widget_views=2,
        widget_state=True,
        widget_views_rendered=1,
        widget_elements=3,
        screenshot_error="Target closed",
    )
    text = " | ".join(cp.collect_problems(obs))
    for needle in ["did not load", "failed request", "console error", "page error",
                   "broken image", "error output", "ANSI", "MathJax did not finish",
                   "not typeset", "raw TeX", "TeX error", "widgets did not render: 1 of 2",
                   "no screenshot"]:
        assert needle in text, needle


def test_math_problems():
    assert "did not load" in _one(cp.Observations(expects_math=True, mathjax="absent"))
    assert "typeset nothing" in _one(cp.Observations(expects_math=True, mathjax="ready"))
    # No math on the page: MathJax's absence is fine.
    assert cp.collect_problems(cp.Observations(expects_math=False, mathjax="absent")) == []


def test_tracebacks_from_stderr_and_text():
    warning = "UserWarning: only a warning"
    assert cp.collect_problems(cp.Observations(stderr_outputs=[warning])) == []
    error = "Traceback (most recent call last):\n  ...\nRuntimeError: boom"
    problem = _one(cp.Observations(stderr_outputs=[warning, error], traceback_text=[error]))
    assert problem.startswith("1 stderr output(s) with an error")
    assert "traceback in the page text" in _one(cp.Observations(traceback_text=["Traceback (mo"]))


def test_widget_problems():
    assert "no widget state" in _one(cp.Observations(widget_views=2, widget_state=False))
    rendered = cp.Observations(
        widget_views=2, widget_state=True, widget_views_rendered=2, widget_elements=9
    )
    assert cp.collect_problems(rendered) == []
    no_elements = cp.Observations(
        widget_views=1, widget_state=True, widget_views_rendered=1, widget_elements=0
    )
    assert "did not render" in _one(no_elements)


def test_report_lines_and_summary():
    ok = cp.PageResult(
        Path("notebooks/01.html"), [], 1.234,
        cp.Observations(mjx_containers=5, widget_views=2, widget_views_rendered=2),
    )
    bad = cp.PageResult(Path("book/x.html"), ["p one", "p two"], 2.0, cp.Observations())
    assert ok.line() == "OK   notebooks/01.html (1.2 s; 5 formulas, 2 widgets)"
    assert bad.line() == "FAIL book/x.html (2.0 s): p one; p two"
    assert cp.summary([ok, bad], 3.25) == "2 page(s) checked in 3.2 s: 1 OK, 1 failed"


def test_main_usage_errors(tmp_path, capsys):
    assert cp.main([str(tmp_path / "nope"), "--screenshots", str(tmp_path / "s")]) == 2
    assert cp.main([str(tmp_path), "--screenshots", str(tmp_path / "s")]) == 2  # no pages
    _touch(tmp_path / "index.html")
    missing = str(tmp_path / "no-chromium")
    assert cp.main([str(tmp_path), "--screenshots", str(tmp_path / "s"), "--browser", missing]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err


# --- a real run ----------------------------------------------------------------------------

try:
    import playwright  # noqa: F401
except ImportError:  # pragma: no cover (requirements-dev.txt installs it)
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True

needs_chromium = pytest.mark.skipif(
    not Path(cp.CHROMIUM).exists() or not HAVE_PLAYWRIGHT,
    reason=f"needs Chromium at {cp.CHROMIUM} (Debian: apt-get install chromium) "
    "and Python playwright (pip install playwright)",
)

PAGE = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>" \
       "<body>{body}</body></html>"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@needs_chromium
def test_real_pages_in_chromium(tmp_path, capsys):
    html = tmp_path / "html"
    _touch(html / "clean.html", PAGE.format(
        title="clean", head="", body=f"<h1>Fine</h1><p>A page.</p><img src='{PIXEL}' alt='dot'>"))
    _touch(html / "sub/broken.html", PAGE.format(
        title="broken",
        head="<script src='https://cdn.example.invalid/lib.js'></script>",
        body="<h1>Broken</h1><img src='missing.png' alt='missing'>"))
    _touch(html / "index.html", '<meta http-equiv="Refresh" content="0; url=clean.html" />')
    shots = tmp_path / "shots"

    code = cp.main([str(html), "--screenshots", str(shots), "--timeout", "20"])
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line[:4] in ("OK  ", "FAIL")}

    assert code == 1
    assert lines["clean.html"].startswith("OK")
    assert lines["index.html"].startswith("OK") and "redirects to clean.html" in lines["index.html"]
    broken = lines["sub/broken.html"]
    assert broken.startswith("FAIL")
    assert "request(s) to other hosts (blocked): https://cdn.example.invalid/lib.js" in broken
    assert "broken image(s)" in broken and "missing.png" in broken
    assert "3 page(s) checked" in out and "1 failed" in out
    for name in ["clean.png", "index.png", "sub/broken.png"]:
        assert (shots / name).stat().st_size > 0, name


VENDORED_MATHJAX = ROOT / "_build" / "vendor" / "static" / "mathjax"


@needs_chromium
@pytest.mark.skipif(
    not (VENDORED_MATHJAX / "tex-chtml.js").exists(),
    reason="MathJax is not vendored: run `make vendor` (bash tools/vendor.sh _build/vendor)",
)
def test_real_math_in_chromium(tmp_path, capsys):
    html = tmp_path / "html"
    html.mkdir()
    (html / "mathjax").symlink_to(VENDORED_MATHJAX, target_is_directory=True)
    formula = '<p>Cost <span class="math notranslate nohighlight">\\(K^2 \\cdot M\\)</span>.</p>'
    mathjax = "<script defer src='mathjax/tex-chtml.js'></script>"
    _touch(html / "typeset.html", PAGE.format(title="math", head=mathjax, body=formula))
    _touch(html / "raw.html", PAGE.format(title="raw", head="", body=formula))

    code = cp.main([str(html), "--screenshots", str(tmp_path / "shots"), "--timeout", "20"])
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line[:4] in ("OK  ", "FAIL")}

    assert code == 1
    assert lines["typeset.html"].startswith("OK") and "1 formulas" in lines["typeset.html"]
    assert lines["raw.html"].startswith("FAIL")
    assert "MathJax did not load" in lines["raw.html"]
    assert "raw TeX left in the text: \\(K^2 \\cdot M\\)" in lines["raw.html"]
