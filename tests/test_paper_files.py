"""The page format: verbatim round trips, and updates that keep the curator's own writing."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import paper_files
from sitegen.errors import SourceError
from sitegen.model import Paper
from tests import test_importer

TRICKY = ["No", "null", "2024-01-01", "123", "- dash", ": colon", "# hash", "'quote", '"dq"',
          "<script>alert(1)</script>", "trailing space ", " leading", "tab\there",
          "multi\nline\n\nparagraphs", "émoji 🚀 ｆｕｌｌ", "{braces}", "[list]", "*star", "&amp",
          "---", "...", "a: b: c", "x" * 500]


def write_read(tmp_path, paper: Paper) -> Paper:
    path = tmp_path / f"{paper.slug}.md"
    path.write_text(paper_files.new_page(paper), encoding="utf-8")
    return paper_files.read_page(path)[0]


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
    paper, _ = paper_files.read_page(path)
    assert (paper.arxiv, paper.authors, paper.author_count, paper.doi, paper.venue,
            paper.url) == ("2509.12340", ("Ada Lovelace", "Alan Turing"), 2, "10.1234/ab.5",
                           "ICLR 2025", "https://example.org/p")
    assert paper.extra == {}
    path.write_text(CURATED.replace("arxiv: 2509.12340", "arxiv: 'arXiv:hep-th/9901001v2'")
                    .replace("authors: [Ada Lovelace, Alan Turing]", "authors: 3"))
    paper, _ = paper_files.read_page(path)
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
    path.write_text(paper_files.new_page(Paper(slug="p", title="T", abstract="A.", upvotes=1,
                                         tags=("x",), sources=("000.txt",))), encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace(
        "title: T\n", "# my comment about this paper\ntitle: T  # inline\nstatus: key\n")
    path.write_text(text + "Notes stay.\n", encoding="utf-8")
    current, meta = paper_files.read_page(path)
    imported = Paper(slug="p", title="T", abstract="A.", upvotes=9, tags=("x",),
                     sources=("001.txt",))
    new = paper_files.update_page(current, meta, imported, path.read_text(encoding="utf-8"))
    assert "# my comment about this paper\ntitle: T  # inline\nstatus: key\n" in new
    assert "upvotes: 9" in new and new.endswith("---\nNotes stay.\n")
    path.write_text(new, encoding="utf-8")
    again, meta = paper_files.read_page(path)
    assert again.sources == ("000.txt", "001.txt")
    assert paper_files.update_page(again, meta, imported, new) is None  # nothing left to change


def test_hand_written_page_only_gets_empty_fields_filled(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: My Own Title\ntags: [mine]\n---\nBody\n", encoding="utf-8")
    current, meta = paper_files.read_page(path)
    imported = Paper(slug="p", title="Dump Title", abstract="From the dump.", upvotes=4,
                     tags=("auto",), sources=("000.txt",))
    path.write_text(paper_files.update_page(current, meta, imported, path.read_text()),
                    encoding="utf-8")
    after, _ = paper_files.read_page(path)
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
        paper_files.read_page(path)
    error = str(info.value)
    assert error.startswith(f"{path}:{line}:" if line else f"{path}:") and message in error
    assert "\n" not in error


def test_atomic_write_leaves_no_temp_file(tmp_path):
    target = tmp_path / "a" / "b.md"
    paper_files.atomic_write(target, "x")
    paper_files.atomic_write(target, "y")
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
            paper_files.fingerprint(value)
        return
    assert paper_files.fingerprint(value) == expected


def _reference_update(current, meta, imported, text):
    """update_page as first written: every fingerprint computed, every time."""
    record = meta.get(paper_files.IMPORTED)
    record = record if isinstance(record, dict) else {}
    changes = {}
    for name in paper_files.IMPORT_FIELDS:
        mine = paper_files._import_value(current, name)
        theirs = paper_files._import_value(imported, name)
        if name in record:
            value = paper_files._field_value(current, name)
            untouched = paper_files.fingerprint(value) == record[name]
        else:
            untouched = mine in (None, "", ())
        if untouched and theirs not in (None, "", ()) and theirs != mine:
            changes[name] = theirs
    tags = paper_files._merge_tags(current.tags, record.get("tags"), imported.tags)
    if tags != current.tags:
        changes["tags"] = tags
    sources = tuple(dict.fromkeys((*current.sources, *imported.sources)))
    if sources != current.sources:
        changes["sources"] = sources
    new_record = paper_files._fingerprints(imported)
    if record.get("key"):
        new_record["key"] = record["key"]
    if not changes and new_record == record:
        return None
    values = {name: paper_files._plain(value) for name, value in changes.items()}
    if "date" in values:
        values["date"] = changes["date"]
    values[paper_files.IMPORTED] = new_record
    return paper_files._set_keys(text, values)


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
    record = paper_files._fingerprints(base, "the key")
    if record_kind == "partial":
        record = {k: v for i, (k, v) in enumerate(record.items()) if i % 2}
    elif record_kind == "nokey":
        del record["key"]
    record = None if record_kind == "none" else record
    text = paper_files.render_page(current, record)
    meta = paper_files.page_meta(current, record)
    assert (paper_files.update_page(current, meta, imported, text)
            == _reference_update(current, meta, imported, text))


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["---", "-", "--", "\n", "\r", " ", "\t", "a", ":", "\ufeff"]),
                max_size=20).map("".join))
def test_front_matter_is_found_where_the_regex_finds_it(text):
    match = _FRONT.match(text)
    assert paper_files.front_matter(text) == ((match.group(1), match.end()) if match else None)


# ---------------------------------------------------------------- through the importer and CLI

OGEN = test_importer.OGEN


def sitegen(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root,
                          capture_output=True, text=True, timeout=300)


def ogen_page(root: Path) -> Path:
    return root / "content" / "papers" / f"{OGEN}.md"


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.ndiff(old.splitlines(), new.splitlines())
            if line[:1] in "+-"]


# What a newer dump of the paper may change: its upvotes, its sources, their fingerprint.
_MAY_CHANGE = re.compile(r"[+-] (upvotes:|sources:|\s*- 004_newer\.txt|  upvotes: \w{12}$)")


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


LAYOUTS = {  # a curator's reshaping of a page, as (edit of the page text, what must remain)
    "indented block list": (lambda t: re.sub(r"\ntags: \[(.*)\]\n", lambda m: "\ntags:\n" + "".join(
        f"    - {tag}\n" for tag in m.group(1).split(", ")), t, count=1), "\ntags:\n    - "),
    "folded title": (lambda t: t.replace("title: Overcoming the Pitfalls of ",
                                         "title: >-\n  Overcoming the Pitfalls\n  of ", 1),
                     "title: >-\n  Overcoming the Pitfalls\n  of "),
    "flow lists": (lambda t: t, "\nsources: [001_"),
    "block sources": (lambda t: re.sub(r"\nsources: \[(.*)\]\n", lambda m: "\nsources:\n" + "".join(
        f"  - {s}\n" for s in m.group(1).split(", ")), t, count=1), "\nsources:\n  - 001_"),
    "imported moved up": (lambda t: re.sub(r"\A---\n((?:.*\n)*?)(imported:\n(?:  .*\n)+)",
                                           r"---\n\2\1status: read\n", t),
                          "---\nimported:\n"),
    "comments": (lambda t: t.replace("imported:\n  key:", "imported:  # the importer's\n"
                                     "  # do not touch\n  key:").replace(
        "\nupvotes: 1\n", "\n# votes on the day\nupvotes: 1   # HF\n"), "  # do not touch\n"),
    "CRLF": (_crlf, "\r\nimported:\r\n"),
    "BOM": (lambda t: "\ufeff" + t, "\ufeff---\n"),
    "BOM and CRLF": (lambda t: "\ufeff" + _crlf(t), "\ufeff---\r\n"),
    "tags emptied": (lambda t: re.sub(r"\ntags: \[.*\]\n", "\ntags: []\n", t, count=1),
                     "\ntags: []\n"),
    "duplicate key": (lambda t: t.replace("\nupvotes: 1\n", "\nstatus: unread\nupvotes: 1\n"
                                          "status:\tread\n"), "status:\tread\n"),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_updates_keep_the_curators_layout(imported, layout):
    """A re-import with nothing new changes no byte of a reshaped page; one that brings new
    upvotes changes those lines only."""
    reshape, kept = LAYOUTS[layout]
    path = ogen_page(imported)
    path.write_bytes(reshape(path.read_text(encoding="utf-8")).encode("utf-8"))
    before = path.read_bytes()
    assert kept.encode("utf-8") in before  # the reshaping took place
    test_importer.run(imported)
    assert path.read_bytes() == before

    test_importer.add_dump(imported, "004_newer.txt", test_importer.newer_ogen_dump(12))
    assert test_importer.run(imported).written == 1
    after = path.read_bytes()
    assert kept.encode("utf-8") in after
    assert after.count(b"\r\n") == after.count(b"\n") or b"\r\n" not in before
    changed = changed_lines(before.decode("utf-8"), after.decode("utf-8"))
    assert changed and all(_MAY_CHANGE.match(line) for line in changed), changed
    paper, meta = paper_files.read_page(path)
    assert paper.upvotes == 12 and "004_newer.txt" in paper.sources
    text = after.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    assert meta == yaml.load(paper_files.front_matter(text)[0],
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


RETYPED = ["ON", "Yes", "1:30", "12:30:00", "null", "~", "0x1F", "1e3", ".inf", "2024-01-02"]


@pytest.mark.parametrize("organization", RETYPED)
def test_strings_yaml_would_retype_keep_their_type_on_update(imported, organization):
    """An organisation arriving as `ON` in a later dump is written so that it reads back
    as the string `ON`: its fingerprint matches, so a later dump's organisation replaces it."""
    path = ogen_page(imported)

    def dump_with(org: str, upvotes: int) -> str:
        text = test_importer.newer_ogen_dump(upvotes)
        return text.replace("  • 4 authors", f"  • 4 authors\n  • {org}")

    test_importer.add_dump(imported, "004_newer.txt", dump_with(organization, 12))
    assert test_importer.run(imported).written == 1
    assert paper_files.read_page(path)[0].organization == organization
    before = path.read_bytes()
    assert test_importer.run(imported).written == 0 and path.read_bytes() == before
    test_importer.add_dump(imported, "005_newest.txt", dump_with("Other Lab", 13))
    test_importer.run(imported)
    assert paper_files.read_page(path)[0].organization == "Other Lab"


def test_a_key_twice_in_a_page_does_not_stop_later_imports(imported):
    """What PyYAML reads, the update reads: `status:` twice (and libyaml's `status:<TAB>`)
    made every import that updated the paper stop with ruamel's DuplicateKeyError."""
    path = ogen_page(imported)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "\nupvotes: 1\n", "\nstatus: unread\nupvotes: 1\nstatus: skimmed\nstatus:\tread\n"),
        encoding="utf-8")
    test_importer.add_dump(imported, "004_newer.txt", test_importer.newer_ogen_dump(12))
    result = sitegen(imported, "import")
    assert result.returncode == 0 and "error" not in result.stderr, result.stderr
    paper = paper_files.read_page(path)[0]
    assert (paper.upvotes, paper.status) == (12, "read")
    assert "status: unread\nupvotes: 12\nstatus: skimmed\nstatus:\tread\n" in path.read_text()


BAD_PAGES = {  # page text, the line of the problem (the `---` line is line 1), message
    "impossible date": ("---\ntitle: T\nupvotes: 1\ndate: 2024-02-30\n---\nBody\n", 4,
                        "front matter: '2024-02-30' is not a valid date"),
    "impossible date, BOM and CRLF": (
        "\ufeff---\r\ntitle: T\r\nupvotes: 1\r\ndate: 2024-02-30\r\n---\r\nBody\r\n", 4,
        "front matter: '2024-02-30' is not a valid date"),
    "YAML error": ("---\ntitle: T\nupvotes: 1\nstatus: read\n  oops: x\n---\n", 5,
                   "front matter: mapping values are not allowed"),
    "not a number": ("---\ntitle: T\n\nupvotes: many\n---\nupvotes: 3\n", 4,
                     "upvotes: expected a whole number"),
    "empty explicit int": ("---\ntitle: T\nrating: !!int\n---\n", 3,
                           "front matter: '' is not a valid whole number"),
}


@pytest.mark.parametrize("case", list(BAD_PAGES))
def test_page_errors_are_one_line_naming_file_and_line(project, case):
    text, line, message = BAD_PAGES[case]
    (project / "content" / "papers" / "bad-page.md").write_bytes(text.encode("utf-8"))
    result = sitegen(project, "import")
    assert result.returncode == 0, result.stderr
    warnings = [w for w in result.stderr.splitlines() if "bad-page.md" in w]
    assert len(warnings) == 1 and f"bad-page.md:{line}: {message}" in warnings[0], warnings
    assert "page not updated" in warnings[0]
    result = sitegen(project, "build")
    assert result.returncode == 2 and "internal error" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: content/papers/bad-page.md:{line}: {message}"), result.stderr


def test_temporary_files_left_by_a_killed_import_are_removed(imported):
    """Only atomic_write's own temporary files, only those older than the import."""
    papers = imported / "content" / "papers"
    stale = papers / f".{OGEN}.md.k1ll3d_x.tmp"
    other_run = papers / f".{OGEN}.md.abcd1234.tmp"  # newer than this run: not ours to take
    mine = [papers / ".notes.tmp", papers / "draft.md.tmp", papers / f".{OGEN}.md.short.tmp"]
    for path in (stale, other_run, *mine):
        path.write_text("---\ntitle: half-written\n", encoding="utf-8")
    os.utime(stale, (time.time() - 3600,) * 2)
    os.utime(other_run, (time.time() + 3600,) * 2)
    pages_before = {p.name: p.read_bytes() for p in papers.glob("*.md")}
    result = sitegen(imported, "import")
    assert result.returncode == 0 and "; 0 warnings" in result.stderr, result.stderr
    assert not stale.exists() and other_run.exists() and all(p.exists() for p in mine)
    assert {p.name: p.read_bytes() for p in papers.glob("*.md")} == pages_before
    result = sitegen(imported, "build")  # the page loader never takes one for a page
    assert result.returncode == 0 and f" {len(pages_before)} paper," in result.stderr


def test_the_new_reviews_git_ignores_temporary_files(tmp_path):
    assert sitegen(tmp_path, "new", "review").returncode == 0
    site = tmp_path / "review"
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    names = [f"content/papers/.{OGEN}.md.k1ll3d_x.tmp", f"content/papers/{OGEN}.md"]
    ignored = subprocess.run(["git", "check-ignore", *names], cwd=site, capture_output=True,
                             text=True).stdout.split()
    assert ignored == names[:1]


def test_a_deleted_page_comes_back_with_the_next_import_and_hidden_stays_hidden(imported):
    """As the README says: deleting a page is undone by the next import (its dump still
    holds the paper); `hidden: true` keeps the paper out of the site for good."""
    path = ogen_page(imported)
    path.unlink()
    assert sitegen(imported, "import").returncode == 0
    assert paper_files.read_page(path)[0].title == test_importer.OGEN_TITLE
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\nhidden: true\n", 1),
                    encoding="utf-8")
    test_importer.add_dump(imported, "004_newer.txt", test_importer.newer_ogen_dump(12))
    assert sitegen(imported, "import").returncode == 0
    paper = paper_files.read_page(path)[0]
    assert paper.hidden and paper.upvotes == 12
