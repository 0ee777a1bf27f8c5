"""Search, as a reader meets it in Chromium: keyboard shortcuts to the box, titles with their
math rendered, a highlight readable in dark mode, and filters that say when they hide
everything. The example review, plus one dump whose title is hostile markup with math."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from sitegen import urls
from sitegen.build import build_site
from sitegen.config import load_config
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PREFIX = "/review/"
HOSTILE = '<img src=x onerror="window.__pwned=1">$\\bf{Z^9}$ Xylophone Quantization'
HOSTILE_DUMP = f"""{HOSTILE}

Xylophone quantization is what this abstract is about, and nothing in it is markup.

·
Jan 2, 2024 3
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("reader") / "review")
    (root / "content" / "dumps" / "999_hostile.txt").write_text(HOSTILE_DUMP, encoding="utf-8")
    assert build_site(load_config(root / "config.yml", base_url=PREFIX)) == 0
    return root / "_site"


@pytest.fixture
def base(built, serve) -> str:
    return serve(built, PREFIX)


@pytest.fixture
def open_page(browser):
    """open_page(url, scheme='light') -> a page; on teardown, nothing logged an error."""
    contexts, problems = [], []

    def open_(url: str, scheme: str = "light"):
        context = browser.new_context(color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == []


def box_hits(page, query: str):
    """Types `query` in the header box; the result items once they answer that query."""
    box = page.locator("#search-box-q")
    box.click()
    box.fill("")
    box.press_sequentially(query, delay=15)
    expect(page.locator(".search-results")).to_have_attribute("data-query", query)
    return page.locator(".search-results .search-hit")


# ---------------------------------------------------------------- / and Ctrl-K

def test_slash_and_ctrl_k_focus_the_box_from_anywhere_and_escape_leaves(open_page, base):
    page = open_page(base + "timeline/")
    box = page.locator("#search-box-q")
    expect(box).to_have_attribute("placeholder", re.compile(r"press /"))
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the "/" opened the box, it was not typed into it
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()
    for shortcut in ("Control+k", "Meta+k"):
        page.keyboard.press(shortcut)
        expect(box).to_be_focused()
        page.keyboard.press("Escape")
        expect(box).not_to_be_focused()

    # With results open, the first Escape closes them, the second leaves the box.
    page.keyboard.press("/")
    box_hits(page, "grokking")
    panel = page.locator("#search-box-panel")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()
    expect(box).to_have_value("grokking")


def test_shortcuts_leave_other_fields_alone_and_escape_returns_there(open_page, base):
    page = open_page(base + "papers/")
    field = page.locator("#filter-q")  # the papers table's own filter
    field.click()
    page.keyboard.type("a/b")
    expect(field).to_have_value("a/b")
    expect(field).to_be_focused()
    page.keyboard.press("Control+k")
    expect(field).to_be_focused()

    link = page.locator(".site-nav a").first  # from a link to the box, and back there
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#search-box-q")).to_be_focused()
    page.keyboard.press("Escape")
    expect(link).to_be_focused()


def test_on_the_search_page_the_shortcut_goes_to_its_own_box(open_page, base):
    page = open_page(base + "search/")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#search-page-q")).to_be_focused()
    expect(page.locator("#search-page-q")).to_have_attribute("aria-keyshortcuts",
                                                             re.compile(r"Control\+K"))


# ---------------------------------------------------------------- titles with math

def test_result_titles_show_their_math_as_the_paper_page_does(open_page, base):
    page = open_page(base)
    hits = box_hits(page, "discrepancy aware quantization")
    title = hits.first.locator(".search-hit-title")
    expect(title.locator("math")).to_have_count(1)
    expect(title).not_to_contain_text("$")
    expect(title).not_to_contain_text("\\bf")
    expect(title).to_contain_text("QE: Learning Discrete Distribution")
    # The same MathML as the paper's own page.
    result_math = title.locator("math").evaluate("m => m.outerHTML")
    page.goto(title.get_attribute("href"))
    expect(page.locator("h1 math")).to_have_count(1)
    assert page.locator("h1 math").evaluate("m => m.outerHTML") == result_math


def test_a_hostile_title_with_math_never_becomes_markup_in_results(open_page, base, built):
    records = (r for path in (built / "assets").glob("search-*/r*.json")
               for r in json.loads(path.read_text()))
    record = next(r for r in records if "Xylophone" in r[1])
    assert "<img" not in record[-1] and "&lt;img" in record[-1]  # escaped by sitegen

    for path in ("", "search/?q=xylophone"):
        page = open_page(base + path)
        hits = (box_hits(page, "xylophone") if not path
                else page.locator("[data-search-results] .search-hit"))
        expect(hits).to_have_count(1)
        title = hits.first.locator(".search-hit-title")
        expect(title.locator("math")).to_have_count(1)
        expect(title).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(page.locator("main img, .search-results img, [data-search-results] img"))\
            .to_have_count(0)
        assert page.evaluate("window.__pwned") is None


# ---------------------------------------------------------------- dark mode highlight

def test_highlighted_words_meet_wcag_aa_contrast_in_dark_mode(open_page, base):
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run npm ci")
    page = open_page(base + "search/?q=learning+generalization", scheme="dark")
    marks = page.locator("[data-search-results] mark")
    expect(marks.first).to_be_visible()
    # Marked words inside the title links and inside the snippets both.
    expect(page.locator("[data-search-results] .search-hit-title mark").first).to_be_visible()
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run('[data-search-results]',"
        " {runOnly: ['color-contrast']})).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations] == []


# ---------------------------------------------------------------- filters that hide all

def test_filters_that_match_nothing_say_so_and_offer_to_clear_them(open_page, base, built):
    docs = json.loads((built / urls.SEARCH_MANIFEST).read_text())  # tag names
    tag = sorted(docs["tags"])[0]
    page = open_page(base + f"search/?q=learning&tag={tag}&year=1999")
    status = page.locator("[data-search-status]")
    expect(status).to_have_text(re.compile(
        rf"No papers match “learning” in tag “{re.escape(docs['tags'][tag])}” and year 1999;"
        r" (\d+) match without the filters — clear filters\."))
    unfiltered = re.search(r"; (\d+) match", status.inner_text()).group(1)
    assert int(unfiltered) > 1

    page.get_by_role("link", name="clear filters").click()
    expect(status).to_have_text(f"{unfiltered} results for “learning”.")
    expect(page.locator("#search-page-tag")).to_have_value("")
    expect(page.locator("#search-page-year")).to_have_value("")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["learning"]}
    expect(page.locator("[data-search-results] .search-hit").first).to_be_visible()


def test_a_query_that_matches_nothing_at_all_does_not_blame_the_filters(open_page, base):
    page = open_page(base + "search/?q=zzyzxq&year=1999")
    expect(page.locator("[data-search-status]")).to_have_text("No results for “zzyzxq”.")
