"""Front matter means what PyYAML reads: the reader, the writer and the in-place update."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen import frontmatter, paper_files
from sitegen.model import Paper

# Stock PyYAML, as sitegen used it before trimming its Python layer: the reference.
_StockLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StockDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


_StockDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if frontmatter.wants_literal(value) else None))


def stock_load(text: str):
    return yaml.load(text, Loader=_StockLoader)


def stock_dump(data) -> str:
    return yaml.dump(data, Dumper=_StockDumper, sort_keys=False, allow_unicode=True,
                     width=10**9, default_flow_style=None)


def reads_as_pyyaml(text: str) -> None:
    try:
        expected = stock_load(text)
    except Exception:  # noqa: BLE001 (also what PyYAML's constructor fails on barely:
        # 2024-02-30, `!!int` with no digits; sitegen's loader says where)
        with pytest.raises(yaml.YAMLError):
            frontmatter.load(text)
        return
    # repr: equal values, types and key order, and recursive lists (&a [*a]) compare too
    assert repr(frontmatter.load(text)) == repr(expected)


def head(page: str) -> str:
    return paper_files.front_matter(page)[0]


# ---------------------------------------------------------------- reproducible properties

def test_every_property_test_in_the_suite_is_reproducible():
    """conftest's profile reaches every @given test: derandomized, no deadline, and the
    blob printed, so a failure in CI is the same failure on any machine."""
    found = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if "hypothesis" not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        for name, test in vars(module).items():
            if getattr(test, "is_hypothesis_test", False):
                chosen = test._hypothesis_internal_use_settings
                assert chosen.derandomize and chosen.deadline is None and chosen.print_blob, (
                    f"{path.name}::{name}")
                found.append(name)
    assert len(found) >= 20


# ---------------------------------------------------------------- reading

# What the hand-written reader of the past read differently from PyYAML (issue 12).
DISAGREED = [
    "imported:\n  k: |\n    a\n",
    "abstract: |\n\n   indented after a blank first line\n",
    "tags: [robustness\u00a0, x\u2003]\n",
    "k" * 1100 + ": long key\n",
    "status: read\t\nupvotes: 3\t\n",
    "title: [what?]\n",
    "tags: [b:?]\n",
    "title: T\nstatus: read\nstatus: unread\n",
]


@pytest.mark.parametrize("text", DISAGREED)
def test_pages_read_as_pyyaml_reads_them(tmp_path, text):
    path = tmp_path / "p.md"
    path.write_text(f"---\n{text}---\nNotes\n", encoding="utf-8")
    try:
        expected = stock_load(text)
    except yaml.YAMLError:
        with pytest.raises(paper_files.SourceError):
            paper_files.read_page(path)
        return
    assert paper_files.read_page(path)[1] == expected


def test_example_pages_read_as_pyyaml_reads_them(imported):
    for path in (imported / "content" / "papers").glob("*.md"):
        text = head(path.read_text(encoding="utf-8"))
        assert paper_files.read_page(path)[1] == stock_load(text), path.name


# Fragments rather than characters, so lines, indentation, keys and blocks actually occur.
yaml_ish = st.lists(st.sampled_from(
    ["a", "b", "1", "-", ":", " ", "'", '"', "|", "|-", "[", "]", "{", "}", ",", "#", "&", "*",
     "!", ">", "%", "@", "`", "\n", "\\", "\t", ".", "x", "No", "~", "key: ", "\n  ",
     "\n    ", "2024-01-02", "0x1", "é", "\u2028", "imported:\n  k: ", "\x7f", "\x00", "\r",
     "\x85", "\ufeff", "\u3000", "k-y", "[a,]", "[ ]", "[a, b]", ", ", "0b1", "yes", "&a ",
     "*a", "<<: ", "!!str ", "!!int ", "=", "2024-02-30", "? ", "\u00a0"]),
    max_size=30).map("".join)


@settings(max_examples=1500)
@given(yaml_ish)
@example("imported:\n  k: |\n    a")
@example("a: &a [1, *a]\n")
@example("<<: {a: 1}\nb: 2\n")
@example("a: 2024-02-30\n")
@example("=: 1\n")
@example("!!int ")
def test_arbitrary_yaml_like_text_reads_as_pyyaml_reads_it(raw):
    reads_as_pyyaml(raw)


def test_an_impossible_date_is_a_yaml_error_with_its_line():
    with pytest.raises(yaml.YAMLError) as info:
        frontmatter.load("title: T\ndate: 2024-02-30\n")
    assert info.value.problem_mark.line == 1 and "'2024-02-30' is not a valid" in str(
        info.value)


# ---------------------------------------------------------------- writing

def writes_as_pyyaml(data: dict) -> None:
    text = frontmatter.dump(data)
    assert text == stock_dump(data)
    assert frontmatter.load(text) == data


# Fragments around every rule of the emitter: indicators, quotes, spaces, breaks, YAML's
# typed words, characters libyaml escapes, and lengths either side of the literal cut-off.
scalar_ish = st.lists(st.sampled_from(
    ["a", "B", "1", " ", "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">",
     "'", '"', "%", "@", "`", ".", "---", "...", "\n", "\n\n", "\t", "\r", "é", "\xa0",
     "\u2028", "\x85", "\ufeff", "🚀", "\x7f", "yes", "No", "null", "~", "0x1", "1.5", "=",
     "<<", "2024-01-02", "true", "x" * 40, "ON", "1:30", "12:30:00", "1e3", ".inf"]),
    max_size=12).map("".join)
keys = st.sampled_from(["title", "tags", "a-b", "_x", "no", "on", "y", "null", "a b", "-x",
                        "k" * 45, "ü", "1"])


def documents_of(keys, text):
    scalars = st.none() | st.booleans() | st.integers() | st.dates() | text
    values = scalars | st.lists(text | st.integers(), max_size=3)
    nested = st.dictionaries(keys, values, max_size=3)
    return st.tuples(st.dictionaries(keys, values | nested, max_size=5),
                     st.lists(text, max_size=2)).map(lambda p: {**p[0], "sources": p[1]})


documents = documents_of(keys, scalar_ish)
# Characters the direct writer handles itself, so most documents take its path.
page_like = documents_of(st.sampled_from(["title", "date", "a-b", "_x", "abstract"]),
                         st.lists(st.sampled_from(["a", "B", "1", " ", "-", ":", "'", "#",
                                                   ",", "[", "é", "\n", "x" * 40, "no"]),
                                  max_size=8).map("".join))


@settings(max_examples=1500)
@given(documents | page_like.map(lambda d: {**d, "tags": []}))
@example({"organization": "ON", "a": "1:30", "b": "12:30:00", "c": "0x1F", "d": ".inf",
          "tags": []})
def test_writer_writes_what_pyyaml_writes_and_reads_back(data):
    writes_as_pyyaml(data)


@settings(max_examples=500)
@given(scalar_ish, st.sampled_from(["flow", "block", "nested"]))
def test_direct_writer_quotes_each_string_as_pyyaml_does(text, where):
    data = {"flow": {"a": [text], "b": []}, "block": {"a": text, "b": []},
            "nested": {"a": {"b": text, "c": []}}}[where]
    writes_as_pyyaml(data)


def test_new_pages_write_what_pyyaml_writes(imported):
    for path in (imported / "content" / "papers").glob("*.md"):
        meta = paper_files.read_page(path)[1]
        assert frontmatter._direct(meta) == stock_dump(meta), path.name  # and directly


@settings(max_examples=2000)
@given(st.from_regex(r"(0b|0x)?[0-9a-f_.x-]{0,14}", fullmatch=True))
def test_hashes_taken_for_strings_are_strings_to_yaml(text):
    if frontmatter._HASH.match(text):
        assert frontmatter._plain_tag(text) == "tag:yaml.org,2002:str"


@settings(max_examples=300)
@given(title=scalar_ish.filter(str.strip), abstract=scalar_ish, org=scalar_ish,
       tags=st.lists(scalar_ish, max_size=4), upvotes=st.none() | st.integers(0, 10**6),
       date=st.none() | st.dates())
def test_generated_pages_read_back_as_written(title, abstract, org, tags, upvotes, date):
    paper = Paper(slug="p", title=title, abstract=abstract, organization=org or None,
                  tags=tuple(tags), upvotes=upvotes, date=date)
    text = paper_files.new_page(paper)
    assert frontmatter.load(head(text)) == paper_files.page_meta(
        paper, paper_files._fingerprints(paper))


# ---------------------------------------------------------------- updating in place

PAGE = paper_files.new_page(Paper(
    slug="p", title="A Title", abstract="First line.\n\nSecond paragraph " + "x" * 100,
    date=dt.date(2024, 1, 2), upvotes=3, author_count=4, organization="Org",
    links=("https://a.org",), sources=("000.txt",), tags=("alpha", "beta")))

# How curators reshape a page (each replaces text of the page as the importer wrote it).
RESHAPES = [
    ("title: A Title\n", "title: >-\n  A\n  Title\n"),
    ("title: A Title\n", "# about this paper\ntitle: 'A Title'  # mine\n"),
    ("\ntags: [alpha, beta]\n", "\ntags:\n  - alpha\n  - beta\n"),
    ("\ntags: [alpha, beta]\n", "\ntags:\n- alpha   # first\n- beta\n"),
    ("sources: ['000.txt']\n", "sources:\n  - 000.txt\n"),
    ("upvotes: 3\n", "upvotes:   3   # from HF\n"),
    ("upvotes: 3\n", ""),
    ("organization: Org\n", "organization:\n"),
    ("imported:\n", "status: read\nimported:   # do not edit\n"),
    ("  key: ", "  # the key\n  key: "),
    ("abstract: |-\n", "abstract: |\n"),
    ("---\n", "---\nrating: 4\n"),
]
CHANGES = st.fixed_dictionaries({}, optional={
    "upvotes": st.integers(0, 10**6), "title": scalar_ish.filter(str.strip),
    "organization": scalar_ish, "tags": st.lists(scalar_ish, max_size=3),
    "sources": st.lists(st.sampled_from(["000.txt", "001.txt", "ON"]), min_size=1, max_size=2),
    "date": st.dates(), "abstract": scalar_ish, "authors": st.integers(1, 9),
    paper_files.IMPORTED: st.dictionaries(st.sampled_from(["key", "title", "upvotes", "tags"]),
                                    scalar_ish | st.lists(scalar_ish, max_size=2),
                                    min_size=1)})


@settings(max_examples=400)
@given(st.lists(st.sampled_from(RESHAPES), max_size=4, unique=True), CHANGES,
       st.booleans())
@example([], {"organization": "ON"}, False)
@example([RESHAPES[2]], {"tags": ["alpha", "beta", "gamma"]}, True)
def test_updates_in_place_read_back_as_meant(reshapes, values, crlf):
    """The in-place edit itself (not its fallback) gives what PyYAML reads as the old front
    matter with the new values, whatever the curator's layout."""
    text = head(PAGE)
    for old, new in reshapes:
        text = text.replace(old, new, 1)
    if crlf:
        text = text.replace("\n", "\r\n")
    before = frontmatter.load(text)
    newline = "\r\n" if crlf else "\n"
    try:
        edited = frontmatter._edit(text, before, values, paper_files.IMPORTED, newline)
    except frontmatter._Unsupported:  # only a literal block ending in \u2028 (or \x85...)
        assert any(c in repr(values) for c in ("\\x85", "\\u2028", "\\u2029"))
        return
    assert frontmatter.load(edited) == frontmatter._with(before, values, paper_files.IMPORTED)
    assert ("\r\n" in edited) == crlf and ("\n" not in edited.replace("\r\n", "")) == crlf
    assert frontmatter._edit(text, before, {}, paper_files.IMPORTED, newline) == text


def test_an_update_the_edit_cannot_make_still_sets_the_values():
    text = "{title: T, upvotes: 1}\n"  # a flow mapping for front matter: written anew
    assert frontmatter.load(frontmatter.update(text, {"upvotes": 2}, "imported")) == {
        "title": "T", "upvotes": 2}
