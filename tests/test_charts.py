"""Papers-per-month charts: SVG drawn at build time on the home page (with the busiest tags as
small multiples) and each tag page; a text alternative and a table of the same numbers;
colours from the theme's CSS, so dark mode changes them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from sitegen import charts
from sitegen.model import Paper, slugify
from sitegen.paper_files import read_page

REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"


def _p(slug: str, day: dt.date | None) -> Paper:
    return Paper(slug, slug, date=day)


# ---------------------------------------------------------------- drawing

def test_the_axis_runs_month_by_month_from_the_oldest_to_the_newest_paper():
    papers = [_p("a", dt.date(2023, 11, 30)), _p("b", dt.date(2024, 2, 1)), _p("c", None)]
    axis = charts.axis(papers)
    assert axis.labels == ("Nov 2023", "Dec 2023", "Jan 2024", "Feb 2024")
    line = charts.series("All", "", tuple(papers), axis, "x")
    assert line.counts == (1, 0, 0, 1) and line.total == 2 and line.undated == 1
    assert line.summary == ("2 dated papers from Nov 2023 to Feb 2024; the most in one month: "
                            "1 in Nov 2023. 1 undated paper not shown.")
    assert charts.axis([_p("u", None)]) is None


def test_more_than_ten_years_are_drawn_per_year():
    axis = charts.axis([_p("a", dt.date(2001, 5, 1)), _p("b", dt.date(2024, 1, 1))])
    assert axis.unit == "year" and axis.labels[0] == "2001" and len(axis.labels) == 24


def test_the_svg_is_an_image_with_a_title_a_description_and_one_bar_per_busy_month():
    papers = (_p("a", dt.date(2024, 1, 5)), _p("b", dt.date(2024, 1, 9)),
              _p("c", dt.date(2024, 3, 1)))
    axis = charts.axis(papers)
    svg = BeautifulSoup(charts.series('<b>"x"</b>', "", papers, axis, "c1").svg,
                        "html.parser").svg
    assert svg["role"] == "img" and svg["aria-labelledby"] == "c1-t c1-d"
    assert svg.find("title", id="c1-t").get_text() == '<b>"x"</b>: papers per month'
    assert svg.find("desc", id="c1-d").get_text().startswith("3 dated papers")
    assert not svg.find_all("b")  # names are text
    bars = svg.find_all("rect")
    assert [b.title.get_text() for b in bars] == ["Jan 2024: 2", "Mar 2024: 1"]
    heights = [float(b["height"]) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert all(b["class"] == ["chart-bar"] and not b.has_attr("fill") for b in bars)


# ---------------------------------------------------------------- the example site

@pytest.fixture(scope="module")
def example(built_example: Path) -> Path:
    return built_example


def _papers(root: Path) -> list[Paper]:
    found = [read_page(p)[0] for p in sorted((root / "content" / "papers").glob("*.md"))]
    return [p for p in found if not p.hidden]


def _page(root: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_site" / path / "index.html").read_text(), "html.parser")


def _table(figure) -> list[list[str]]:
    return [[c.get_text() for c in row.find_all(["th", "td"])]
            for row in figure.select("details.chart-data tr")]


def test_home_chart_counts_every_dated_paper_per_month_with_tags_as_small_multiples(example):
    papers = _papers(example)
    figure = _page(example, "").select_one("figure.chart")
    svg = figure.svg
    labelled = svg["aria-labelledby"].split()
    assert [svg.find(id=i).name for i in labelled] == ["title", "desc"]
    table = _table(figure)
    header, rows = table[0], table[1:]
    assert header[:2] == ["Month", "All papers"]
    months: dict[str, int] = {}
    for paper in papers:
        if paper.date:
            key = paper.date.strftime("%b %Y")
            months[key] = months.get(key, 0) + 1
    assert {r[0]: int(r[1]) for r in rows} == months  # months without papers left out
    assert len(svg.find_all("rect")) == len(months)
    multiples = figure.select("ul.chart-multiples > li")
    assert len(multiples) == len(header) - 2 > 0
    for column, item in enumerate(multiples, start=2):
        href = urljoin(f"http://x{BASE}", item.a["href"])
        tag = re.fullmatch(rf"http://x{re.escape(BASE)}tags/([^/]+)/", href).group(1)
        dated = [p for p in papers if p.date and tag in {slugify(t) for t in p.tags}]
        assert sum(int(r[column]) for r in rows) == len(dated) == int(
            item.select_one(".count").get_text())
        assert item.svg["role"] == "img"


def test_each_tag_page_charts_its_own_papers(example):
    papers = _papers(example)
    tags = sorted({slugify(t) for p in papers for t in p.tags})
    for tag in tags:
        figure = _page(example, f"tags/{tag}").select_one("figure.chart")
        rows = _table(figure)[1:]
        dated = [p for p in papers if p.date and tag in {slugify(t) for t in p.tags}]
        assert sum(int(r[1]) for r in rows) == len(dated), tag
        undated = len([p for p in papers if not p.date and tag in {slugify(t) for t in p.tags}])
        desc = figure.svg.desc.get_text()
        assert (f"{undated} undated paper" in desc) == bool(undated), tag


def test_chart_colours_come_from_the_theme_and_follow_dark_mode(browser, example, serve):
    css = (REPO / "themes" / "default" / "assets" / "style.css").read_text()
    dark = css[css.index("prefers-color-scheme: dark"):]
    assert "--chart-bar:" in css.split("prefers-color-scheme")[0] and "--chart-bar:" in dark
    base = serve(example / "_site", BASE)
    fills = {}
    for scheme in ("light", "dark"):
        tab = browser.new_page(color_scheme=scheme)
        tab.goto(base)
        fills[scheme] = tab.eval_on_selector("figure.chart rect.chart-bar",
                                             "r => getComputedStyle(r).fill")
        height = tab.eval_on_selector("figure.chart svg", "s => s.getBoundingClientRect().height")
        assert height > 50  # drawn at the size the theme gives it
        tab.close()
    assert fills["light"] != fills["dark"] and "rgb(" in fills["light"]
