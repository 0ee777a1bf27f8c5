"""The index built in Python behaves in lunr.js exactly as one lunr.js builds itself.

Each test hands the same documents to lunr.js in Node (tests/js/lunr_reference.js) and compares
what comes back: terms, postings, vectors, stems, tokens, and query results.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import lunrjs, search

sys.path.insert(0, str(Path(__file__).parent))
from search_support import (  # noqa: E402
    REPO,
    bench_search,
    example_papers,
    example_site,
    node,
    site_of,
    synth,
    write_search,
)

# Characters where JavaScript and Python, or lunr.js and lunr.py, part ways.
TRICKY = list("aeiouyAEIOUY sy-–—_'’.:?!*~^+\\/()\"\t\n\v\f\r\u00a0\u1680\u2000\u2009\u200a"
              "\u2028\u2029\u202f\u205f\u3000\ufeff\u180e\u0085") + [
    "é", "É", "ß", "İ", "ı", "Σ", "ς", "ﬁ", "Ｇ", "ｐ", "４", "😀", "🚀", "𝑥", "𠀀", "\u0301",
    "\u200b", "ǅ", "ⅻ", "²", "中", "α", "\U0001F1FA", "\U0001F1F8"]
texts = st.text(alphabet=st.one_of(
    st.sampled_from(TRICKY),
    st.characters(exclude_categories=("Cs", "Co", "Cn"))), max_size=60)
# A seeded corpus that surely mixes every tricky character with letters (hypothesis draws
# few characters per example, so it complements, not replaces, this).
_rng = random.Random(4)
_LETTERS = TRICKY + list("abcdeilnorstuy") * 2
FUZZ = ["".join(_rng.choice(_LETTERS) for _ in range(_rng.randint(1, 40))) for _ in range(600)]
words = st.text(alphabet=st.one_of(st.sampled_from(list("aeiouybcdlmnrstzgy")),
                                   st.sampled_from(TRICKY)), min_size=1, max_size=14)


def _request(docs, fields, pipeline, python_index=None) -> dict:
    names = [f.name for f in fields]
    return {"fields": [{"name": f.name, "boost": f.boost} for f in fields],
            "pipeline": list(pipeline),
            "docs": [{"ref": ref, **dict(zip(names, texts, strict=True))} for ref, texts in docs],
            "python_index": python_index}


def _pruned(js_index: dict, first_field: str) -> list:
    """lunr.js's field vectors without the empty ones sitegen leaves out (see build_index)."""
    return [v for v in js_index["fieldVectors"] if v[1] or v[0].startswith(first_field + "/")]


def _assert_same(py: dict, answer: dict, fields) -> None:
    js = answer["index"]
    assert [t for t, _ in py["invertedIndex"]] == [t for t, _ in js["invertedIndex"]]
    for (term, mine), (_, theirs) in zip(py["invertedIndex"], js["invertedIndex"], strict=True):
        assert mine == theirs, term
    assert py["fieldVectors"] == _pruned(js, fields[0].name)
    assert {k: py[k] for k in ("version", "fields", "pipeline")} == \
        {k: js[k] for k in ("version", "fields", "pipeline")}
    # And the file sitegen writes is the one lunr.js would write, byte for byte.
    assert lunrjs.dumps(py) == answer["index_json"].encode("utf-8")


def test_example_index_equals_lunrjs_term_by_term_and_query_by_query():
    docs, _ = search.documents(example_site())
    py = lunrjs.build_index(docs, search.FIELDS, search.PIPELINE)
    answer = node("lunr_reference.js", _request(docs, search.FIELDS, search.PIPELINE, py))
    _assert_same(py, answer, search.FIELDS)
    assert len(py["invertedIndex"]) > 3000  # the whole vocabulary, not a trivial index
    # Every term of the vocabulary, exactly and as a prefix: same refs, scores, matched terms.
    assert answer["queries"] > len(py["invertedIndex"])
    assert answer["mismatches"] == []


def test_raw_text_with_lunrs_default_pipeline_equals_lunrjs():
    """Without sitegen's folding, on the dumps' raw text: the builder is lunr.js's, not
    lunr.py's (whose stemmer, trimmer and tokenizer differ)."""
    fields = (lunrjs.Field("title", 10), lunrjs.Field("abstract"))
    docs = [(str(i), (p.title, p.abstract)) for i, p in enumerate(example_papers())]
    docs.append(("x", ("Ｆｕｌｌ-width ＧＰＴ－４ｏ café 😀emoji\u2009thin\u3000ideographic",
                       "İstanbul ΣΟΦΙΑΣ naïve co\u0301operate ‘quoted’ title:colon 𠀀𠀀ing")))
    py = lunrjs.build_index(docs, fields, lunrjs.DEFAULT_PIPELINE)
    answer = node("lunr_reference.js", _request(docs, fields, lunrjs.DEFAULT_PIPELINE, py))
    _assert_same(py, answer, fields)
    assert answer["mismatches"] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=6))
def test_any_text_builds_the_index_lunrjs_builds(pairs):
    fields = (lunrjs.Field("title", 10), lunrjs.Field("body"))
    docs = [(str(i), pair) for i, pair in enumerate(pairs)]
    py = lunrjs.build_index(docs, fields, lunrjs.DEFAULT_PIPELINE)
    answer = node("lunr_reference.js", _request(docs, fields, lunrjs.DEFAULT_PIPELINE, py))
    _assert_same(py, answer, fields)
    assert answer["mismatches"] == []


# Refs lunr.js keeps in other orders (array indices come first, numerically), or that are
# long enough to take the builder's plain join.
refs = st.one_of(st.integers(0, 2**32).map(str), st.text(min_size=1, max_size=8), st.sampled_from(
    ["007", "-1", "1e3", "4294967294", "4294967295", 'a"b\\', "é/x", "long " * 12]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(refs, texts, texts), min_size=1, max_size=8, unique_by=lambda d: d[0]))
def test_any_refs_build_the_index_lunrjs_builds(docs):
    fields = (lunrjs.Field("title", 10), lunrjs.Field("body"))
    docs = [(ref, (title, body)) for ref, title, body in docs]
    py = lunrjs.build_index(docs, fields, lunrjs.DEFAULT_PIPELINE)
    answer = node("lunr_reference.js", _request(docs, fields, lunrjs.DEFAULT_PIPELINE, py))
    _assert_same(py, answer, fields)
    assert answer["mismatches"] == []


def test_large_boosts_long_refs_and_many_fields_index_as_in_lunrjs():
    """Scores too spread out for a table of them, refs too long for packed rows, a field
    without terms. (Not larger boosts: from about 1e12, the last ulp of Math.log, which V8
    and C compute differently, shows in the third decimal.)"""
    fields = (lunrjs.Field("title", 1e6), lunrjs.Field("abstract", 0.37),
              lunrjs.Field("empty"), lunrjs.Field("tags", 3))
    docs = [(f"paper number {i} with a long reference", (p.title, p.abstract, "", " ".join(p.tags)))
            for i, p in enumerate(example_papers()[:80])]
    py = lunrjs.build_index(docs, fields, lunrjs.DEFAULT_PIPELINE)
    answer = node("lunr_reference.js", _request(docs, fields, lunrjs.DEFAULT_PIPELINE, py))
    _assert_same(py, answer, fields)
    assert answer["mismatches"] == []


def test_the_index_is_joined_the_same_in_chunks(monkeypatch):
    docs, _ = search.documents(example_site())
    whole = lunrjs.build_index_json(docs, search.FIELDS, search.PIPELINE)
    monkeypatch.setattr(lunrjs, "_CHUNK", 5)
    assert lunrjs.build_index_json(docs, search.FIELDS, search.PIPELINE) == whole


def test_rows_too_wide_to_pack_into_an_int64_sort_the_same():
    rng = np.random.default_rng(3)
    columns = tuple(rng.integers(0, 50, 2000) for _ in range(3))
    packed = lunrjs._sort_rows(columns, (50, 50, 50))
    unpacked = lunrjs._sort_rows(columns, (50, 2**40, 2**40))
    assert [c.tolist() for c in packed] == [c.tolist() for c in unpacked]
    rows = sorted(zip(*(c.tolist() for c in columns), strict=True))
    assert rows == list(zip(*(c.tolist() for c in packed), strict=True))


def test_a_ref_used_twice_is_refused():
    fields = (lunrjs.Field("title"),)
    with pytest.raises(ValueError, match="unique ref"):
        lunrjs.build_index_json([("a", ("x",)), ("b", ("y",)), ("a", ("z",))], fields)


def test_scores_are_written_as_javascript_writes_them():
    """_js_score writes Math.round(score * 1000) / 1000 from its digits where it can; the
    same text JSON.stringify (like repr()) gives for the double."""
    wholes = [*range(0, 300_000, 7), *range(10**15 - 3000, 10**15 + 3000), 2**53, 2**53 + 2,
              *(random.Random(1).randrange(10**18) for _ in range(2000))]
    for whole in wholes:
        expected = str(whole // 1000) if whole % 1000 == 0 else repr(whole / 1000)
        assert lunrjs._js_score(whole) == expected.encode(), whole


def test_fuzz_corpus_tokenizes_stems_folds_and_indexes_as_in_javascript():
    fields = (lunrjs.Field("title", 10), lunrjs.Field("body"))
    docs = [(str(i), (FUZZ[i], FUZZ[-i - 1])) for i in range(len(FUZZ))]
    py = lunrjs.build_index(docs, fields, lunrjs.DEFAULT_PIPELINE)
    request = _request(docs, fields, lunrjs.DEFAULT_PIPELINE, py)
    tokens = [t for text in FUZZ for t in lunrjs.tokenize(text)]
    answer = node("lunr_reference.js", {**request, "tokens": FUZZ, "stems": tokens})
    assert [lunrjs.tokenize(t) for t in FUZZ] == answer["tokens"]
    assert [lunrjs.stemmer(t) for t in tokens] == answer["stems"]
    _assert_same(py, answer, fields)
    assert answer["mismatches"] == []
    assert [search.fold(t) for t in FUZZ] == node("search_engine.js", {"fold": FUZZ})["fold"]


def test_stemmer_matches_lunrjs_on_every_word_of_the_dumps():
    vocabulary = set()
    for path in (REPO / "content" / "dumps").glob("*.txt"):
        vocabulary |= set(re.findall(r"\w+", path.read_text(encoding="utf-8").lower()))
    words_ = sorted(vocabulary)
    assert len(words_) > 4000
    answer = node("lunr_reference.js", {"stems": words_})
    assert [lunrjs.stemmer(w) for w in words_] == answer["stems"]


@settings(max_examples=15, deadline=None)
@given(st.lists(words, min_size=1, max_size=300))
def test_stemmer_matches_lunrjs_on_any_word(batch):
    answer = node("lunr_reference.js", {"stems": batch})
    assert [lunrjs.stemmer(w) for w in batch] == answer["stems"]


@settings(max_examples=15, deadline=None)
@given(st.lists(texts, min_size=1, max_size=100))
def test_tokenizer_matches_lunrjs(batch):
    answer = node("lunr_reference.js", {"tokens": batch})
    assert [lunrjs.tokenize(t) for t in batch] == answer["tokens"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, st.text(alphabet=st.characters(max_codepoint=127))))
def test_search_tokens_are_the_folded_text_tokenized(text):
    assert search.tokens(text) == lunrjs.tokenize(search.fold(text))


@settings(max_examples=15, deadline=None)
@given(st.lists(texts, min_size=1, max_size=100))
def test_fold_in_python_equals_fold_in_the_browser_engine(batch):
    batch = [*batch, "Café ＧＰＴ-4o’s naïve", "ΣΟΦΙΑΣ İstanbul ﬁne", "😀 x²\u2009y"]
    assert [search.fold(t) for t in batch] == node("search_engine.js", {"fold": batch})["fold"]


def test_fast_builder_is_identical_to_plain_lunrpy():
    """The memoised builder writes byte for byte the index lunr.py's Builder writes when
    given the same (lunr.js) pipeline functions."""
    docs, _ = search.documents(example_site())
    fast = lunrjs.build_index(docs, search.FIELDS, search.PIPELINE)
    plain = bench_search.lunrpy_index(docs, search.FIELDS, search.PIPELINE)
    assert search.dumps(fast) == search.dumps(plain)


def test_scores_round_as_javascript_rounds():
    """Math.round(x * 1000) / 1000 rounds halves up; Python's round() does not (2.6745)."""
    values = [(k + 0.5) / 1000 for k in range(3000)] + [1.0005, 2.6745, 0.0015, 7.3215]
    assert [lunrjs.js_round3(v) for v in values] == node("lunr_reference.js",
                                                           {"rounds": values})["rounds"]


# ---------------------------------------------------------------- the sharded index

def _sharded_answer(site, queries: list[str], folder: Path) -> dict:
    """lunr.js on the whole index and the theme's engine on the build's shards, in Node."""
    write_search(site, folder)
    return node("sharded_engine.js", {"site": str(folder), "queries": queries,
                                      "index": search.build_index(site)})


def _syntax_queries(terms: list[str], count: int, seed: int) -> list[str]:
    """Queries in lunr's syntax over these terms: words, fields, presence, prefixes,
    suffixes, fuzzy words, boosts, and mixes of them."""
    rng = random.Random(seed)
    fields = [f.name for f in search.FIELDS]
    forms = [
        lambda t: t,
        lambda t: f"{rng.choice(fields)}:{t}",
        lambda t: f"+{t} {rng.choice(terms)}",
        lambda t: f"+{t} -{rng.choice(terms)}",
        lambda t: f"-{t}",
        lambda t: t[:max(1, len(t) - 2)] + "*",
        lambda t: "*" + t[-3:],
        lambda t: f"{t}~1",
        lambda t: f"{t[:-1]}~{rng.choice([1, 2])}",
        lambda t: f"{t}^{rng.choice([2, 10])} {rng.choice(terms)}",
        lambda t: " ".join(rng.sample(terms, 3)),
        lambda t: f"title:{t[:2]}* +{rng.choice(terms)}",
    ]
    return [rng.choice(forms)(rng.choice(terms)) for _ in range(count)]


def test_sharded_engine_answers_as_lunrjs_on_the_whole_example_index(tmp_path):
    """Same refs, same scores, same matched terms and fields, same order: for every word of
    the vocabulary alone and as a prefix, and for queries in every form of lunr's syntax."""
    site = example_site()
    terms = [t for t, _ in search.build_index(site)["invertedIndex"]]
    # Every word, and every 8th pair term: the ~25,000 pairs alone took two minutes.
    joiner = search.PAIR_JOINER
    pairs = [t for t in terms if t.endswith(joiner) and joiner in t[:-1]]
    terms = [t for t in terms if not (t.endswith(joiner) and joiner in t[:-1])] + pairs[::8]
    queries = [*terms, *(t[:max(1, len(t) - 2)] + "*" for t in terms[::3]),
               *_syntax_queries(terms, 1500, seed=1),
               "grokking generalization", "memorization vs generalization", "*", "", "-x",
               "title:grok* -abstract:memor*", "+nothingatall model", "nothingatall~1"]
    answer = _sharded_answer(site, queries, tmp_path)
    assert answer["compared"] == len(queries)
    assert answer["mismatches"] == []


def test_one_engine_answers_query_after_query_with_a_cache_too_small_to_keep_them(tmp_path):
    """Shards dropped from the worker's cache between (and during) queries are fetched
    again; nothing is answered from a half-dropped cache."""
    site = example_site()
    terms = [t for t, _ in search.build_index(site)["invertedIndex"]]
    queries = _syntax_queries(terms, 300, seed=5)
    write_search(site, tmp_path)
    for limit in (0, 2000):
        answer = node("sharded_engine.js", {"site": str(tmp_path), "queries": queries,
                                            "index": search.build_index(site),
                                            "shared": {"cacheLimit": limit}})
        assert answer["mismatches"] == [] and answer["compared"] == len(queries)


def test_a_query_fetches_the_shards_of_its_words_and_records_of_the_results_shown(tmp_path):
    site = example_site()
    write_search(site, tmp_path)
    manifest = json.loads((tmp_path / "search" / "manifest.json").read_bytes())
    answer = node("sharded_engine.js", {"site": str(tmp_path), "searches": [
        {"q": "grokking ", "limit": 3, "facets": False},  # a whole word: its shard
        {"q": "grokking ", "limit": 3},  # and the filters' table
        {"q": "grokk", "limit": 3, "facets": False},  # typing: completions, near it
        {"q": "grokking~1", "limit": 3, "facets": False},  # fuzzy: word lists
    ]})
    word, filtered, typing, fuzzy = (
        [f.rsplit("/", 1)[1] for f in files] for files in answer["files"])
    assert all(f.startswith("r") for f in word[1:]) and word[0].startswith("t")
    assert 1 <= len(word) - 1 <= 3  # 3 results: at most 3 record files
    assert sorted(filtered) == sorted([*word, "filters.json"])
    assert len([f for f in typing if f.startswith("t")]) <= 2
    # "grokking" stems to "grok": one edit away, words of 3 to 5 letters
    assert {f for f in fuzzy if f.startswith("w")} == {"w3.json", "w4.json", "w5.json"}
    assert not any(f.startswith("w") for f in word + typing)
    assert len(manifest["shards"]) > 10


def test_sharded_engine_answers_as_lunrjs_on_a_few_thousand_papers(tmp_path):
    site = site_of(synth.synthetic_papers(3000, seed=2))
    terms = [t for t, _ in search.build_index(site)["invertedIndex"]]
    queries = _syntax_queries(terms, 600, seed=3)
    answer = _sharded_answer(site, queries, tmp_path)
    assert answer["compared"] == len(queries)
    assert answer["mismatches"] == []
    shards = json.loads((tmp_path / "search" / "manifest.json").read_bytes())["shards"]
    assert len(shards) > 50  # the queries did cross shards


_EXAMPLE_TERMS = st.sampled_from(sorted({lunrjs.stemmer(w) for p in synth.example_papers()[:60]
                                         for w in search.tokens(p.title)}))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["", "+", "-", "title:", "abstract:", "tags:"]),
                          _EXAMPLE_TERMS,
                          st.sampled_from(["", "*", "~1", "^3", "~2"])), min_size=1, max_size=4))
def test_any_query_of_the_example_words_scores_as_lunrjs(tmp_path, parts):
    query = " ".join(f"{a}{t}{b}" for a, t, b in parts)
    answer = _sharded_answer(example_site(), [query], tmp_path)
    assert answer["mismatches"] == []
