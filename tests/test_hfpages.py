"""Saved Hugging Face Papers pages: every paper with its id, names, date, votes and links;
robust to missing fields, other hydrated elements, damaged data and encodings."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.hfpages import looks_like_html, read_saved_page
from tests.hf_support import ABSTRACT, hydrater, item, listing, page, paper_page

GROK = item("2509.12345", "Grokking at the Edge of Stability",
            authors=("Ada Lovelace", "Alan Turing"), upvotes=42,
            org={"name": "deepmind", "fullname": "Google DeepMind"},
            githubRepo="https://github.com/example/grok", projectPage="https://grok.example/")


def test_a_daily_listing_gives_every_paper_with_its_ids_names_and_links():
    other = item("2509.00001", "Another Paper", authors=(), upvotes=0)
    saved = read_saved_page(listing(GROK, other).encode())
    assert saved.problems == ()
    assert saved.date == dt.date(2025, 9, 16)
    first, second = saved.papers
    assert first.title == "Grokking at the Edge of Stability"
    assert first.arxiv == "2509.12345"
    assert first.authors == ("Ada Lovelace", "Alan Turing")
    assert first.date == dt.date(2025, 9, 15)  # the paper's date, not the listing's
    assert first.upvotes == 42
    assert first.organization == "Google DeepMind"
    assert first.links == ("https://github.com/example/grok", "https://grok.example/")
    # the summary's hard line breaks are the text dump's spaces
    assert first.abstract == " ".join(ABSTRACT.split())
    assert (second.arxiv, second.authors, second.upvotes, second.links) == (
        "2509.00001", (), 0, ())


def test_search_pages_and_single_paper_pages():
    search = read_saved_page(listing(GROK, key="searchResults").encode())
    single = read_saved_page(paper_page(GROK).encode())
    assert [p.arxiv for p in search.papers] == [p.arxiv for p in single.papers] == ["2509.12345"]
    assert single.papers[0].authors == ("Ada Lovelace", "Alan Turing")


def test_missing_and_malformed_fields_are_left_out_not_guessed():
    bare = {"paper": {"title": "Only A Title"}}
    odd = item("not an id", "Odd Fields", published="yesterday", upvotes=True,
               githubRepo="javascript:alert(1)", projectPage=["x"],
               authors=("", "Grace Hopper", "Grace Hopper"))
    odd["paper"]["summary"] = None
    odd["publishedAt"] = "soon"
    only_item = {"title": "Title On The Item", "summary": "Text on the item.",
                 "publishedAt": "2024-02-30T00:00:00Z"}
    nameless = {"paper": {"id": "2501.1"}}
    saved = read_saved_page(listing(bare, odd, only_item, nameless, "x").encode())
    by_title = {p.title: p for p in saved.papers}
    assert set(by_title) == {"Only A Title", "Odd Fields", "Title On The Item"}
    o = by_title["Odd Fields"]
    assert (o.arxiv, o.date, o.upvotes, o.links, o.authors) == (
        None, None, None, (), ("Grace Hopper",))
    assert o.abstract == " ".join(ABSTRACT.split())  # the item's summary stands in
    assert by_title["Title On The Item"].date is None  # 30 February
    assert GROK["publishedAt"] and by_title["Only A Title"].date is None
    assert [msg for _, msg in saved.problems] == [
        "DailyPapers entry 4 has no title; skipped", "DailyPapers entry 5 has no title; skipped"]


def test_other_hydrated_elements_and_scripts_are_ignored():
    noise = hydrater("UserProfile", {"paper": {"id": "2509.99999", "title": "Not A Listing"}})
    saved = read_saved_page(page(noise, hydrater("DailyPapers", {"dailyPapers": [GROK]}),
                                 '<div data-target="DailyPapers" data-props="{}"></div>').encode())
    assert [p.title for p in saved.papers] == ["Grokking at the Edge of Stability"]


def test_a_page_without_papers_data_is_one_problem_and_no_papers():
    saved = read_saved_page(b"<!DOCTYPE html><html><body><main class='flex flex-1 flex-col'>"
                            b"<p>Hello</p></main></body></html>")
    assert saved.papers == ()
    assert len(saved.problems) == 1 and "without Hugging Face Papers data" in saved.problems[0][1]


def test_damaged_json_is_reported_with_its_line():
    text = page(hydrater("DailyPapers", '{"dailyPapers": [{"title": "Cut off'))
    line = next(n for n, s in enumerate(text.splitlines(), 1) if 'data-target="DailyPapers"' in s)
    saved = read_saved_page(text.encode())
    assert saved.papers == ()
    assert saved.problems[0][0] == line and "not valid JSON" in saved.problems[0][1]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings(encoding):
    entry = item("2509.12345", "Light Schrödinger Bridge – “quoted”",
                 authors=("Jürgen Schmidhuber",))
    charset = "windows-1252" if encoding == "cp1252" else "utf-8"
    raw = listing(entry).replace('charset="utf-8"', f'charset="{charset}"').encode(encoding)
    (paper,) = read_saved_page(raw).papers
    assert paper.title == "Light Schrödinger Bridge – “quoted”"
    assert paper.authors == ("Jürgen Schmidhuber",)


def test_html_is_recognised_by_its_content():
    assert looks_like_html(listing(GROK).encode())
    assert looks_like_html(listing(GROK).encode("utf-16"))
    assert looks_like_html(b"\xef\xbb\xbf\n  <html><body></body></html>")
    assert not looks_like_html(b"Grokking at the Edge\nWe study <b>things</b>.\n")
