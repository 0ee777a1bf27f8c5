"""lunr.js 2.3.9 in Python: its text pipeline and its index builder, term for term.

lunr.py is the Python port of lunr.js, but three of its text functions differ from the ones the
browser runs: its stemmer is another Porter implementation ("try" -> "try", lunr.js "tri"), its
trimmer knows Unicode letters where lunr.js's `\\W` is ASCII-only, and its tokenizer splits on
fewer spaces than JavaScript's `\\s`. An index built with them is loadable in lunr.js but holds
terms the browser never produces, so some words cannot be found. This module follows lunr.js
instead, including its UTF-16 view of strings and its rounding, and builds the index with
lunr.py's algorithm (lunr.Builder) without its cost: each distinct token goes through the
pipeline once (memoised), not once per occurrence.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain

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
_4 = re.compile(f"^({_DOT}+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|"
                f"ous|ive|ize)\\Z")
_4B = re.compile(f"^({_DOT}+?)(s|t)(ion)\\Z")
_5 = re.compile(f"^({_DOT}+?)e\\Z")
_5LL = re.compile("ll\\Z")


def _porter(w: str) -> str:
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]
    # Step 1a
    if m := _1A.match(w):
        w = m[1] + m[2]
    elif m := _1A2.match(w):
        w = m[1] + m[2]
    # Step 1b
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
    if m := _1C.match(w):
        w = m[1] + "i"
    # Step 2
    if (m := _2.match(w)) and _MGR0.match(m[1]):
        w = m[1] + _STEP2[m[2]]
    # Step 3
    if (m := _3.match(w)) and _MGR0.match(m[1]):
        w = m[1] + _STEP3[m[2]]
    # Step 4
    if m := _4.match(w):
        if _MGR1.match(m[1]):
            w = m[1]
    elif m := _4B.match(w):
        if _MGR1.match(m[1] + m[2]):
            w = m[1] + m[2]
    # Step 5
    if m := _5.match(w):
        stem = m[1]
        if _MGR1.match(stem) or (_MEQ1.match(stem) and not _CVC.match(stem)):
            w = stem
    if _5LL.search(w) and _MGR1.match(w):
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
    so each distinct token is processed once instead of at every occurrence.
    """
    functions = [FUNCTIONS[name] for name in names]

    @cache
    def run(token: str) -> str | None:
        out: str | None = token
        for fn in functions:
            out = fn(out)
            if out is None:  # lunr drops null results, but keeps a token trimmed to ""
                return None
        return out

    return run


# ---------------------------------------------------------------- builder

@dataclass(frozen=True)
class Field:
    name: str
    boost: float = 1


def js_round3(score: float) -> int | float:
    """Math.round(score * 1000) / 1000, as lunr.js rounds scores: halves round up, unlike
    Python's round(); a whole number comes back as an int, written 2 as JavaScript writes it."""
    scaled = score * 1000
    whole = math.floor(scaled)
    if scaled - whole >= 0.5:
        whole += 1
    return whole // 1000 if whole % 1000 == 0 else whole / 1000


_NO_METADATA: dict = {}  # lunr.js stores {} per posting: one shared object, never mutated


def build_index(docs: Iterable[tuple[str, Sequence[str]]], fields: Sequence[Field],
                pipeline_names: Sequence[str] = DEFAULT_PIPELINE,
                search_pipeline: Sequence[str] = ("stemmer",),
                k1: float = 1.2, b: float = 0.75) -> dict:
    """The serialised lunr.Index that lunr.Builder would produce for these documents.

    `docs` yields (ref, one text per field). The result is what lunr.js's Index.toJSON()
    returns, except that empty field vectors are left out (lunr.js never reads them: only
    matched fields are scored) but for the first field's, which keeps every document listed
    for queries made only of prohibited terms.
    """
    run = pipeline(pipeline_names)
    names = [f.name for f in fields]
    inverted: dict[str, tuple[int, list[dict[str, dict]]]] = {}
    field_terms: list[tuple[str, int, dict[str, int], int]] = []  # (ref, field, tf, length)
    doc_count = 0
    previous = -1
    in_key_order = True  # refs "0", "1", ... in order: postings already list them as JS would
    for ref, texts in docs:
        doc_count += 1
        if in_key_order:
            in_key_order = _is_array_index(ref) and int(ref) > previous
            previous = int(ref) if in_key_order else previous
        for fi, text in enumerate(texts):
            # The memoised pipeline maps tokens to terms and Counter counts them, both in C;
            # Counter keeps first occurrences in order, so terms get lunr's _index numbers.
            tf = Counter(map(run, tokenize(text)))
            tf.pop(None, None)  # tokens the pipeline dropped (stop words)
            length = tf.total()
            for term in tf:
                posting = inverted.get(term)
                if posting is None:
                    posting = inverted[term] = (len(inverted), [{} for _ in names])
                posting[1][fi][ref] = _NO_METADATA
            field_terms.append((ref, fi, tf, length))

    totals = [0] * len(names)
    counts = [0] * len(names)
    for _, fi, _, length in field_terms:
        totals[fi] += length
        counts[fi] += 1
    average = [t / c if c else 0.0 for t, c in zip(totals, counts, strict=True)]

    # lunr.idf counts a document once per field holding the term, as lunr.js does.
    idf: dict[str, tuple[int, float]] = {}
    for term, (index, postings) in inverted.items():
        with_term = sum(len(p) for p in postings)
        x = (doc_count - with_term + 0.5) / (with_term + 0.5)
        idf[term] = (index, math.log(1 + abs(x)))
    vectors = []
    flatten, k1_plus_1 = chain.from_iterable, k1 + 1
    for ref, fi, tf, length in field_terms:
        if not tf and fi:
            continue
        boost = fields[fi].boost or 1
        # lunr.js evaluates these inside its term loop; same expressions, same doubles.
        norm = k1 * (1 - b + b * (length / average[fi])) if tf else 0.0
        elements = []
        append = elements.append
        for term, freq in tf.items():
            index, term_idf = idf[term]
            append((index, js_round3(term_idf * (k1_plus_1 * freq) / (norm + freq) * boost)))
        elements.sort()
        vectors.append([f"{names[fi]}/{ref}", list(flatten(elements))])

    return {
        "version": VERSION,
        "fields": names,
        "fieldVectors": vectors,
        "invertedIndex": [
            [term, {"_index": inverted[term][0],
                    **{n: p if in_key_order else _js_key_order(p)
                       for n, p in zip(names, inverted[term][1], strict=True)}}]
            for term in sorted(inverted, key=js_sort_key)],
        "pipeline": list(search_pipeline),
    }


def js_sort_key(text: str) -> bytes:
    """JavaScript's default sort order (UTF-16 code units), which lunr.js requires of terms."""
    return text.encode("utf-16-be", "surrogatepass")


_ARRAY_INDEX = re.compile(r"(0|[1-9][0-9]{0,9})\Z")


def _is_array_index(key: str) -> bool:
    return bool(_ARRAY_INDEX.match(key)) and int(key) < 2**32 - 1


def _js_key_order(mapping: dict) -> dict:
    """A JavaScript object's key order: array-index keys ascending, then insertion order."""
    numeric = sorted((k for k in mapping if _is_array_index(k)), key=int)
    return {k: mapping[k] for k in (*numeric, *(k for k in mapping if not _is_array_index(k)))}


def dumps(index: dict) -> bytes:
    """The bytes JSON.stringify(index) gives in lunr.js: same key order, same numbers."""
    return json.dumps(index, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
