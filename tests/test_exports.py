"""Exports: papers.csv, BibTeX for the review and per tag (and on each paper page, with a
copy button), and an Atom feed per tag. Built from the example data under a sub-path; fields
the dumps lack are left out, and text from a dump can break neither format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from sitegen import bibtex, exports
from sitegen.build import build_site
from sitegen.config import load_config
from sitegen.model import Paper, slugify
from sitegen.paper_files import new_page, read_page
from sitegen.text import MONTHS
from sitegen.urls import code_links

REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"
SITE_URL = "https://reviewer.example.org/sub/path/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def example(built_example: Path) -> Path:
    return built_example


@pytest.fixture(scope="module")
def papers(example) -> list[Paper]:
    """Visible papers, newest first, from their pages."""
    found = [read_page(p)[0] for p in sorted((example / "content" / "papers").glob("*.md"))]
    return sorted((p for p in found if not p.hidden),
                  key=lambda p: (p.date is None, -(p.date or dt.date.min).toordinal(),
                                 p.title.casefold(), p.slug))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def bib_entries(text: str) -> dict[str, dict[str, str]]:
    """A small BibTeX reader: key -> {field: value}; fails on unbalanced braces."""
    entries = {}
    for match in re.finditer(r"@misc\{([^,\s]+),\n", text):
        key, pos, fields = match.group(1), match.end(), {}
        while True:
            field = re.compile(r"  (\w+) = ").match(text, pos)
            if not field:
                assert text[pos] == "}", text[pos:pos + 80]
                break
            pos = field.end()
            if text[pos] == "{":
                depth, start = 0, pos
                while True:
                    depth += {"{": 1, "}": -1}.get(text[pos], 0)  # tex() writes no \{
                    pos += 1
                    if depth == 0:
                        break
                value = text[start + 1:pos - 1]
            else:
                value = re.compile(r"\w+").match(text, pos).group()
                pos += len(value)
            fields[field.group(1)] = value
            pos += 2 if text.startswith(",\n", pos) else 1
        entries[key] = fields
    return entries


# ---------------------------------------------------------------- papers.csv

def test_csv_has_a_row_per_paper_with_what_the_dumps_say(example, papers):
    rows = read_csv(example / "_site" / "papers.csv")
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert [r["slug"] for r in rows] == [p.slug for p in papers]
    raw = (example / "_site" / "papers.csv").read_bytes()
    assert raw.count(b"\r\n") >= len(papers) + 1 and not raw.startswith(b"\xef\xbb\xbf")
    for row, paper in zip(rows, papers, strict=True):
        assert row["date"] == (paper.date.isoformat() if paper.date else "")
        assert row["upvotes"] == ("" if paper.upvotes is None else str(paper.upvotes))
        assert row["authors"] == "; ".join(paper.authors)
        assert row["author_count"] == ("" if paper.author_count is None
                                       else str(paper.author_count))
        assert row["url"] == f"{SITE_URL}papers/{paper.slug}/"
        assert row["first_seen"] == paper.sources[0]
        assert row["has_code"] == ("yes" if code_links(paper.links) else "no")
        assert len(row["tags"].split("; ")) == len({slugify(t) for t in paper.tags})


def test_csv_cells_that_look_like_formulas_are_kept_as_text(project):
    for dump in (project / "content" / "dumps").iterdir():
        dump.unlink()
    evil = [("=HYPERLINK(\"http://x\",\"y\")", '+1, "quoted", and\nnewline'),
            ("@SUM(A1:A2)", "-2+3"), ("Plain, with a comma", "\tTab first")]
    for i, (title, abstract) in enumerate(evil):
        (project / "content" / "papers" / f"p{i}.md").write_text(
            new_page(Paper(f"p{i}", title, abstract, dt.date(2024, 1, i + 1), tags=("t",))),
            encoding="utf-8")
    assert build_site(load_config(project / "config.yml", base_url=BASE)) == 0
    rows = {r["slug"]: r for r in read_csv(project / "_site" / "papers.csv")}
    assert rows["p0"]["title"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows["p0"]["abstract"] == "'+1, \"quoted\", and\nnewline"
    assert rows["p1"]["title"] == "'@SUM(A1:A2)" and rows["p1"]["abstract"] == "'-2+3"
    assert rows["p2"]["title"] == "Plain, with a comma"
    assert rows["p2"]["abstract"] == "'\tTab first"
    assert rows["p0"]["url"] == "papers/p0/"  # no site_url: the path from the site root


# ---------------------------------------------------------------- BibTeX

def test_bibtex_has_an_entry_per_paper_and_invents_nothing(example, papers):
    entries = bib_entries((example / "_site" / "papers.bib").read_text(encoding="utf-8"))
    assert sorted(entries) == sorted(p.slug for p in papers)
    for paper in papers:
        fields = entries[paper.slug]
        assert "author" not in fields  # the example dumps give author counts, not names
        if paper.date:
            assert fields["year"] == str(paper.date.year)
            assert fields["month"] == MONTHS[paper.date.month - 1][:3].lower()
        else:
            assert "year" not in fields and "month" not in fields
        assert fields["url"] == f"{SITE_URL}papers/{paper.slug}/"
        assert fields["title"].startswith("{") and fields["title"].endswith("}")
        assert ("abstract" in fields) == bool(paper.abstract.strip())
        assert ("note" in fields) == bool(code_links(paper.links))


def test_each_tag_has_its_bibtex_and_feed(example, papers):
    site = example / "_site"
    config = load_config(example / "config.yml")
    tags = sorted({slugify(t) for p in papers for t in p.tags})
    for tag in tags:
        members = [p for p in papers if tag in {slugify(t) for t in p.tags}]
        entries = bib_entries((site / "tags" / tag / "papers.bib").read_text(encoding="utf-8"))
        assert sorted(entries) == sorted(p.slug for p in members)
        assert not any("abstract" in e for e in entries.values())  # those are in papers.bib
        feed = ET.parse(site / "tags" / tag / "feed.xml").getroot()
        links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
        assert links == [f"{SITE_URL}papers/{p.slug}/" for p in members][:config.feed_entries]
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == \
            f"{SITE_URL}tags/{tag}/feed.xml"
        page = BeautifulSoup((site / "tags" / tag / "index.html").read_text(), "html.parser")
        here = f"http://x{BASE}tags/{tag}/"
        feeds = [urljoin(here, link["href"]) for link in page.find_all("link", rel="alternate")
                 if link["type"] == "application/atom+xml"]
        assert feeds == [f"http://x{BASE}feed.xml", f"{here}feed.xml"]  # the review's, the tag's
        links = {urljoin(here, a["href"]) for a in page.find_all("a")}
        assert {f"{here}feed.xml", f"{here}papers.bib"} <= links


def test_tag_feed_links_are_relative_to_the_feed_without_site_url(tmp_path):
    from sitegen import feeds
    from sitegen.model import Site, Tag
    paper = Paper("a", "A", "Abstract.", dt.date(2024, 1, 1), tags=("x",))
    tag = Tag("x", "x", (paper,))
    config = load_config(tmp_path / "config.yml")
    feed = ET.fromstring(feeds.tag_feed(Site((paper,), (tag,), ()), tag, config))
    href = feed.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert urljoin(f"http://x{BASE}tags/x/feed.xml", href) == f"http://x{BASE}papers/a/"


def test_bibtex_escapes_what_latex_would_run_and_keeps_names_when_known(tmp_path):
    config = load_config(tmp_path / "config.yml", site_url="https://x.org/r/")
    paper = Paper("evil", r"50% of {all} \input{/etc/passwd} $x_1$ & #2 ~ ^",
                  "Abstract } { unbalanced", dt.date(2024, 2, 3),
                  authors=("Ann Lee", "Bo_Li {x}"),
                  links=("https://github.com/a/b", "https://github.com/a/%7B"),
                  tags=("t",))
    entry = bibtex.entry(paper, config, {"t": "T&C"})
    fields = bib_entries(entry)["evil"]
    assert fields["title"] == (r"{50\% of \textbraceleft{}all\textbraceright{} "
                               r"\textbackslash{}input\textbraceleft{}/etc/passwd"
                               r"\textbraceright{} x₁ \& \#2 \textasciitilde{} "
                               r"\textasciicircum{}}")
    assert fields["author"] == r"Ann Lee and Bo\_Li \textbraceleft{}x\textbraceright{}"
    assert fields["year"] == "2024" and fields["month"] == "feb"
    assert fields["url"] == "https://x.org/r/papers/evil/"
    assert fields["note"] == r"Code: \url{https://github.com/a/b}"  # %7B: not verbatim-safe
    assert fields["keywords"] == r"T\&C"
    assert fields["abstract"] == r"Abstract \textbraceright{} \textbraceleft{} unbalanced"
    assert entry.count("{") == entry.count("}")


def test_bibtex_cites_arxiv_papers_with_eprint_doi_and_the_paper_url(tmp_path):
    config = load_config(tmp_path / "config.yml", site_url="https://x.org/r/")
    paper = Paper("g", "Grokking", "A.", dt.date(2025, 9, 15), arxiv="2509.12345",
                  authors=("Ada Lovelace", "Smith and Sons Ltd", "José Ñúñez"),
                  doi="10.1234/ab.5", venue="ICLR 2025 & friends")
    fields = bib_entries(bibtex.entry(paper, config, {}))["g"]
    assert fields["author"] == "Ada Lovelace and {Smith and Sons Ltd} and José Ñúñez"
    assert (fields["year"], fields["month"]) == ("2025", "sep")
    assert (fields["eprint"], fields["archivePrefix"]) == ("2509.12345", "arXiv")
    assert fields["doi"] == "10.1234/ab.5"
    assert fields["url"] == "https://arxiv.org/abs/2509.12345"
    assert fields["howpublished"] == r"ICLR 2025 \& friends"
    curated = bib_entries(bibtex.entry(
        Paper("p", "P", url="https://example.org/p"), config, {}))["p"]
    assert curated["url"] == "https://example.org/p" and "eprint" not in curated


def test_csv_row_has_ids_names_and_curator_fields(tmp_path):
    config = load_config(tmp_path / "config.yml")
    paper = Paper("g", "Grokking", arxiv="2509.12345", authors=("Ada Lovelace", "Alan Turing"),
                  doi="10.1234/ab.5", venue="ICLR", url="https://example.org/p", tags=("t",))
    row = dict(zip(exports.CSV_COLUMNS, exports.csv_row(paper, {"t": "T"}, config), strict=True))
    assert (row["authors"], row["author_count"], row["arxiv"], row["doi"], row["venue"],
            row["paper_url"]) == ("Ada Lovelace; Alan Turing", "2", "2509.12345",
                                  "10.1234/ab.5", "ICLR", "https://example.org/p")


# ---------------------------------------------------------------- the citation on a paper page

def test_each_paper_page_shows_its_citation_as_text(example, papers):
    entries = bib_entries((example / "_site" / "papers.bib").read_text(encoding="utf-8"))
    for paper in papers[:40]:
        page = BeautifulSoup((example / "_site" / "papers" / paper.slug / "index.html")
                             .read_text(), "html.parser")
        shown = bib_entries(page.select_one("pre#bibtex-entry").get_text())
        expected = {k: v for k, v in entries[paper.slug].items() if k != "abstract"}
        assert shown == {paper.slug: expected}
        assert page.select_one("button[data-copy]").has_attr("hidden")  # until cite.js runs


def test_the_copy_button_copies_the_entry(browser, example, serve, papers):
    base = serve(example / "_site", BASE)
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    paper = papers[0]
    tab.goto(f"{base}papers/{paper.slug}/")
    button = tab.locator("button[data-copy]")
    assert button.is_visible()
    button.click()
    tab.wait_for_function("document.querySelector('.copy-status').textContent !== ''")
    assert tab.text_content(".copy-status") == "Copied to the clipboard."
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied == tab.text_content("pre#bibtex-entry")
    assert copied.startswith(f"@misc{{{paper.slug},")
    context.close()
