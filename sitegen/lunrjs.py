"""lunr.js 2.3.9 in Python: its text pipeline and its index builder, term for term.

lunr.py is the Python port of lunr.js, but three of its text functions differ from the ones the
browser runs: its stemmer is another Porter implementation ("try" -> "try", lunr.js "tri"), its
trimmer knows Unicode letters where lunr.js's `\\W` is ASCII-only, and its tokenizer splits on
fewer spaces than JavaScript's `\\s`. An index built with them is loadable in lunr.js but holds
terms the browser never produces, so some words cannot be found. This module follows lunr.js
instead, including its UTF-16 view of strings and its rounding, and builds the index with
lunr.py's algorithm (lunr.Builder) without its cost: each distinct token goes through the
pipeline once (memoised), not once per occurrence; each document is analysed once, by itself
(and can be remembered between builds); the scores and the JSON text are then made for the
whole collection at once, on arrays.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import _count_elements  # Counter's counting loop, without its set-up
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import Any

import numpy as np
from lunr.stop_word_filter import WORDS as _LUNR_STOP_WORDS

VERSION = "2.3.9"  # the lunr.js version whose index format and text pipeline this follows

# JavaScript's \s: WhiteSpace (Zs, TAB, VT, FF, BOM) and LineTerminator (LF, CR, LS, PS).
JS_SPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
            "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
_SEPARATOR = re.compile("[" + re.escape(JS_SPACE) + r"\-]+")  # lunr.tokenizer.separator
_TRIM = re.compile(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$")  # lunr.trimmer: JavaScript's ASCII \W
STOP_WORDS = frozenset(_LUNR_STOP_WORDS)  # the same list as lunr.stopWordFilter


_NOT_JS_SPACE = re.compile("[\x1c-\x1f]")  # ASCII that str.split() splits on, JavaScript not


def tokenize(text: str) -> list[str]:
    """lunr.tokenizer: lower-case, split on whitespace and hyphens."""
    low = text.lower()
    if low.isascii() and not _NOT_JS_SPACE.search(low):
        return low.replace("-", " ").split()  # the same split, several times faster
    return [t for t in _SEPARATOR.split(low) if t]


def trimmer(token: str) -> str:
    return _TRIM.sub("", token)


def stop_word_filter(token: str) -> str | None:
    return None if token in STOP_WORDS else token


# ---------------------------------------------------------------- lunr.stemmer

# lunr.js's regex formulation of the Porter stemmer, rule for rule. JavaScript regexes see
# UTF-16 code units and `.` does not match line terminators; _utf16 reproduces the former.
_DOT = "[^\n\r\u2028\u2029]"
_c, _v = "[^aeiou]", "[aeiouy]"
_CS, _VS = _c + "[^aeiouy]*", _v + "[aeiou]*"
_MGR0 = re.compile(f"^({_CS})?{_VS}{_CS}")
_MEQ1 = re.compile(f"^({_CS})?{_VS}{_CS}({_VS})?\\Z")
_MGR1 = re.compile(f"^({_CS})?{_VS}{_CS}{_VS}{_CS}")
_S_V = re.compile(f"^({_CS})?{_v}")
_1A = re.compile(f"^({_DOT}+?)(ss|i)es\\Z")
_1A2 = re.compile(f"^({_DOT}+?)([^s])s\\Z")
_1B = re.compile(f"^({_DOT}+?)eed\\Z")
_1B2 = re.compile(f"^({_DOT}+?)(ed|ing)\\Z")
_LAST = re.compile(f"{_DOT}\\Z")
_1B_AT = re.compile("(at|bl|iz)\\Z")
_1B_DOUBLE = re.compile("([^aeiouylsz])\\1\\Z")
_CVC = re.compile(f"^{_CS}{_v}[^aeiouwxy]\\Z")
_1C = re.compile(f"^({_DOT}+?[^aeiou])y\\Z")
_STEP2 = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
          "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous",
          "ization": "ize", "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive",
          "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble",
          "logi": "log"}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "",
          "ness": ""}
_2 = re.compile(f"^({_DOT}+?)({'|'.join(_STEP2)})\\Z")
_3 = re.compile(f"^({_DOT}+?)({'|'.join(_STEP3)})\\Z")
_4_RULES = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou",
            "ism", "ate", "iti", "ous", "ive", "ize")
_4 = re.compile(f"^({_DOT}+?)({'|'.join(_4_RULES)})\\Z")
_4B = re.compile(f"^({_DOT}+?)(s|t)(ion)\\Z")
_5 = re.compile(f"^({_DOT}+?)e\\Z")
_2_SUFFIXES, _3_SUFFIXES = tuple(_STEP2), tuple(_STEP3)
_4_SUFFIXES = (*_4_RULES, "ion")


def _porter(w: str) -> str:
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]
    # Each rule is tried only on words with one of its suffixes: a regex that cannot match
    # costs more than the endswith() that rules it out.
    # Step 1a
    if w.endswith("s"):
        if m := _1A.match(w):
            w = m[1] + m[2]
        elif m := _1A2.match(w):
            w = m[1] + m[2]
    # Step 1b
    if w.endswith(("ed", "ing")):
        if m := _1B.match(w):
            if _MGR0.match(m[1]):
                w = _LAST.sub("", w, count=1)
        elif m := _1B2.match(w):
            stem = m[1]
            if _S_V.match(stem):
                w = stem
                if _1B_AT.search(w):
                    w += "e"
                elif _1B_DOUBLE.search(w):
                    w = _LAST.sub("", w, count=1)
                elif _CVC.match(w):
                    w += "e"
    # Step 1c
    if w.endswith("y") and (m := _1C.match(w)):
        w = m[1] + "i"
    # Step 2
    if w.endswith(_2_SUFFIXES) and (m := _2.match(w)) and _MGR0.match(m[1]):
        w = m[1] + _STEP2[m[2]]
    # Step 3
    if w.endswith(_3_SUFFIXES) and (m := _3.match(w)) and _MGR0.match(m[1]):
        w = m[1] + _STEP3[m[2]]
    # Step 4
    if w.endswith(_4_SUFFIXES):
        if m := _4.match(w):
            if _MGR1.match(m[1]):
                w = m[1]
        elif (m := _4B.match(w)) and _MGR1.match(m[1] + m[2]):
            w = m[1] + m[2]
    # Step 5
    if w.endswith("e") and (m := _5.match(w)):
        stem = m[1]
        if _MGR1.match(stem) or (_MEQ1.match(stem) and not _CVC.match(stem)):
            w = stem
    if w.endswith("ll") and _MGR1.match(w):
        w = _LAST.sub("", w, count=1)
    if first_y:
        w = "y" + w[1:]
    return w


def _utf16(text: str) -> str:
    """Astral characters as surrogate pairs, so regexes and len() see what JavaScript sees."""
    return "".join(ch if ch <= "\uffff" else _surrogates(ord(ch) - 0x10000) for ch in text)


def _surrogates(offset: int) -> str:
    return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))


def _from_utf16(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def stemmer(token: str) -> str:
    """lunr.stemmer."""
    if token and max(token) > "\uffff":
        return _from_utf16(_porter(_utf16(token)))
    return _porter(token)


# ---------------------------------------------------------------- pipeline

PipelineFunction = Callable[[str], "str | None"]
FUNCTIONS: dict[str, PipelineFunction] = {
    "trimmer": trimmer, "stopWordFilter": stop_word_filter, "stemmer": stemmer}
DEFAULT_PIPELINE = ("trimmer", "stopWordFilter", "stemmer")  # lunr.js's own default


def pipeline(names: Sequence[str]) -> PipelineFunction:
    """One token through the named lunr.js functions; None when a function drops it.

    Memoised: an abstract repeats most of its words, and a collection repeats its vocabulary,
    so each distinct token is processed once instead of at every occurrence. The functions are
    pure, so the memo lasts as long as the process; a dict lookup is the cheapest call.
    """
    return _pipeline(tuple(names)).__getitem__


@cache
def _pipeline(names: tuple[str, ...]) -> dict[str, str | None]:
    return _Terms(FUNCTIONS[name] for name in names)


class _Terms(dict):
    def __init__(self, functions: Iterable[PipelineFunction]):
        super().__init__()
        self.functions = tuple(functions)

    def __missing__(self, token: str) -> str | None:
        out: str | None = token
        for fn in self.functions:
            out = fn(out)
            if out is None:  # lunr drops null results, but keeps a token trimmed to ""
                break
        self[token] = out
        return out


# ---------------------------------------------------------------- analysis

# A document as the index needs it: its terms field after field (within a field in order of
# first occurrence, the order in which lunr numbers new terms), how often each occurs in its
# field, and how many terms each field has. It depends on the document's own text only, so it
# can be kept between builds; the scores depend on the whole collection and cannot.
Analysis = tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]


def analyse(texts: Iterable[str], run: PipelineFunction,
            tokens: Callable[[str], list[str]] = tokenize,
            finished: Sequence[bool] = ()) -> Analysis:
    """`finished[i]`: the i-th text is its terms already (see Field.finished)."""
    terms: list[str] = []
    counts: list[int] = []
    sizes: list[int] = []
    for i, text in enumerate(texts):
        # The memoised pipeline maps tokens to terms and Counter's helper counts them, both
        # in C, keeping first occurrences in order.
        tf: dict[str | None, int] = {}
        _count_elements(tf, text.split() if i < len(finished) and finished[i]
                        else map(run, tokens(text)))
        tf.pop(None, None)  # tokens the pipeline dropped (stop words)
        terms += tf
        counts += tf.values()
        sizes.append(len(tf))
    return tuple(terms), tuple(counts), tuple(sizes)


def _analysed(docs: Iterable[tuple[str, Sequence[str]]], pipeline_names: Sequence[str],
              tokens: Callable[[str], list[str]], memo: dict[str, Analysis] | None,
              finished: tuple[bool, ...] = (),
              derive: Callable[[Sequence[str]], Sequence[str]] | None = None,
              ) -> tuple[list[str], list[Analysis]]:
    """(refs, analyses) of the documents. With a memo, an analysis is looked up there under a
    hash of the texts and of how they are analysed, and made only if missing; the memo is
    then left holding exactly these documents' analyses, so it never outgrows the collection.
    `derive` makes the fields' texts from a document's texts, only for the analyses made.
    """
    run = pipeline(pipeline_names)
    made = (lambda texts: derive(texts)) if derive else (lambda texts: texts)
    how = repr((VERSION, tuple(pipeline_names), f"{tokens.__module__}.{tokens.__qualname__}",
                finished, derive and f"{derive.__module__}.{derive.__qualname__}"))
    refs: list[str] = []
    analyses: list[Analysis] = []
    kept: dict[str, Analysis] = {}
    for ref, texts in docs:
        if memo is None:
            analysis = analyse(made(texts), run, tokens, finished)
        else:
            key = hashlib.blake2b(repr((how, *texts)).encode(), digest_size=16).hexdigest()
            analysis = kept[key] = memo.get(key) or analyse(made(texts), run, tokens, finished)
        refs.append(ref)
        analyses.append(analysis)
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return refs, analyses


# ---------------------------------------------------------------- builder

@dataclass(frozen=True)
class Field:
    name: str
    boost: float = 1
    # The field's text is its terms already, separated by spaces, each one that lunr.js's
    # tokenizer and pipeline leave as it is (the caller's promise): they skip both, and the
    # pipeline's memo, which would otherwise keep every such term for the process's life.
    finished: bool = False


def build_index_json(docs: Iterable[tuple[str, Sequence[str]]], fields: Sequence[Field],
                     pipeline_names: Sequence[str] = DEFAULT_PIPELINE,
                     search_pipeline: Sequence[str] = ("stemmer",),
                     k1: float = 1.2, b: float = 0.75, *,
                     tokens: Callable[[str], list[str]] = tokenize,
                     memo: dict[str, Analysis] | None = None) -> bytes:
    """What JSON.stringify writes for the lunr.Index that lunr.Builder builds from these
    documents, except that empty field vectors are left out (lunr.js never reads them: only
    matched fields are scored) but for the first field's, which keeps every document listed
    for queries made only of prohibited terms.

    `docs` yields (ref, one text per field); refs must be unique, as lunr.js requires.
    `tokens` splits a text (lunr.js's tokenizer by default); `memo` (see _analysed) keeps
    documents' analyses between builds: the bytes are the same with or without it, whatever
    it holds.
    """
    refs, analyses = _analysed(docs, pipeline_names, tokens, memo,
                               tuple(f.finished for f in fields))
    return _index_json(refs, analyses, fields, search_pipeline, k1, b)


def build_index(docs: Iterable[tuple[str, Sequence[str]]], fields: Sequence[Field],
                pipeline_names: Sequence[str] = DEFAULT_PIPELINE,
                search_pipeline: Sequence[str] = ("stemmer",),
                k1: float = 1.2, b: float = 0.75, **options: Any) -> dict:
    """build_index_json() as the serialised lunr.Index, which dumps() writes back the same."""
    return json.loads(build_index_json(docs, fields, pipeline_names, search_pipeline, k1, b,
                                       **options))


# The index is computed on arrays with one entry per element (a term of a document's field):
# numpy does lunr.js's arithmetic on doubles operation for operation, so it rounds the same,
# and the JSON is joined from shared strings (term numbers, scores, refs), so no Python code
# runs per element.

def _index_json(refs: list[str], analyses: list[Analysis], fields: Sequence[Field],
                search_pipeline: Sequence[str], k1: float, b: float) -> bytes:
    names = [f.name for f in fields]
    terms, ids, segment, sizes, scores = _elements(analyses, fields, len(refs), k1, b)
    vectors = _field_vectors(refs, names, ids, scores, segment, sizes, len(terms))
    del scores
    inverted = _inverted_index(terms, refs, names, ids, segment)
    return b"".join((  # one join of all the parts: the text is copied once
        b'{"version":', _json(VERSION), b',"fields":', _json(names), b',"fieldVectors":[',
        *vectors, b'],"invertedIndex":[', *inverted, b'],"pipeline":',
        _json(list(search_pipeline)), b"}"))


@dataclass(frozen=True)
class Postings:
    """The index as arrays, for writing it in other layouts than lunr.js's (search shards):
    per element (a term of a document's field, by document, field, then term number) its
    term number, its document field (doc * fields + field) and Math.round(score * 1000);
    `terms` by number, numbered as lunr.js numbers them (the vectors' indexes)."""
    terms: list[str]
    ids: np.ndarray
    segment: np.ndarray
    scores: np.ndarray
    sizes: np.ndarray  # elements per document field


def postings(docs: Iterable[tuple[str, Sequence[str]]], fields: Sequence[Field],
             pipeline_names: Sequence[str] = DEFAULT_PIPELINE, k1: float = 1.2,
             b: float = 0.75, *, tokens: Callable[[str], list[str]] = tokenize,
             memo: dict[str, Analysis] | None = None,
             derive: Callable[[Sequence[str]], Sequence[str]] | None = None,
             ) -> tuple[list[str], Postings]:
    """(refs, the index's arrays): what build_index_json() writes, before writing it.
    `derive(texts)`: one text per field from a document's own texts (which then key the
    memo), called only for the documents the memo does not hold."""
    refs, analyses = _analysed(docs, pipeline_names, tokens, memo,
                               tuple(f.finished for f in fields), derive)
    terms, ids, segment, sizes, scores = _elements(analyses, fields, len(refs), k1, b)
    return refs, Postings(terms, ids, segment, scores, sizes)


def _elements(analyses: list[Analysis], fields: Sequence[Field], doc_count: int, k1: float,
              b: float):
    terms, ids, freqs, sizes = _flatten(analyses, len(fields))
    segment = np.repeat(np.arange(len(sizes)), sizes)  # per element: doc * fields + field
    scores = _scaled_scores(ids, freqs, segment, sizes, fields, doc_count, k1, b)
    return terms, ids, segment, sizes, scores


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _flatten(analyses: list[Analysis], n_fields: int):
    """The terms, numbered in order of first occurrence; per element its term number and its
    count; per document field its number of elements."""
    if any(len(sizes) != n_fields for _, _, sizes in analyses):
        raise ValueError(f"every document needs {n_fields} texts, one per field")
    sizes = np.fromiter(chain.from_iterable(a[2] for a in analyses), np.intp,
                        count=len(analyses) * n_fields)
    count = int(sizes.sum())
    number = _Numbers()
    ids = np.fromiter(map(number.__getitem__, chain.from_iterable(a[0] for a in analyses)),
                      np.intp, count=count)
    freqs = np.fromiter(chain.from_iterable(a[1] for a in analyses), np.int64, count=count)
    return list(number), ids, freqs, sizes


class _Numbers(dict):
    """Numbers keys in order of first lookup."""

    def __missing__(self, key: str) -> int:
        self[key] = number = len(self)
        return number


def _scaled_scores(ids, freqs, segment, sizes, fields: Sequence[Field], doc_count: int,
                   k1: float, b: float):
    """Math.round(score * 1000) of every element: lunr.js's BM25, its expressions in its
    order, so that every intermediate double is the one lunr.js gets."""
    n_fields = len(fields)
    ends = np.cumsum(sizes)
    running = np.concatenate(([0], np.cumsum(freqs)))
    lengths = running[ends] - running[ends - sizes]  # terms kept, per document field
    totals = [int(lengths[f::n_fields].sum()) for f in range(n_fields)]
    average = np.array([t / doc_count if doc_count else 1.0 for t in totals])
    field = np.arange(len(sizes)) % n_fields
    with np.errstate(divide="ignore", invalid="ignore"):  # fields without terms: 0 / 0
        norm = k1 * (1 - b + b * (lengths / average[field]))
    boost = np.array([f.boost or 1 for f in fields], dtype=np.float64)[field]
    score = (_idf(ids, doc_count)[ids] * ((k1 + 1) * freqs) / (norm[segment] + freqs)
             * boost[segment])
    scaled = score * 1000
    whole = np.floor(scaled)
    whole += (scaled - whole) >= 0.5  # Math.round: halves round up, unlike numpy's round
    return whole


def _idf(ids, doc_count: int):
    """lunr.idf of each term, which counts a document once per field holding the term."""
    with_term, where = np.unique(np.bincount(ids), return_inverse=True)
    return np.array([math.log(1 + abs((doc_count - n + 0.5) / (n + 0.5)))
                     for n in with_term.tolist()])[where]


def js_round3(score: float) -> int | float:
    """Math.round(score * 1000) / 1000, as lunr.js rounds scores: halves round up, unlike
    Python's round(); a whole number comes back as an int, written 2 as JavaScript writes it.
    (_scaled_scores does the first half on arrays.)"""
    scaled = score * 1000
    whole = math.floor(scaled)
    if scaled - whole >= 0.5:
        whole += 1
    return whole // 1000 if whole % 1000 == 0 else whole / 1000


def _js_score(whole: int) -> bytes:
    """Math.round(score * 1000) / 1000 as JavaScript writes it, from Math.round(score * 1000).

    Written from the integer's digits: with at most three decimals, and where doubles are
    closer together than 0.001, they are the shortest that reads back as the same double,
    which is what JavaScript and repr() write.
    """
    if 0 <= whole < 10**15:
        return f"{whole // 1000}{_DECIMALS[whole % 1000]}".encode()
    return (str(whole // 1000) if whole % 1000 == 0 else repr(whole / 1000)).encode()


_DECIMALS = ["", *(f".{n:03d}".rstrip("0") for n in range(1, 1000))]


def _distinct(values) -> tuple[list[int], np.ndarray]:
    """The distinct numbers among `values`, and where each value is among them: without
    sorting when they are small integers, as scaled scores are."""
    top = int(values.max(initial=0))
    if top > 8 * len(values) + 4096 or values.min(initial=0) < 0 or values.dtype.kind == "f":
        distinct, where = np.unique(values, return_inverse=True)
        return distinct.tolist(), where
    seen = np.zeros(top + 1, dtype=bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    index = np.zeros(top + 1, dtype=np.intp)
    index[distinct] = np.arange(len(distinct))
    return distinct.tolist(), index[values]


def _field_vectors(refs: list[str], names: list[str], ids, scores, segment, sizes,
                   n_terms: int) -> list[bytes]:
    """The fieldVectors entries, ["field/ref",[term number,score,...]] by term number, in
    parts."""
    n_fields = len(names)
    huge = np.abs(scores).max(initial=0) >= 2**62  # absurd boosts: keep them exact
    values, which = _distinct(scores if huge else scores.astype(np.int64))
    _, ids, which = _sort_rows((segment, ids, which), (len(sizes), n_terms, len(values)))
    # An element is two pieces of text, its term number and its score, each with the comma
    # before it but for the first number of a vector.
    numbers = [str(i).encode() for i in range(n_terms)]
    table = [b"," + n for n in numbers] + numbers + [b"," + _js_score(int(v)) for v in values]
    pieces = np.empty(2 * len(ids), dtype=np.intp)
    pieces[0::2] = ids
    pieces[2 * (np.cumsum(sizes) - sizes)[sizes > 0]] += n_terms
    pieces[1::2] = which + 2 * n_terms
    kept = (sizes > 0) | (np.arange(len(sizes)) % n_fields == 0)
    vector = np.flatnonzero(kept)
    heads = [b']],["' + name + b"/" for name in _contents(names)]
    parts = [b""] * (4 * len(vector))
    parts[0::4] = map(heads.__getitem__, (vector % n_fields).tolist())
    parts[1::4] = map(_contents(refs).__getitem__, (vector // n_fields).tolist())
    parts[2::4] = [b'",['] * len(vector)
    parts[3::4] = _texts(table, pieces, 2 * np.cumsum(sizes[kept]))
    if parts:
        parts[0] = parts[0][3:]  # nothing to close before the first vector
        parts.append(b"]]")
    return parts


def _inverted_index(terms: list[str], refs: list[str], names: list[str], ids,
                    segment) -> list[bytes]:
    """The invertedIndex entries, ["term",{"_index":n,"field":{"ref":{},...},...}], in parts:
    terms in JavaScript's sort order, each field's refs in a JavaScript object's key order."""
    if not terms:
        return []
    n_fields, n_terms, n_refs = len(names), len(terms), len(refs)
    in_order = _js_sorted(terms)
    rank = np.empty(n_terms, dtype=np.intp)
    rank[in_order] = np.arange(n_terms)
    doc = segment // n_fields
    position, key_order = _key_positions(refs)
    term, field, doc = _sort_rows((rank[ids], segment - doc * n_fields, position[doc]),
                                  (n_terms, n_fields, n_refs))
    doc = key_order[doc]
    # After its head, a term's postings field after field, each field but the first opened
    # by a separator; a posting has a comma before it but for the first of its field.
    names_ = _contents(names)
    keys = [b'"' + ref + b'":{}' for ref in _contents(refs)]  # lunr.js keeps no metadata
    table = [b"," + k for k in keys] + keys + [b'},"' + name + b'":{' for name in names_[1:]]
    sizes = np.bincount(term * n_fields + field, minlength=n_terms * n_fields)
    starts = np.cumsum(sizes) - sizes  # postings before each term's field
    pieces = np.empty(len(doc) + n_terms * (n_fields - 1), dtype=np.intp)
    opened = np.arange(n_terms * n_fields) % n_fields > 0
    pieces[starts[opened] + np.arange(opened.sum())] = np.tile(
        np.arange(2 * n_refs, 2 * n_refs + n_fields - 1), n_terms)
    posting_at = np.arange(len(doc)) + term * (n_fields - 1) + field
    pieces[posting_at] = doc
    pieces[posting_at[starts[sizes > 0]]] += n_refs
    per_term = sizes.reshape(n_terms, n_fields).sum(axis=1) + n_fields - 1
    opening = b',"' + names_[0] + b'":{'
    parts = [b""] * (4 * n_terms)
    parts[0::4] = [b'}}],["'] * n_terms
    parts[1::4] = _contents([terms[t] for t in in_order])
    parts[2::4] = [b'",{"_index":' + str(t).encode() + opening for t in in_order]
    parts[3::4] = _texts(table, pieces, np.cumsum(per_term))
    parts[0] = b'["'
    parts.append(b"}}]")
    return parts


def _contents(strings: list[str]) -> list[bytes]:
    """Each string as JSON writes it, without its quotes. One json.dumps for them all: the
    list splits back exactly, as no string's content can hold '","' (its quotes are escaped)."""
    if not strings:
        return []
    return _json(strings)[2:-2].split(b'","')


_CHUNK = 1 << 18  # pieces joined at a time: a few MB of rows


def _texts(table: list[bytes], pieces, ends) -> list[bytes]:
    """b"".join(table[p] for p in pieces[start:end]) for each of the `ends`, in order, each
    text starting where the one before ended (the first at 0).

    Done in numpy: the table as rows of bytes, NUL-padded to one width, taken row by row; the
    NULs then deleted leave the text, as JSON text has none of its own. Whole texts of about
    _CHUNK pieces at a time, so that the rows take little memory.
    """
    lengths = np.fromiter(map(len, table), dtype=np.intp, count=len(table))
    width = int(lengths.max(initial=1))
    rows = np.array(table, dtype=object if width > 32 else f"S{width}")  # too wide: join
    bounds = np.concatenate(([0], ends))
    firsts = np.searchsorted(bounds[:-1], np.arange(0, bounds[-1], _CHUNK))
    firsts = np.unique(np.concatenate(([0], firsts))).tolist()
    texts: list[bytes] = []
    for first, last in zip(firsts, [*firsts[1:], len(ends)], strict=True):
        start = bounds[first]
        chunk = pieces[start:bounds[last]]
        if rows.dtype == object:
            text = b"".join(rows[chunk].tolist())
        else:
            text = rows[chunk].tobytes().translate(None, b"\0")
        offsets = np.concatenate(([0], np.cumsum(lengths[chunk])))[bounds[first:last + 1] - start]
        texts += _slices(text, offsets)
    return texts


def _slices(text: bytes, ends) -> list[bytes]:
    """text cut at these offsets: text[ends[k]:ends[k + 1]] for each k."""
    ends = ends.tolist()
    return list(map(text.__getitem__, map(slice, ends, ends[1:])))


def _js_sorted(terms: list[str]) -> list[int]:
    """Term numbers in JavaScript's default sort order of the terms (UTF-16 code units), which
    lunr.js requires: Python's order but for terms holding astral characters."""
    joined = "".join(terms)
    if joined.isascii() or max(joined) <= "\uffff":
        return sorted(range(len(terms)), key=terms.__getitem__)
    return sorted(range(len(terms)), key=lambda t: js_sort_key(terms[t]))


def _key_positions(refs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Where each ref comes among a JavaScript object's keys (array indices in numeric order,
    then the other keys in insertion order), and the refs in that order."""
    if refs == list(map(str, range(len(refs)))):
        return np.arange(len(refs)), np.arange(len(refs))
    if len(set(refs)) != len(refs):
        raise ValueError("lunr needs a unique ref for every document")
    numeric = sorted((i for i, r in enumerate(refs) if _is_array_index(r)),
                     key=lambda i: int(refs[i]))
    order = np.array(numeric + [i for i, r in enumerate(refs) if not _is_array_index(r)],
                     dtype=np.intp)
    position = np.empty(len(refs), dtype=np.intp)
    position[order] = np.arange(len(refs))
    return position, order


def _sort_rows(columns: tuple, bounds: tuple[int, ...]) -> list[np.ndarray]:
    """The rows of these integer columns, each below its bound, sorted: packed into one
    int64 where they fit, as numpy sorts plain values several times faster than it sorts
    indices, and unpacked."""
    if math.prod(bounds) >= 2**63:
        order = np.lexsort(columns[::-1])
        return [column[order] for column in columns]
    packed = columns[0].astype(np.int64)  # a copy, worked on in place
    for column, bound in zip(columns[1:], bounds[1:], strict=True):
        packed *= bound
        packed += column
    packed.sort()
    unpacked = []
    for bound in bounds[:0:-1]:
        rest = packed // bound
        packed -= rest * bound
        unpacked.append(packed)
        packed = rest
    return [packed, *unpacked[::-1]]


def js_sort_key(text: str) -> bytes:
    """JavaScript's default sort order (UTF-16 code units), which lunr.js requires of terms."""
    return text.encode("utf-16-be", "surrogatepass")


_ARRAY_INDEX = re.compile(r"(0|[1-9][0-9]{0,9})\Z")


def _is_array_index(key: str) -> bool:
    return bool(_ARRAY_INDEX.match(key)) and int(key) < 2**32 - 1


def dumps(index: dict) -> bytes:
    """The bytes JSON.stringify(index) gives in lunr.js: same key order, same numbers."""
    return json.dumps(index, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
