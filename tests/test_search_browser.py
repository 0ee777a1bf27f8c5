"""Search in a real browser: Debian's Chromium types queries on the built example site,
served over HTTP under a sub-path as a GitHub project site is, and nothing logs an error."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from sitegen.build import build_site
from sitegen.config import load_config
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parent.parent
PREFIX = "/review/sub/"
SEARCH_FILES = re.compile(r"/assets/(lunr|search-index|search-worker)\.|/assets/search-\w+/(\w)"
                          r"|/search/manifest")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("browser") / "review")
    assert build_site(load_config(root / "config.yml", base_url=PREFIX)) == 0
    return root / "_site"


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are kept."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.requests: list[str] = []
        page = self.page
        page.on("console", lambda m: m.type in ("error", "warning")
                and self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400
                and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.context.on("request", lambda r: self.requests.append(r.url))
        page.on("worker", lambda w: w.on("console", lambda m: m.type == "error"
                                         and self.problems.append(f"worker: {m.text}")))

    def open(self, path: str = "") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def type_in_box(self, text: str):
        box = self.page.locator("#search-box-q")
        box.click()
        box.fill("")
        box.press_sequentially(text, delay=15)
        return self.box_results(text)

    def box_results(self, text: str):
        self.page.locator(f".search-results[data-query='{_css(text)}']").wait_for(
            state="attached")
        return self.page.locator(".search-results .search-hit")

    def close(self) -> None:
        self.context.close()


def _css(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


@pytest.fixture
def page(browser, serve, built):
    watched = Watched(browser, serve(built, PREFIX))
    yield watched
    problems = watched.problems
    watched.close()
    assert problems == []


def titles(hits) -> list[str]:
    return [t.strip() for t in hits.locator(".search-hit-title").all_inner_texts()]


def test_nothing_is_fetched_until_the_box_is_focused_and_lunr_stays_off_the_page(page):
    page.open()
    page.page.mouse.move(5, 5)
    page.page.keyboard.press("Tab")  # the skip link: still nothing
    assert not [u for u in page.requests if SEARCH_FILES.search(u)]
    with page.context.expect_event("request", lambda r: "search-index" in r.url):
        page.page.locator("#search-box-q").focus()
    page.type_in_box("grokking")
    fetched = [u for u in page.requests if SEARCH_FILES.search(u)]
    scripts = sorted(SEARCH_FILES.search(u)[1] for u in fetched if SEARCH_FILES.search(u)[1])
    assert scripts == ["lunr", "search-index", "search-worker"]  # each once
    manifest = [u for u in fetched if "/search/manifest" in u]
    assert len(manifest) == 1 and urlsplit(manifest[0]).path == PREFIX + "search/manifest.json"
    # Then only pieces of the index: term shards, and records of the results shown; no word
    # list, no filter table (the box shows no filters), no piece twice.
    data = [u for u in fetched if SEARCH_FILES.search(u)[2]]
    assert {SEARCH_FILES.search(u)[2] for u in data} == {"t", "r"}
    assert len(data) == len(set(data)) and len(data) <= 8 + 4
    assert all(urlsplit(u).path.startswith(PREFIX + "assets/")
               for u in fetched if u not in manifest)
    # lunr.js and the index live in the worker; the page itself never loads them
    assert page.page.evaluate("typeof window.lunr") == "undefined"


def test_results_as_you_type_show_title_date_tags_and_marked_words(page):
    page.open("tags/")  # any page: the box is in every header
    hits = page.type_in_box("information bottleneck")
    assert hits.count() >= 2  # the papers with both words
    first = hits.first
    assert "Information Bottleneck" in first.locator(".search-hit-title").inner_text()
    marks = {m.lower() for m in first.locator("mark").all_inner_texts()}
    assert {"information", "bottleneck"} <= marks
    assert first.locator(".search-hit-snippet mark").count() > 0
    href = first.locator("a").get_attribute("href")
    assert urlsplit(href).path.startswith(PREFIX + "papers/")
    hits = page.type_in_box("ood detection")  # papers with dates (those two have none)
    assert hits.locator("time").count() >= 1
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", hits.locator("time").first.inner_text())
    assert hits.locator(".search-hit-tag").count() >= 1
    status = page.page.locator(".search-status").inner_text()
    assert re.match(r"\d+ results?", status)


def test_results_update_while_typing_and_prefixes_match(page):
    page.open()
    partial = page.type_in_box("grokk")
    assert any("grok" in t.lower() for t in titles(partial))
    page.page.locator("#search-box-q").press_sequentially("ing at the edge", delay=15)
    full = page.box_results("grokking at the edge")
    assert titles(full)[0] == "Grokking at the Edge of Numerical Stability"


def test_keyboard_moves_through_results_and_opens_one(page):
    page.open()
    hits = page.type_in_box("diffusion")
    wanted = titles(hits)[:2]
    box = page.page.locator("#search-box-q")
    box.press("ArrowDown")
    assert page.page.evaluate("document.activeElement.textContent").strip() == wanted[0]
    page.page.keyboard.press("ArrowDown")
    assert page.page.evaluate("document.activeElement.textContent").strip() == wanted[1]
    page.page.keyboard.press("ArrowUp")
    page.page.keyboard.press("ArrowUp")
    assert page.page.evaluate("document.activeElement.id") == "search-box-q"
    page.page.keyboard.press("Escape")  # closes the results, keeps the words
    assert page.page.locator(".search-panel").is_hidden()
    assert box.input_value() == "diffusion"
    box.press("ArrowDown")  # opens them again, on the first result
    assert page.page.locator(".search-panel").is_visible()
    assert page.page.evaluate("document.activeElement.textContent").strip() == wanted[0]
    with page.page.expect_navigation():
        page.page.keyboard.press("Enter")
    assert urlsplit(page.page.url).path.startswith(PREFIX + "papers/")
    assert page.page.locator("h1").inner_text().strip() == wanted[0]


def test_enter_opens_a_search_page_whose_address_restores_the_results(page):
    page.open()
    page.type_in_box("out-of-distribution")
    with page.page.expect_navigation():
        page.page.locator("#search-box-q").press("Enter")
    url = page.page.url
    assert urlsplit(url).path == PREFIX + "search/"
    assert parse_qs(urlsplit(url).query) == {"q": ["out-of-distribution"]}
    page.page.locator("[data-search-results][data-query='out-of-distribution']").wait_for(
        state="attached")
    first = titles(page.page.locator("[data-search-results] .search-hit"))
    assert len(first) > 10
    # the same address, opened fresh (shared with someone), shows the same results
    other = Watched(page.page.context.browser, page.base)
    try:
        other.open("search/?q=" + quote("out-of-distribution"))
        other.page.locator("[data-search-results][data-query='out-of-distribution']").wait_for(
            state="attached")
        assert titles(other.page.locator("[data-search-results] .search-hit")) == first
        assert other.page.locator("#search-page-q").input_value() == "out-of-distribution"
        assert other.problems == []
    finally:
        other.close()


def test_tag_and_year_filters_narrow_results_and_stay_in_the_address(page):
    page.open("search/?q=generalization")
    results = page.page.locator("[data-search-results]")
    page.page.locator("[data-search-results][data-query='generalization']").wait_for(
        state="attached")
    total = int(re.match(r"(\d+)", page.page.locator("[data-search-status]").inner_text())[1])
    page.page.select_option("#search-page-year", "2024")
    page.page.wait_for_url(re.compile(r"year=2024"))
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-search-results] time')]"
        ".every(t => t.dateTime.startsWith('2024'))")
    in_2024 = int(re.match(r"(\d+)", page.page.locator("[data-search-status]").inner_text())[1])
    assert 0 < in_2024 < total
    option = page.page.locator("#search-page-tag option").nth(1)
    tag = option.get_attribute("value")
    count = int(re.search(r"\((\d+)\)", option.inner_text())[1])
    page.page.select_option("#search-page-tag", tag)
    page.page.wait_for_url(re.compile(rf"tag={re.escape(quote(tag))}"))
    page.page.wait_for_function(
        f"() => document.querySelector('[data-search-status]').textContent.startsWith('{count} ')")
    shown = results.locator(".search-hit")
    assert shown.count() == min(count, 50)
    query = parse_qs(urlsplit(page.page.url).query)
    assert query == {"q": ["generalization"], "tag": [tag], "year": ["2024"]}
    page.page.reload()
    page.page.wait_for_function(
        f"() => document.querySelector('[data-search-status]').textContent.startsWith('{count} ')")
    assert page.page.locator("#search-page-tag").input_value() == tag
    assert page.page.locator("#search-page-year").input_value() == "2024"


def test_lunr_query_syntax_and_queries_it_cannot_parse(page):
    page.open()
    hits = page.type_in_box("title:grokking")
    assert hits.count() and all("grok" in t.lower() for t in titles(hits))
    hits = page.type_in_box("+grokking -lazy")
    assert hits.count() and "Grokking as the Transition from Lazy to Rich Training Dynamics" \
        not in titles(hits)
    hits = page.type_in_box("gen*")
    assert hits.count()
    for broken in ("title:", "grokking:", "title:(x", "a~b", "\\", "+", "-"):
        page.type_in_box(broken)
        assert "unavailable" not in page.page.locator(".search-status").inner_text()


@pytest.mark.parametrize("query, expected", [
    ("Grokking: A Study", "Grokking"),  # a colon from a pasted title is not a field
    ("\uff27\uff52\uff4f\uff4b\uff4b\uff49\uff4e\uff47", "Grokking"),  # full-width letters
    ("\U0001F680 grokking \U0001F680", "Grokking"),
    ("g\u0072\u00f6kking", None),  # an accent the papers do not have: no error, maybe no hit
    ("Schr\u00f6dinger", "Schr\u00f6dinger"),
    ("schrodinger", "Schr\u00f6dinger"),
    ("How Well Does GPT-4V(ision) Adapt to Distribution Shifts?", "GPT-4V"),
])
def test_awkward_characters_typed_for_real_still_search(page, query, expected):
    page.open()
    hits = page.type_in_box(query)
    if expected:
        assert any(expected in t for t in titles(hits)[:3]), titles(hits)
    assert "unavailable" not in page.page.locator(".search-status").inner_text()


def test_distinctive_title_phrases_typed_in_the_browser_find_their_paper(page):
    page.open()
    for phrase, title in [
            ("information bottleneck help", "How Does Information Bottleneck Help Deep Learning?"),
            ("mini-ensemble low-rank", "Mini-Ensemble Low-Rank Adapters for "
                                       "Parameter-Efficient Fine-Tuning"),
            ("Numerical Stability", "Grokking at the Edge of Numerical Stability")]:
        assert title in titles(page.type_in_box(phrase))[:3]


def test_a_quoted_phrase_narrows_the_results_and_the_status_says_how_many(page):
    status = page.page.locator("[data-search-status]")
    page.open("search/?q=" + quote("in-context learning"))
    expect(status).to_have_text(re.compile(r"^\d+ results for"))
    words = int(re.match(r"\d+", status.inner_text())[0])
    page.open("search/?q=" + quote('"in-context learning"'))
    expect(status).to_have_text(re.compile(r"^6 results for \u201c\"in-context learning\"\u201d"))
    assert 6 < words <= 20  # every word required: not the 197 papers that say "learning"
    hits = titles(page.page.locator("[data-search-results] .search-hit"))
    assert len(hits) == 6


def test_a_word_one_letter_off_shows_results_for_the_word_meant(page):
    page.open()
    hits = page.type_in_box("grokkng")
    expect(page.page.locator(".search-status")).to_contain_text(
        "Showing results for \u201cgrokking\u201d (no paper has \u201cgrokkng\u201d). ")
    assert "Grokking at the Edge of Numerical Stability" in titles(hits)
    # The search page counts the papers of the word meant, and says which word that is.
    page.open("search/?q=grokkng")
    expect(page.page.locator("[data-search-status]")).to_have_text(re.compile(
        r"Showing results for \u201cgrokking\u201d \(no paper has \u201cgrokkng\u201d\)\. "
        r"\d+ results\."))
