"""Check in the built book that a worked solution is collapsed, and opens; screenshot both.

    python tools/solution_screenshots.py _build/html --out _build/screenshots/solutions

Opens a chapter page (by default chapter 1) in headless Chromium, offline, as
``tools/check_pages.py`` does, and finds the dropdown ``Solution K`` and the hidden code cell
after it. Both must start closed (the reasoning and the code invisible); after a click on
each, both must show. It writes ``solution_closed.png`` and ``solution_opened.png`` and exits
with status 1 if either state is wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_pages import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402  (the sibling tool)

TIMEOUT_MS = 30_000


def check(html_dir: Path, page_path: str, number: int, out_dir: Path) -> list[str]:
    """The problems found (none: both screenshots written)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with serve(html_dir) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=list(CHROMIUM_ARGS), timeout=TIMEOUT_MS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(origin) else route.abort())
            page.goto(f"{origin}/{page_path}", wait_until="load", timeout=TIMEOUT_MS)
            dropdown = page.locator(".admonition.dropdown",
                                    has_text=f"Solution {number}").first
            dropdown.locator(".toggle-button").wait_for(timeout=TIMEOUT_MS)
            reasoning = dropdown.locator("p").last
            code = dropdown.locator("xpath=following::details[1]")
            source = code.locator(".cell_input, pre").first
            dropdown.evaluate("element => element.scrollIntoView({block: 'start'})")
            page.evaluate("window.scrollBy(0, -120)")
            if reasoning.is_visible():
                problems.append("the solution's reasoning shows before it is opened")
            if code.get_attribute("open") is not None or source.is_visible():
                problems.append("the solution's code shows before it is opened")
            page.screenshot(path=str(out_dir / "solution_closed.png"))
            dropdown.locator(".toggle-button").click()
            code.locator("summary").first.click()
            page.wait_for_timeout(500)  # the toggle's transition
            if not reasoning.is_visible():
                problems.append("the solution's reasoning does not open")
            if not source.is_visible():
                problems.append("the solution's code does not open")
            page.screenshot(path=str(out_dir / "solution_opened.png"))
        finally:
            browser.close()
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--page", default="notebooks/01_cost_of_a_convolution.html")
    parser.add_argument("--solution", type=int, default=1, help="which Solution K (1)")
    parser.add_argument("--out", type=Path, default=Path("_build/screenshots/solutions"))
    args = parser.parse_args(argv)
    if not (args.html_dir / args.page).is_file():
        print(f"solution_screenshots: no page {args.html_dir / args.page}: build the book first",
              file=sys.stderr)
        return 2
    problems = check(args.html_dir, args.page, args.solution, args.out)
    for problem in problems:
        print(f"FAIL {args.page}: {problem}")
    if not problems:
        print(f"ok {args.page}: Solution {args.solution} collapsed, then opened; screenshots in "
              f"{args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
