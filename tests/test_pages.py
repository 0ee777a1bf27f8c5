"""The page format: verbatim round trips, and updates that keep the curator's own writing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import pages
from sitegen.errors import SourceError
from sitegen.model import Paper

TRICKY = ["No", "null", "2024-01-01", "123", "- dash", ": colon", "# hash", "'quote", '"dq"',
          "<script>alert(1)</script>", "trailing space ", " leading", "tab\there",
          "multi\nline\n\nparagraphs", "émoji 🚀 ｆｕｌｌ", "{braces}", "[list]", "*star", "&amp",
          "---", "...", "a: b: c", "x" * 500]


def write_read(tmp_path, paper: Paper) -> Paper:
    path = tmp_path / f"{paper.slug}.md"
    path.write_text(pages.new_page(paper), encoding="utf-8")
    return pages.read_page(path)[0]


@pytest.mark.parametrize("text", TRICKY)
def test_titles_and_abstracts_round_trip_verbatim(tmp_path, text):
    paper = Paper(slug="p", title=text.strip() or "t", abstract=text, tags=("a",))
    assert write_read(tmp_path, paper) == paper


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_abstract_round_trips(tmp_path_factory, abstract):
    folder = tmp_path_factory.mktemp("rt")
    paper = Paper(slug="p", title="T", abstract=abstract, tags=("a",))
    assert write_read(folder, paper).abstract == abstract


@pytest.mark.parametrize("authors", [{"author_count": 5}, {"authors": ("Ann Lee", "Bo Li")}])
def test_full_record_round_trips(tmp_path, authors):
    paper = Paper(slug="p", title="T", abstract="A.", date=dt.date(2024, 2, 29), upvotes=3,
                  **authors, arxiv="2509.12340", doi="10.1234/ab.5", venue="ICLR 2025",
                  url="https://example.org/p", organization="Org", links=("https://x.org/a",),
                  sources=("000.txt", "001.txt"), tags=("x", "y"), notes="## Notes\n\nHi.",
                  status="read", rating=4, hidden=True, extra={"mine": "kept"})
    assert write_read(tmp_path, paper) == paper


CURATED = """---
title: T
arxiv: 2509.12340
authors: [Ada Lovelace, Alan Turing]
doi: https://doi.org/10.1234/ab.5
venue: ICLR 2025
url: https://example.org/p
abstract: A.
---
"""


def test_curator_fields_are_read(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(CURATED, encoding="utf-8")
    paper, _ = pages.read_page(path)
    assert (paper.arxiv, paper.authors, paper.author_count, paper.doi, paper.venue,
            paper.url) == ("2509.12340", ("Ada Lovelace", "Alan Turing"), 2, "10.1234/ab.5",
                           "ICLR 2025", "https://example.org/p")
    assert paper.extra == {}
    path.write_text(CURATED.replace("arxiv: 2509.12340", "arxiv: 'arXiv:hep-th/9901001v2'")
                    .replace("authors: [Ada Lovelace, Alan Turing]", "authors: 3"))
    paper, _ = pages.read_page(path)
    assert (paper.arxiv, paper.authors, paper.author_count) == ("hep-th/9901001v2", (), 3)


@pytest.mark.parametrize("line, message", [
    ("arxiv: 2509.123456", "arxiv: 2509.123456 is not an arXiv id"),
    ("arxiv: arxiv.org/abs/x", "arxiv: 'arxiv.org/abs/x' is not an arXiv id"),
    ("doi: 1234/x", "doi: '1234/x' is not a DOI"),
    ("url: javascript:alert(1)", "url: 'javascript:alert(1)' is not a web address"),
    ("authors: Ada Lovelace, Alan Turing", "authors: expected a list of names"),
])
def test_bad_curator_fields_are_one_line_errors_at_their_line(tmp_path, line, message):
    from sitegen.site import _load_papers

    path = tmp_path / "p.md"
    path.write_text(f"---\ntitle: T\n{line}\nabstract: A.\n---\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        _load_papers(tmp_path, None)
    assert caught.value.line == 3 and caught.value.message.startswith(message)
    assert "\n" not in str(caught.value)


def test_update_keeps_comments_order_and_formatting(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(pages.new_page(Paper(slug="p", title="T", abstract="A.", upvotes=1,
                                         tags=("x",), sources=("000.txt",))), encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace(
        "title: T\n", "# my comment about this paper\ntitle: T  # inline\nstatus: key\n")
    path.write_text(text + "Notes stay.\n", encoding="utf-8")
    current, meta = pages.read_page(path)
    imported = Paper(slug="p", title="T", abstract="A.", upvotes=9, tags=("x",),
                     sources=("001.txt",))
    new = pages.update_page(current, meta, imported, path.read_text(encoding="utf-8"))
    assert "# my comment about this paper\ntitle: T  # inline\nstatus: key\n" in new
    assert "upvotes: 9" in new and new.endswith("---\nNotes stay.\n")
    path.write_text(new, encoding="utf-8")
    again, meta = pages.read_page(path)
    assert again.sources == ("000.txt", "001.txt")
    assert pages.update_page(again, meta, imported, new) is None  # nothing left to change


def test_hand_written_page_only_gets_empty_fields_filled(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: My Own Title\ntags: [mine]\n---\nBody\n", encoding="utf-8")
    current, meta = pages.read_page(path)
    imported = Paper(slug="p", title="Dump Title", abstract="From the dump.", upvotes=4,
                     tags=("auto",), sources=("000.txt",))
    path.write_text(pages.update_page(current, meta, imported, path.read_text()),
                    encoding="utf-8")
    after, _ = pages.read_page(path)
    assert (after.title, after.abstract, after.upvotes) == ("My Own Title", "From the dump.", 4)
    assert after.tags == ("mine",) and after.notes == "Body"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("---\ntitle: [oops\n---\n", 3, "front matter"),
    ("---\n- a list\n---\n", 2, "mapping"),
    ("---\ntitle: T\ndate: yesterday\n---\n", None, "date: expected YYYY-MM-DD"),
    ("---\ntitle: T\nupvotes: many\n---\n", None, "upvotes: expected a whole number"),
])
def test_bad_pages_raise_one_line_errors_with_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        pages.read_page(path)
    error = str(info.value)
    assert error.startswith(f"{path}:{line}:" if line else f"{path}:") and message in error
    assert "\n" not in error


def test_atomic_write_leaves_no_temp_file(tmp_path):
    target = tmp_path / "a" / "b.md"
    pages.atomic_write(target, "x")
    pages.atomic_write(target, "y")
    assert target.read_text() == "y" and [p.name for p in target.parent.iterdir()] == ["b.md"]


# ---------------------------------------------------------------- fast paths agree with the old

_JSONABLE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(_JSONABLE)
def test_fingerprint_is_the_sha1_of_the_json(value):
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    try:
        expected = hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]
    except UnicodeEncodeError:  # lone surrogates: both ways must fail alike
        with pytest.raises(UnicodeEncodeError):
            pages.fingerprint(value)
        return
    assert pages.fingerprint(value) == expected


def _reference_update(current, meta, imported, text):
    """update_page as first written: every fingerprint computed, every time."""
    record = meta.get(pages.IMPORTED) if isinstance(meta.get(pages.IMPORTED), dict) else {}
    changes = {}
    for name in pages.IMPORT_FIELDS:
        mine, theirs = pages._import_value(current, name), pages._import_value(imported, name)
        if name in record:
            untouched = pages.fingerprint(pages._field_value(current, name)) == record[name]
        else:
            untouched = mine in (None, "", ())
        if untouched and theirs not in (None, "", ()) and theirs != mine:
            changes[name] = theirs
    tags = pages._merge_tags(current.tags, record.get("tags"), imported.tags)
    if tags != current.tags:
        changes["tags"] = tags
    sources = tuple(dict.fromkeys((*current.sources, *imported.sources)))
    if sources != current.sources:
        changes["sources"] = sources
    new_record = pages._fingerprints(imported)
    if record.get("key"):
        new_record["key"] = record["key"]
    if not changes and new_record == record:
        return None
    values = {name: pages._plain(value) for name, value in changes.items()}
    if "date" in values:
        values["date"] = changes["date"]
    values[pages.IMPORTED] = new_record
    return pages._set_keys(text, values)


# Few values per field, so current, imported and fingerprinted values often coincide.
_PAPERS = st.builds(
    Paper, slug=st.just("p"), title=st.sampled_from(["T", "U", "Über: x"]),
    abstract=st.sampled_from(["", "A.", "B b."]),
    date=st.sampled_from([None, dt.date(2024, 1, 2), dt.date(2023, 5, 6)]),
    upvotes=st.sampled_from([None, 0, 3, 12]),
    authors=st.sampled_from([(), ("Ann", "Bo"), ("Ann",)]),
    author_count=st.sampled_from([None, 2, 5]),
    arxiv=st.sampled_from([None, "2509.12345", "2509.12346"]),
    organization=st.sampled_from([None, "Org", "Lab"]),
    links=st.sampled_from([(), ("https://a.org",), ("https://a.org", "https://b.org")]),
    sources=st.sampled_from([(), ("000.txt",), ("001.txt", "000.txt")]),
    tags=st.sampled_from([("untagged",), ("x",), ("x", "y"), ("y", "mine")]))


@settings(max_examples=400, deadline=None)
@given(_PAPERS, _PAPERS, _PAPERS, st.sampled_from(["full", "partial", "none", "nokey"]))
def test_update_page_agrees_with_the_reference(current, base, imported, record_kind):
    record = pages._fingerprints(base, "the key")
    if record_kind == "partial":
        record = {k: v for i, (k, v) in enumerate(record.items()) if i % 2}
    elif record_kind == "nokey":
        del record["key"]
    record = None if record_kind == "none" else record
    text = pages.render_page(current, record)
    meta = pages.page_meta(current, record)
    assert (pages.update_page(current, meta, imported, text)
            == _reference_update(current, meta, imported, text))


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["---", "-", "--", "\n", "\r", " ", "\t", "a", ":", "\ufeff"]),
                max_size=20).map("".join))
def test_front_matter_is_found_where_the_regex_finds_it(text):
    match = _FRONT.match(text)
    assert pages.front_matter(text) == ((match.group(1), match.end()) if match else None)
