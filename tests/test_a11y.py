"""The example site in a real browser: axe-core finds no serious or critical violation in
light or dark mode on any kind of page (the review's views, a title with math and the
sortable table included), keyboard focus is visible, nothing is fetched from elsewhere, and
no page scrolls sideways on a phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.build import build_site
from sitegen.config import load_config
from sitegen.paper_files import read_page
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PREFIX = "/my-review/"  # served as a GitHub project site
NOTES = """
## Why it matters

A table, some `code` and a [link](https://example.org/paper):

| setting | accuracy |
|---|---|
| in-distribution | 91.2 |
| shifted | 63.0 |

### Open questions

- Does it hold for transformers?
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The example site with curator notes on one paper; returns (folder, page kind -> path)."""
    root = copy_example(tmp_path_factory.mktemp("a11y"))
    config = load_config(root / "config.yml", base_url=PREFIX)
    assert build_site(config) == 0  # imports the dumps
    paths = sorted((root / "content" / "papers").glob("*.md"))
    papers = [read_page(p)[0] for p in paths]
    richest = max(papers, key=lambda p: (bool(p.links), len(p.tags), len(p.abstract)))
    page = root / "content" / "papers" / f"{richest.slug}.md"
    page.write_text(page.read_text().replace("---\n", "---\nstatus: key\nrating: 4\n", 1)
                    + NOTES)
    other = min(papers, key=lambda p: p.slug)  # the curator's reading list fills the table
    page = root / "content" / "papers" / f"{other.slug}.md"
    page.write_text(page.read_text().replace("---\n", "---\nstatus: to-read\n", 1))
    math = next(p for p in papers if "$" in p.title)  # a title with LaTeX, shown as MathML
    assert build_site(config) == 0
    busiest_tag = max((root / "_site" / "tags").glob("*/index.html"),
                      key=lambda p: p.stat().st_size).parent.name
    return root / "_site", {
        "home": "", "paper": f"papers/{richest.slug}/", "tags": "tags/",
        "tag": f"tags/{busiest_tag}/", "timeline": "timeline/", "about": "about/",
        "search": "search/", "404": "404.html", "math": f"papers/{math.slug}/",
        "papers": "papers/", "new": "new/", "dump": next(
            p.parent.relative_to(root / "_site").as_posix() + "/"
            for p in sorted((root / "_site" / "new").glob("*/index.html"))),
        "top": "top/", "older page": "timeline/page/1/"}


@pytest.fixture
def base(site, serve) -> str:
    return serve(site[0], PREFIX)


def axe_problems(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{json.dumps([n['target'] for n in v['nodes'][:3]])}"
            for v in violations if v["impact"] in ("serious", "critical")]


# Contrast depends on the colour scheme, layout on the width; three runs cover both.
@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 375)])
def test_axe_finds_no_serious_violation_on_any_kind_of_page(browser, site, base, scheme, width):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run npm ci")
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    problems = {}
    for kind, path in site[1].items():
        page.goto(base + path)
        if found := axe_problems(page):
            problems[kind] = found
    page.close()
    assert problems == {}


def test_dark_mode_follows_the_system_preference(browser, base):
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme)
        page.goto(base)
        colours[scheme] = page.evaluate(
            "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)")
        page.close()
    assert sum(colours["light"][:3]) > 600 and sum(colours["dark"][:3]) < 150


def test_keyboard_users_can_skip_to_content_and_always_see_focus(browser, base):
    page = browser.new_page()
    page.goto(base)
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => { const e = document.activeElement, r = e.getBoundingClientRect();
        return {text: e.textContent, top: r.top, outline: getComputedStyle(e).outlineStyle}; }""")
    assert skip["text"] == "Skip to content" and skip["top"] >= 0 and skip["outline"] != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(base)
    for _ in range(12):  # header links, search field and button, then the content's links
        page.keyboard.press("Tab")
        focus = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }""")
        assert focus[1] != "none" and focus[2] != "0px", focus
    page.close()


def test_pages_fetch_nothing_from_elsewhere_and_fit_a_phone(browser, site, base):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in site[1].values():
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.close()
    assert requested and all(url.startswith(base) for url in requested), \
        sorted({u for u in requested if not u.startswith(base)})
