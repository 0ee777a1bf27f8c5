"""The fast front-matter reader may decline a document, but never read it differently."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import frontmatter, pages
from sitegen.model import Paper


def agrees_with_pyyaml(text: str) -> bool:
    fast = frontmatter.parse(text)
    if fast is None:
        return True
    try:
        reference = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False  # we accepted what YAML rejects
    return fast == reference and type(fast) is type(reference)


def head(page: str) -> str:
    return page.split("---\n")[1]


def test_example_pages_use_the_fast_path(imported):
    for path in (imported / "content" / "papers").glob("*.md"):
        text = head(path.read_text(encoding="utf-8"))
        assert frontmatter.parse(text) is not None, path.name
        assert agrees_with_pyyaml(text), path.name


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(title=text.filter(str.strip), abstract=text, org=text, tags=st.lists(text, max_size=4),
       upvotes=st.none() | st.integers(0, 10**6), date=st.none() | st.dates(),
       extra=st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
                             st.none() | st.booleans() | st.integers() | text, max_size=3))
def test_generated_pages_agree_with_pyyaml(title, abstract, org, tags, upvotes, date, extra):
    extra = {k: v for k, v in extra.items() if k not in pages.KNOWN and k != pages.IMPORTED}
    paper = Paper(slug="p", title=title, abstract=abstract, organization=org or None,
                  tags=tuple(tags), upvotes=upvotes, date=date, extra=extra)
    assert agrees_with_pyyaml(head(pages.new_page(paper)))


# Fragments rather than characters, so lines, indentation, keys and blocks actually occur.
yaml_ish = st.lists(st.sampled_from(
    ["a", "b", "1", "-", ":", " ", "'", '"', "|", "|-", "[", "]", "{", "}", ",", "#", "&", "*",
     "!", ">", "%", "@", "`", "\n", "\\", "\t", ".", "x", "No", "~", "key: ", "\n  ",
     "\n    ", "2024-01-02", "0x1", "é", "\u2028", "imported:\n  k: ", "\x7f", "\x00", "\r",
     "\x85", "\ufeff", "\u3000", "k-y", "[a,]", "[ ]", "[a, b]", ", ", "0b1", "yes"]),
    max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(yaml_ish)
def test_arbitrary_yaml_like_text_is_never_misread(raw):
    assert agrees_with_pyyaml(raw)


def test_typed_values_and_declines():
    assert frontmatter.parse("date: 2024-02-29\nupvotes: 3\nhidden: true\nx: 'a: b'\n") == {
        "date": dt.date(2024, 2, 29), "upvotes": 3, "hidden": True, "x": "a: b"}
    for declined in ("a: yes\n", "a: 0x1F\n", "a: 1.5\n", "a: *ref\n", "# c\na: b\n",
                     "a: b # c\n", "a: [1, 2]\n"):
        assert frontmatter.parse(declined) is None, declined


def test_repeated_values_are_not_shared_between_pages():
    first = frontmatter.parse("tags: [a, b]\n")
    first["tags"].append("mine")
    assert frontmatter.parse("tags: [a, b]\n") == {"tags": ["a", "b"]}


# ---------------------------------------------------------------- the writer

def writes_like_pyyaml(data: dict) -> bool:
    fast = frontmatter.dump(data)
    return fast is None or fast == pages._pyyaml(data)


# Fragments around every rule of the emitter: indicators, quotes, spaces, breaks, YAML's
# typed words, characters libyaml escapes, and lengths either side of the literal cut-off.
scalar_ish = st.lists(st.sampled_from(
    ["a", "B", "1", " ", "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">",
     "'", '"', "%", "@", "`", ".", "---", "...", "\n", "\n\n", "\t", "\r", "é", "\xa0",
     "\u2028", "\x85", "\ufeff", "🚀", "\x7f", "yes", "No", "null", "~", "0x1", "1.5", "=",
     "<<", "2024-01-02", "true", "x" * 40]), max_size=12).map("".join)
keys = st.sampled_from(["title", "tags", "a-b", "_x", "no", "on", "y", "null", "a b", "-x",
                        "k" * 45, "ü", "1"])


def documents_of(keys, text):
    """Mappings as pages hold them; a list makes a mapping block style, as on every page
    (without one PyYAML writes {a: 1})."""
    scalars = st.none() | st.booleans() | st.integers() | st.dates() | text | st.floats()
    values = scalars | st.lists(text | st.integers(), max_size=3)
    nested = st.dictionaries(keys, values, max_size=3).map(lambda d: {**d, "tags": []})
    return st.tuples(st.dictionaries(keys, values | nested, max_size=5),
                     st.lists(text, max_size=2)).map(lambda p: {**p[0], "sources": p[1]})


documents = documents_of(keys, scalar_ish)
# Characters the writer handles itself, so most documents take its path.
page_like = documents_of(st.sampled_from(["title", "date", "a-b", "_x", "abstract"]),
                         st.lists(st.sampled_from(["a", "B", "1", " ", "-", ":", "'", "#",
                                                   ",", "[", "é", "\n", "x" * 40, "no"]),
                                  max_size=8).map("".join))


@settings(max_examples=1500, deadline=None)
@given(documents | page_like)
def test_writer_writes_what_pyyaml_writes(data):
    assert writes_like_pyyaml(data)


@settings(max_examples=500, deadline=None)
@given(scalar_ish, st.sampled_from(["flow", "block", "nested"]))
def test_writer_quotes_each_string_as_pyyaml_does(text, where):
    data = {"flow": {"a": [text]}, "block": {"a": text, "b": []},
            "nested": {"a": {"b": text, "c": []}}}[where]
    assert writes_like_pyyaml(data)


def test_writer_leaves_shared_objects_to_pyyaml():
    tags, day = ["a"], dt.date(2024, 1, 2)
    assert frontmatter.dump({"a": tags, "b": tags}) is None
    assert frontmatter.dump({"a": day, "b": day, "c": []}) is None
    assert writes_like_pyyaml({"a": tags, "b": list(tags)})


def test_example_pages_are_written_without_pyyaml(imported):
    for path in (imported / "content" / "papers").glob("*.md"):
        meta = pages.read_page(path)[1]
        assert frontmatter.dump(meta) == pages._pyyaml(meta), path.name


@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"(0b|0x)?[0-9a-f_.x-]{0,14}", fullmatch=True))
def test_hashes_taken_for_strings_are_strings_to_yaml(text):
    if frontmatter._HASH.match(text):
        assert frontmatter._tag(text) == "tag:yaml.org,2002:str"
