"""The review's views on the example data, built under a sub-path: what each dump added, the
most upvoted papers, the all-papers table (complete without JavaScript; sortable, with
filters that combine, in a real browser) and the curator's reading workflow."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from sitegen import views
from sitegen.build import build_site
from sitegen.config import load_config
from sitegen.model import Paper, slugify
from sitegen.paper_files import read_page
from sitegen.site import load_site
from sitegen.urls import code_links
from tests.conftest import copy_example

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"
# The curator's reading workflow, on papers picked by position in slug order.
CURATED = {0: "status: key\nrating: 5", 3: "status: key", 5: "status: read\nrating: 4",
           8: "status: Read\nrating: 2", 13: "status: to-read", 21: "rating: 3"}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example review with a few curated papers, built under a sub-path."""
    root = copy_example(tmp_path_factory.mktemp("views"))
    config = load_config(root / "config.yml", base_url=BASE)
    assert build_site(config) == 0  # imports the dumps
    pages = sorted((root / "content" / "papers").glob("*.md"))
    for index, fields in CURATED.items():
        pages[index].write_text(pages[index].read_text().replace("---\n", f"---\n{fields}\n", 1))
    assert build_site(config) == 0
    return root


@pytest.fixture(scope="module")
def papers(example) -> dict[str, Paper]:
    """Every visible paper, read from its page: the source of truth the views must match."""
    found = [read_page(p)[0] for p in sorted((example / "content" / "papers").glob("*.md"))]
    return {p.slug: p for p in found if not p.hidden}


def page(example: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((example / "_site" / path / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def linked_slugs(path: str, links) -> list[str]:
    """Paper slugs of links on the page at `path`, resolved as a browser under BASE would."""
    out = []
    for a in links:
        url = urljoin(f"http://x{BASE}{path}", a["href"])
        match = re.fullmatch(rf"http://x{re.escape(BASE)}papers/([^/]+)/", url)
        assert match, url
        out.append(match.group(1))
    return out


def newest_first(papers) -> list[Paper]:
    import datetime as dt
    return sorted(papers, key=lambda p: (p.date is None, -(p.date or dt.date.min).toordinal(),
                                         p.title.casefold(), p.slug))


# ---------------------------------------------------------------- new

def test_new_lists_the_papers_first_seen_in_the_latest_dump(example, papers):
    dumps = sorted(p.name for p in (example / "content" / "dumps").iterdir())
    latest = dumps[-1]
    expected = [p.slug for p in newest_first(papers.values()) if p.sources[0] == latest]
    assert 0 < len(expected) < len(papers)
    new = page(example, "new")
    first_list = new.select_one("main ol.paper-list")
    assert linked_slugs("new/", first_list.select("a.paper-item-title")) == expected
    assert f"latest import, Import {len(dumps)}" in new.select_one("main p.meta").get_text()


def test_each_dump_has_a_page_of_what_it_added(example, papers):
    new = page(example, "new")
    entries = new.select("ol.dump-list > li")
    dumps = sorted(p.name for p in (example / "content" / "dumps").iterdir())
    labels = {f"Import {n}": name for n, name in enumerate(dumps, 1)}  # in import order
    assert [li.a.get_text() for li in entries] == list(reversed(labels))  # latest first
    seen = []
    for li in entries:
        name = labels[li.a.get_text()]
        href = urljoin(f"http://x{BASE}new/", li.a["href"])
        path = href[len(f"http://x{BASE}"):]
        added = page(example, path.rstrip("/"))
        slugs = linked_slugs(path, added.select("a.paper-item-title"))
        assert slugs == [p.slug for p in newest_first(papers.values()) if p.sources[0] == name]
        assert f"{len(slugs)} new paper" in li.get_text()
        seen += slugs
    assert sorted(seen) == sorted(papers)  # every imported paper was added by one dump


def test_readers_never_see_a_dump_file_name(example):
    dumps = [p.name for p in (example / "content" / "dumps").iterdir()]
    stems = [name.rsplit(".", 1)[0] for name in dumps]
    for path in (example / "_site").rglob("*.html"):
        text = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        assert not [s for s in stems if s in text], path


def test_dump_labels_and_capture_dates_from_the_config(tmp_path):
    root = copy_example(tmp_path / "labelled")
    latest = sorted(p.name for p in (root / "content" / "dumps").iterdir())[-1]
    with (root / "config.yml").open("a", encoding="utf-8") as f:
        f.write(f"\ndumps:\n  {latest}: {{label: Daily papers of 5 January, "
                "captured: 2025-01-06}\n")
    config = (root / "config.yml").read_text(encoding="utf-8").replace("dumps: {}\n", "")
    (root / "config.yml").write_text(config, encoding="utf-8")
    assert build_site(load_config(root / "config.yml")) == 0
    new = BeautifulSoup((root / "_site" / "new" / "index.html").read_text(), "html.parser")
    assert "latest import, Daily papers of 5 January (captured 6 Jan 2025)" in \
        new.select_one("main p.meta").get_text(" ", strip=True).replace(" )", ")")
    assert new.select("ol.dump-list > li")[0].a.get_text() == "Daily papers of 5 January"


# ---------------------------------------------------------------- top

def test_top_ranks_papers_by_upvotes_overall_and_per_tag(example, papers):
    top = page(example, "top")
    overall = top.find(id="overall").parent
    slugs = linked_slugs("top/", overall.select("a.paper-item-title"))
    ranked = [p for p in newest_first(papers.values()) if p.upvotes is not None]
    assert ranked and slugs == [p.slug for p in sorted(ranked, key=lambda p: -p.upvotes)]
    shown = [int(re.fullmatch(r"(\d+) upvotes?", li.select_one(".upvotes")["aria-label"])[1])
             for li in overall.select("li.paper-item")]
    assert shown == sorted(shown, reverse=True) == [papers[s].upvotes for s in slugs]
    # The example has few counts: the overall list holds them all, and is not repeated per
    # tag; the page says plainly that most papers have none.
    assert len(ranked) < views.TOP_OVERALL and top.find(id="per-tag") is None
    assert f"Only {len(ranked)} of the review's {len(papers)} papers have an upvote count" in \
        top.get_text(" ", strip=True)


def test_top_per_tag_when_the_overall_list_cannot_hold_every_counted_paper(example):
    site = load_site(load_config(example / "config.yml"))
    counted = [p for p in site.papers if p.upvotes is not None]
    assert len(counted) > 3
    top = views.top_view(site, {p.slug: p for p in site.papers}, {t.slug: t for t in site.tags},
                         overall=3)
    assert [p.upvotes for p in top.papers] == sorted((p.upvotes for p in counted),
                                                      reverse=True)[:3]
    assert top.tags
    for entry in top.tags:
        assert 0 < len(entry.papers) <= views.TOP_PER_TAG
        assert all(entry.tag.slug in p.tag_slugs and p.upvotes is not None
                   for p in entry.papers)
        assert [p.upvotes for p in entry.papers] == sorted((p.upvotes for p in entry.papers),
                                                           reverse=True)
    everything = views.top_view(site, {p.slug: p for p in site.papers},
                                {t.slug: t for t in site.tags})
    assert everything.tags == () and len(everything.papers) == len(counted)


# ---------------------------------------------------------------- the all-papers table

def _rows(example: Path) -> list:
    return page(example, "papers").select("table.papers-table tbody tr")


def test_the_table_lists_every_paper_once_without_javascript(example, papers):
    rows = _rows(example)
    slugs = linked_slugs("papers/", [row.a for row in rows])
    assert slugs == [p.slug for p in newest_first(papers.values())]
    for row, slug in zip(rows, slugs, strict=True):
        paper = papers[slug]
        assert row.get("data-year", "") == (str(paper.date.year) if paper.date else "")
        assert row.get("data-tags", "").split() == list(dict.fromkeys(
            slugify(t) for t in paper.tags))
        assert (row.get("data-code") == "1") == bool(code_links(paper.links))
        assert row.get("data-status", "") == (slugify(paper.status) if paper.status else "")
    # the filters are hidden until the script shows them: without it they would do nothing
    assert page(example, "papers").select_one("form[data-table-filters]").has_attr("hidden")


def _visible(browser_page) -> list[str]:
    return browser_page.eval_on_selector_all(
        "table.papers-table tbody tr",
        "rows => rows.filter(r => !r.hidden && r.offsetParent !== null)"
        ".map(r => r.querySelector('a').getAttribute('href'))")


def _slug(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[1]


def _until(read: Callable[[], T], ok: Callable[[T], bool], timeout: float = 10.0) -> T:
    """`read()` again until `ok` holds or time runs out, as Playwright's `expect` does: the
    table applies some changes a tick after the event (a form reset, say), later still on a
    loaded machine. Returns the last value read, for the assertion to show."""
    deadline = time.monotonic() + timeout
    value = read()
    while not ok(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def _shows(tab, slugs: set[str]) -> set[str]:
    """The visible rows' slugs, once they are `slugs` (or time ran out)."""
    return _until(lambda: {_slug(h) for h in _visible(tab)}, lambda got: got == slugs)


def _count(tab, n: int) -> int:
    return len(_until(lambda: _visible(tab), lambda rows: len(rows) == n))


# Every timer the page sets fires 300 ms late, as on a machine under load: a test that reads
# the table before it settles fails every time instead of one run in forty.
SLOW_TIMERS = """{ const later = window.setTimeout;
  window.setTimeout = (fn, ms, ...args) => later(fn, (ms || 0) + 300, ...args); }"""


@pytest.fixture
def table_url(example, serve) -> str:
    return serve(example / "_site", BASE) + "papers/"


def test_without_javascript_every_row_shows_and_no_dead_control(browser, table_url, papers):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(table_url)
    assert len(_visible(tab)) == len(papers)
    assert not tab.is_visible("form[data-table-filters]")
    context.close()


def test_filters_combine_rather_than_reset_each_other(browser, table_url, papers):
    def tags(p): return {slugify(t) for t in p.tags}
    def year(p): return str(p.date.year) if p.date else ""
    # a tag and a year whose papers overlap, each filter narrowing the other
    pairs = sorted({(t, year(p)) for p in papers.values() if p.date for t in tags(p)})
    tag, yr = max(pairs, key=lambda ty: (sum(1 for p in papers.values() if ty[0] in tags(p)
                                             and year(p) == ty[1]), ty))
    by_tag = {s for s, p in papers.items() if tag in tags(p)}
    by_year = {s for s, p in papers.items() if year(p) == yr}
    with_code = {s for s, p in papers.items() if code_links(p.links)}
    assert by_tag & by_year and by_tag - by_year and by_year - by_tag

    tab = browser.new_page()
    tab.add_init_script(SLOW_TIMERS)
    tab.goto(table_url)
    assert _count(tab, len(papers)) == len(papers)
    tab.select_option("#filter-tag", tag)
    assert _shows(tab, by_tag) == by_tag
    tab.select_option("#filter-year", yr)
    assert _shows(tab, by_tag & by_year) == by_tag & by_year
    assert tab.input_value("#filter-tag") == tag  # choosing a year kept the tag
    expect(tab.locator("[data-table-status]")).to_have_text(
        f"Showing {len(by_tag & by_year)} of {len(papers)} papers.")
    tab.select_option("#filter-tag", "")
    assert _shows(tab, by_year) == by_year  # the year filter still holds
    tab.check("#filter-code")
    assert by_year & with_code and by_year - with_code
    assert _shows(tab, by_year & with_code) == by_year & with_code
    word = papers[sorted(by_year & with_code)[0]].title.split()[0].lower()
    tab.fill("#filter-q", word)
    expected = {s for s in by_year & with_code
                if word in (papers[s].title + " " + " ".join(papers[s].tags)).lower()}
    assert expected and _shows(tab, expected) == expected
    # the filters live in the address, so this view can be linked and reloaded
    assert f"year={yr}" in tab.url and "code=1" in tab.url
    tab.reload()
    assert _shows(tab, expected) == expected
    assert tab.is_checked("#filter-code") and tab.input_value("#filter-year") == yr
    tab.click("form[data-table-filters] button[type=reset]")  # applied a tick later
    assert _count(tab, len(papers)) == len(papers)
    tab.close()


def test_status_and_rating_filter_the_table(browser, table_url, papers):
    tab = browser.new_page()
    tab.goto(table_url)
    tab.select_option("#filter-status", "read")  # 'read' and 'Read' are one status
    read = {s for s, p in papers.items() if p.status and slugify(p.status) == "read"}
    assert len(read) == 2 and _shows(tab, read) == read
    tab.select_option("#filter-rating", "4")
    good_read = {s for s in read if (papers[s].rating or 0) >= 4}
    assert _shows(tab, good_read) == good_read
    tab.select_option("#filter-status", "")
    good = {s for s, p in papers.items() if (p.rating or 0) >= 4}
    assert _shows(tab, good) == good
    tab.close()


def test_sorting_by_a_column_and_back(browser, table_url, papers):
    tab = browser.new_page()
    tab.goto(table_url)
    initial = _visible(tab)
    header = "table.papers-table th[data-sort={}] button"
    tab.click(header.format("upvotes"))
    order = [papers[_slug(h)] for h in _visible(tab)]
    counted = [p.upvotes for p in order if p.upvotes is not None]
    assert counted and counted == sorted(counted, reverse=True)
    assert [p.upvotes is None for p in order] == sorted(p.upvotes is None for p in order)
    assert tab.get_attribute("th[data-sort=upvotes]", "aria-sort") == "descending"
    assert tab.get_attribute("th[data-sort=date]", "aria-sort") is None
    tab.click(header.format("upvotes"))
    order = [papers[_slug(h)] for h in _visible(tab)]
    counted = [p.upvotes for p in order if p.upvotes is not None]
    assert counted == sorted(counted)  # ascending, papers without a count still last
    assert order[-1].upvotes is None
    tab.click(header.format("date"))  # newest first, as the page came
    assert _visible(tab) == initial
    tab.click(header.format("date"))
    dated = [papers[_slug(h)].date for h in _visible(tab)]
    assert [d for d in dated if d] == sorted(d for d in dated if d) and dated[-1] is None
    tab.click(header.format("title"))
    titles = tab.eval_on_selector_all(
        "table.papers-table tbody tr", "rows => rows.map(r => r.cells[0].textContent)")
    assert tab.evaluate("t => t.every((x, i) => !i || t[i - 1].toLowerCase()"
                        ".localeCompare(x.toLowerCase()) <= 0)", titles)
    assert titles != sorted(titles, key=lambda t: t.lower(), reverse=True)
    # sorting keeps the filters
    tab.check("#filter-code")
    tab.click(header.format("upvotes"))
    coded = {s for s, p in papers.items() if code_links(p.links)}
    assert _shows(tab, coded) == coded
    tab.close()


# ---------------------------------------------------------------- reading workflow

def test_key_papers_on_the_home_page_and_status_on_paper_pages(example, papers):
    keys = [p.slug for p in newest_first(papers.values()) if p.status == "key"]
    assert len(keys) == 2
    home = page(example, "")
    section = home.find(id="key-papers").parent
    assert linked_slugs("", section.select("a.paper-item-title")) == keys
    rated = next(p for p in papers.values() if p.status == "key" and p.rating == 5)
    byline = page(example, f"papers/{rated.slug}").select_one(".byline")
    assert byline.select_one(".status").get_text() == "key"
    assert byline.select_one(".stars").get_text() == "★★★★★"
    assert "rated 5 of 5" in byline.get_text()
    item = section.select_one("li.paper-item")
    assert item.select_one(".status").get_text() == "key"
    assert item.select_one(".stars")["aria-label"] == "Rated 5 of 5"


# ---------------------------------------------------------------- long lists, in pages

SMALL = 10  # papers a page in the tests below, so the example's 237 papers fill many pages
SMALL_TABLE = 40
LATER_DUMP = """Daily Papers

Grokking Beyond the Edge: A Fresh Look at Delayed Generalization

We revisit grokking, the delayed generalization of networks trained long past overfitting, \
and show when it appears on modular arithmetic. Experiments cover many settings and seeds.

  • 3 authors
·
Nov 3, 2026 12
"""


def _small_pages(monkeypatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", SMALL)
    monkeypatch.setattr(views, "TABLE_PAGE_SIZE", SMALL_TABLE)


@pytest.fixture
def paged(tmp_path, monkeypatch) -> Path:
    """The example review built with small pages."""
    _small_pages(monkeypatch)
    root = copy_example(tmp_path / "paged")
    assert build_site(load_config(root / "config.yml", base_url=BASE)) == 0
    return root


def _walk(root: Path, first: str, items: str) -> tuple[list[str], list[str]]:
    """Follow a list's 'Older' links from its first page: (page paths, paper slugs in order)."""
    paths, slugs, path = [], [], first
    while path:
        assert path not in paths, f"{path}: the pages loop"
        paths.append(path)
        soup = page(root, path)
        found = soup.select(items)
        assert len(found) < 2 * (SMALL_TABLE if path.startswith("papers/") else SMALL), path
        slugs += linked_slugs(path, found)
        pagers = soup.select("nav.pager")
        older = soup.select_one('nav.pager a[rel="next"]')
        if len(paths) > 1 or older:  # a paged list: every page says where it stands
            assert pagers and all(p.select('a[aria-current="page"]') for p in pagers), path
            head = soup.select_one('head link[rel="next"]')
            assert (head and head["href"]) == (older and older["href"]), path
        path = urljoin(f"/{path}", older["href"]).lstrip("/") if older else ""
        path = path.replace(BASE.lstrip("/"), "", 1) if path.startswith(BASE.lstrip("/")) \
            else path
    return paths, slugs


def test_every_long_list_comes_in_pages_that_show_each_paper_once(paged):
    site = load_site(load_config(paged / "config.yml"))
    order = [p.slug for p in site.papers]
    paths, slugs = _walk(paged, "timeline/", ".paper-item-title")
    assert len(paths) > 10 and slugs == order
    paths, slugs = _walk(paged, "papers/", "table.papers-table tbody td:first-child a")
    assert len(paths) > 3 and slugs == order
    paged_tags = 0
    for tag in site.tags:
        paths, slugs = _walk(paged, f"tags/{tag.slug}/", ".paper-item-title")
        assert slugs == [p.slug for p in tag.papers], tag.slug
        paged_tags += len(paths) > 1
    assert paged_tags > 3
    for dump in (paged / "_site" / "new").glob("*/index.html"):
        _walk(paged, f"new/{dump.parent.name}/", ".paper-item-title")
    # /new/ shows the latest dump's newest papers and leads to all of them.
    new = page(paged, "new/")
    more = new.select_one("p.more a")
    assert len(new.select("ol.paper-list .paper-item-title")) == SMALL and more
    latest = urljoin(f"/{BASE.strip('/')}/new/", more["href"]).removeprefix(BASE)
    assert len(_walk(paged, latest, ".paper-item-title")[1]) > SMALL
    # Every page is in the sitemap, so search engines and `sitegen check` see it.
    sitemap = (paged / "_site" / "sitemap.xml").read_text()
    assert "timeline/page/1/" in sitemap and "papers/page/1/" in sitemap
    from sitegen.check import check_site
    assert check_site(paged / "_site", BASE).problems == []


def _pages(root: Path) -> dict[str, bytes]:
    site = root / "_site"
    return {(p.parent.relative_to(site).as_posix() + "/").removeprefix("./"): p.read_bytes()
            for p in site.rglob("index.html")}


def test_a_newer_paper_leaves_older_pages_as_they_were_and_renders_only_changed_pages(
        paged, monkeypatch):
    """Pages are numbered from the oldest end: a paper newer than the rest goes on the first
    page of each list it is in, and every older page keeps its URL and its bytes. The
    build renders only pages whose bytes change (or that are new)."""
    from sitegen.templates import Renderer

    before = _pages(paged)
    rendered: list[str] = []
    render = Renderer.render
    monkeypatch.setattr(Renderer, "render",
                        lambda self, job: rendered.append(job.path) or render(self, job))
    (paged / "content" / "dumps" / "009_later.txt").write_text(LATER_DUMP, encoding="utf-8")
    assert build_site(load_config(paged / "config.yml", base_url=BASE), fork=False) == 0
    after = _pages(paged)
    older = {path for path in before if "/page/" in path}
    assert len(older) > 30
    # A list whose first page overflowed gains a page, and its pages next to the new one
    # update their links; every other older page is untouched.
    grown = {path.split("page/")[0] for path in after.keys() - before.keys()}
    changed = {path for path in older if after.get(path) != before[path]}
    near_top = {path for path in changed if path.split("page/")[0] in grown
                and int(path.split("page/")[1].strip("/")) + views.PAGE_WINDOW + 1
                >= max(int(p.split("page/")[1].strip("/")) for p in after
                       if p.startswith(path.split("page/")[0] + "page/"))}
    assert changed == near_top
    assert set(rendered) == {path for path in after if after[path] != before.get(path)}
    assert "timeline/" in rendered and len(rendered) < len(after) // 4


def test_no_page_of_a_review_of_thousands_of_papers_exceeds_600_kb(tmp_path):
    """bench/synth.py's papers, all in a few tags: before pages, the timeline alone was
    1.9 MB at 3,000 papers (3.2 MB at 5,000)."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from synth import synthetic_papers, write_pages

    root = copy_example(tmp_path / "big")
    shutil.rmtree(root / "content" / "dumps")
    (root / "content" / "dumps").mkdir()
    write_pages(root / "content" / "papers", synthetic_papers(3000, seed=1))
    assert build_site(load_config(root / "config.yml")) == 0
    pages = {p: p.stat().st_size for p in (root / "_site").rglob("*.html")}
    biggest = max(pages, key=pages.get)
    assert pages[biggest] <= 600_000, f"{biggest}: {pages[biggest]:,} bytes"
    assert len(pages) > 3000 + 30


def test_a_table_in_pages_loads_every_row_to_sort_and_filter(browser, paged, serve):
    """Without JavaScript the table's first page holds its newest rows and links to the
    others; with it, table.js adds every older page's rows, with working links."""
    site = load_site(load_config(paged / "config.yml"))
    order = [p.slug for p in site.papers]
    url = serve(paged / "_site", BASE) + "papers/"
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(url)
    first = [_slug(h) for h in _visible(tab)]
    assert first == order[:len(first)] and SMALL_TABLE <= len(first) < 2 * SMALL_TABLE
    assert tab.is_visible('nav.pager a[rel="next"]')
    context.close()

    tab = browser.new_page()
    tab.add_init_script(SLOW_TIMERS)
    tag = max(site.tags, key=lambda t: (len({p.slug for p in t.papers} - set(first)), t.slug))
    tagged = {p.slug for p in tag.papers}
    assert tagged - set(first) and tagged & set(first)  # on the first page and older ones
    tab.goto(url + "?tag=" + tag.slug)
    assert _shows(tab, tagged) == tagged
    expect(tab.locator("[data-table-status]")).to_have_text(
        f"Showing {len(tagged)} of {len(order)} papers.")
    expect(tab.locator("nav.pager")).to_be_hidden()
    tab.click("button[type=reset]")
    assert _count(tab, len(order)) == len(order)
    tab.click("th[data-sort=title] button")
    titles = _until(lambda: tab.eval_on_selector_all(
        "table.papers-table tbody td:first-child", "cells => cells.map(c => c.textContent)"),
        lambda got: got == sorted(got, key=str.casefold))
    assert len(titles) == len(order)
    oldest = order[-1]  # a row from page 1: its link, made for that page, still leads home
    tab.locator(f'table.papers-table tbody a[href$="papers/{oldest}/"]').click()
    expect(tab).to_have_url(re.compile(re.escape(f"{BASE}papers/{oldest}/") + "$"))
    tab.close()
