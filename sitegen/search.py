"""Search: the prebuilt lunr index and the small records the browser shows as results.

Text is folded before lunr sees it, here for documents and in search-worker.js for queries,
by the same rules: compatibility forms (full-width letters, ligatures) and accents reduced to
their base letters, lower case, apostrophes dropped ("model's" -> "models"), everything that is
not a letter or a digit turned into a space. Folding makes what the reader types and what the
paper says meet, whatever punctuation, script width or accents either uses; it also leaves
lunr.js's tokenizer and ASCII-only trimmer nothing to disagree about, so the pipeline runs
without the trimmer and letters of any script stay searchable.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import lunrjs, mathtext, shards, urls
from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.model import Paper, Site

# title is boosted: a word in the title says more about the paper than one in the abstract.
# The *_pairs fields hold adjacent words as single terms (see pairs()): a quoted phrase
# requires them, and plain queries add them as optional terms, so papers that write the words
# together, in the title above all, rank above papers that scatter them. The worker knows
# the pairs fields' names (search-worker.js: PAIR_FIELDS).
FIELDS = (lunrjs.Field("title", 10), lunrjs.Field("tags", 3), lunrjs.Field("abstract"),
          lunrjs.Field("notes"), lunrjs.Field("author", 3), lunrjs.Field("organization", 2),
          lunrjs.Field("title_pairs", 20, finished=True),
          lunrjs.Field("text_pairs", 5, finished=True))
PIPELINE = ("stopWordFilter", "stemmer")
SEARCH_PIPELINE = ("stemmer",)  # what lunr.js runs on query terms (its builder's default)
# Joins a pair's terms. Folding keeps only letters and digits; a digit would break lunr.js,
# whose TokenSet tells states apart by strings of edge labels and state numbers (edges
# 0->12, 3->4 and 0->1, 2->34 both read "01234") and then matches terms it does not hold
# (a TypeError in lunr.Index.query). An ASCII letter keeps pair texts on tokens()' fast
# path; "q" is rare in stems (64 of the example's 3,077), and a pair is ambiguous only if
# one of its words holds it. Must equal PAIR_JOINER in the worker.
PAIR_JOINER = "q"
# Words a pair steps over as it steps over stop words: "memorization vs. generalization" and
# "memorization and generalization" are the same pair. Must equal PAIR_SKIPPED in the worker.
PAIR_SKIPPED = frozenset({"vs", "versus"})
SNIPPET_CHARS = 300  # enough for two lines of context under a result
_SNIPPET_SOURCE = SNIPPET_CHARS + 60  # characters read for it, unless many are spaces
LUNR_FILE = Path("node_modules") / "lunr" / "lunr.min.js"
_SITEGEN_ROOT = Path(__file__).resolve().parent.parent

_APOSTROPHES = "'\u2018\u2019\u02bc"
# ASCII folding as one bytes.translate: letters lowered, digits kept, the rest a space.
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if chr(c).isalnum() and c < 128 else 32
                    for c in range(256))
_SPACES = re.compile(r" {2,}")


class _FoldTable(dict):
    """str.translate table built on demand: marks and apostrophes vanish, non-words -> space."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        category = unicodedata.category(ch)
        if category[0] == "M" or ch in _APOSTROPHES:
            value = None
        elif category[0] in "LN":
            value = ch
        else:
            value = " "
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Text as the index and the query see it: 'Café ＧＰＴ-4o’s' -> 'cafe gpt 4os'.

    Must stay identical to fold() in themes/default/assets/search-worker.js.
    """
    if text.isascii():
        return b" ".join(text.encode().translate(_ASCII_FOLD, b"'").split()).decode()
    low = unicodedata.normalize("NFKD", text).lower()
    return _SPACES.sub(" ", low.translate(_FOLD)).strip()


def tokens(text: str) -> list[str]:
    """lunrjs.tokenize(fold(text)): the words lunr indexes. ASCII text in one pass, as its
    folded form has nothing left for the tokenizer to do but split at spaces."""
    if text.isascii():
        return text.encode().translate(_ASCII_FOLD, b"'").decode().split()
    return lunrjs.tokenize(fold(text))


def snippet(paper: Paper) -> str:
    """The start of the abstract (or notes), cut at a word boundary."""
    source = paper.abstract or paper.notes
    start = source[:SNIPPET_CHARS + 1]
    if len(start) > SNIPPET_CHARS and _spaced_once(start):
        cut = start[:SNIPPET_CHARS]  # the text with its spaces collapsed starts the same
    else:
        text = " ".join(source[:_SNIPPET_SOURCE].split())  # a prefix of the whole text's
        if len(text) <= SNIPPET_CHARS and len(source) > _SNIPPET_SOURCE:
            text = " ".join(source.split())  # mostly spaces: the whole text after all
        if len(text) <= SNIPPET_CHARS:
            return text
        cut = text[:SNIPPET_CHARS]
    return cut[: cut.rfind(" ")].rstrip(" ,;:") + "\u2026" if " " in cut else cut + "\u2026"


def _spaced_once(text: str) -> bool:
    """Whether " ".join(text.split()) == text, and text does not end in a space. Printable
    text has no white space but " " (which split() would see), so this takes no splitting."""
    return (text.isprintable() and "  " not in text and not text.startswith(" ")
            and not text.endswith(" "))


def documents(site: Site) -> tuple[list[tuple[str, tuple[str, ...]]], dict[str, Any]]:
    """(lunr documents, result records). A paper's ref is its position, in decimal: short,
    and ordered the same way whether lunr.js builds the index or loads it."""
    texts, records = _sources(site)
    return [(str(i), tuple(map(fold, with_pairs(t)))) for i, t in enumerate(texts)], records


def with_pairs(texts: tuple[str, ...]) -> tuple[str, ...]:
    """A paper's texts for FIELDS, from its own (title, tags, abstract, notes, authors,
    organisation): the pairs fields added."""
    return (*texts, pairs(texts[0]), pairs(texts[2], texts[3]))


def pairs(*texts: str) -> str:
    """The text of a pairs field: each word folded, tokenized and put through PIPELINE as
    lunr indexes it (stop words and PAIR_SKIPPED words dropped, the rest stemmed), then each
    two neighbours joined, within a text, never across: "Double Descent in Deep Networks" ->
    "doublqdescentq descentqdeepq deepqnetworkq". The joiner ends each pair too: lunr's
    stemmer only ever changes a word's ending, and none of its rules ends in "q", so the
    pipeline leaves pairs as they are (the term is the pair as written, and stemming it
    takes a few suffix checks); the worker makes a query's pairs the same way (see clauses
    in search-worker.js)."""
    joined = []
    for text in texts:
        # Each term with its joiner, then neighbours added up: map() and filter() in C.
        ended = list(filter(None, map(_PAIR_TERMS.__getitem__, tokens(text))))
        joined += map(str.__add__, ended, ended[1:])
    return " ".join(joined)


class _PairTerms(dict):
    """token -> its term and the joiner, or "" for a token no pair holds."""

    def __missing__(self, token: str) -> str:
        term = None if token in PAIR_SKIPPED else lunrjs.pipeline(PIPELINE)(token)
        value = self[token] = term + PAIR_JOINER if term else ""
        return value


_PAIR_TERMS = _PairTerms()


def _sources(site: Site) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    """(each paper's own texts, before folding: with_pairs() makes FIELDS' from them;
    result records)."""
    names = {tag.slug: tag.name for tag in site.tags}
    texts = []
    records = []
    for paper in site.papers:
        tags = list(paper.tag_slugs)
        tag_text = " ".join(names.get(t, t) for t in tags)
        texts.append((paper.title, tag_text, paper.abstract, paper.notes,
                      "\n".join(paper.authors), paper.organization or ""))
        date = paper.date.isoformat() if paper.date else ""
        # Last: the title as its page shows it (MathML, text escaped) when it holds math;
        # "" and results show the text, with the query's words highlighted.
        records.append([urls.paper_path(paper.slug), paper.title, date, tags, snippet(paper),
                        str(mathtext.render(paper.title)) if mathtext.has_math(paper.title)
                        else ""])
    used = sorted({t for record in records for t in record[3]})
    return texts, {"docs": records, "tags": {t: names.get(t, t) for t in used}}


def build_index(site: Site) -> dict[str, Any]:
    lunr_docs, _ = documents(site)
    return lunrjs.build_index(lunr_docs, FIELDS, PIPELINE)


def dumps(data: Any) -> bytes:
    """Compact, sorted, same input -> same bytes; 2.0 written as 2, as JavaScript would."""
    return _json(_ints(data))


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    return value


def lunr_js(config: Config) -> bytes:
    """lunr.min.js from the project's npm install (or sitegen's own), at the version the index
    format follows."""
    for root in (config.root, _SITEGEN_ROOT):
        path = root / LUNR_FILE
        if path.is_file():
            package = json.loads((path.parent / "package.json").read_text(encoding="utf-8"))
            if package.get("version") != lunrjs.VERSION:
                raise SitegenError(
                    f"{path.parent}: lunr {package.get('version')} installed, search needs "
                    f"{lunrjs.VERSION} (run npm ci)")
            return path.read_bytes()
    raise SitegenError(f"{config.root / LUNR_FILE}: not found; search needs lunr.js (run npm ci)")


ENGINE = "search-index.js"  # the theme's script that reads the files below in the worker


@dataclass(frozen=True)
class SearchFiles:
    """What the build writes for search: assets (lunr.js, by asset name) and the index's
    data files (shards.py), which pages reach only through search/manifest.json."""
    assets: dict[str, bytes]
    shards: shards.Shards
    tags: dict[str, str]  # slug -> name, of the tags papers use

    def manifest(self, paths: dict[str, str]) -> bytes:
        """search/manifest.json, given the assets' hashed paths."""
        return shards.manifest(self.shards, [f.name for f in FIELDS], SEARCH_PIPELINE,
                               self.tags, paths[ENGINE])


def search_files(site: Site, config: Config,
                 memo: dict[str, lunrjs.Analysis] | None = None) -> SearchFiles:
    """Every generated file the search needs; the scripts and styles that use them are theme
    assets (search.js, search-worker.js, search-index.js, search.css).

    `memo` keeps what the index needs of each paper's text between builds: pass the dict an
    earlier build left (or an empty one) and only new or changed papers are analysed again;
    afterwards it holds exactly this build's papers (keys: hashes of their texts; values:
    tuples of strings and ints). The files are the same bytes with or without it.
    """
    texts, records = _sources(site)
    docs = ((str(i), paper_texts) for i, paper_texts in enumerate(texts))
    refs, index = lunrjs.postings(docs, FIELDS, PIPELINE, tokens=tokens, memo=memo,
                                  derive=with_pairs)
    profiles = [(record[2][:4], tuple(record[3])) for record in records["docs"]]
    data = shards.build(refs, index, len(FIELDS), records["docs"], profiles)
    return SearchFiles({"lunr.js": lunr_js(config)}, data, records["tags"])
