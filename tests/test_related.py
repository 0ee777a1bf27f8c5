"""Related papers: TF-IDF over title and abstract, shared tags then slug breaking ties;
blocked, deterministic, and shown on every paper page of a site built under a sub-path."""

from __future__ import annotations

import pickle
import random
import sys
from pathlib import Path
from urllib.parse import urljoin

import numpy as np
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from sitegen import related
from sitegen.config import load_config
from sitegen.mathtext import plain
from sitegen.model import Paper, Site, Tag, slugify
from sitegen.related import related_papers, tokens
from sitegen.site import load_site

REPO = Path(__file__).resolve().parent.parent
BASE = "/sub/path/"


@pytest.fixture(scope="module")
def example(built_example: Path) -> Path:
    return built_example


@pytest.fixture(scope="module")
def site(example) -> Site:
    return load_site(load_config(example / "config.yml"))


def shown_related(example: Path, slug: str) -> list[str]:
    """Slugs of the papers a paper's page lists as related, in order, from its links."""
    page_url = f"http://x{BASE}papers/{slug}/"
    page = BeautifulSoup((example / "_site" / "papers" / slug / "index.html").read_text(),
                         "html.parser")
    section = page.find(id="related")
    if section is None:
        return []
    out = []
    for a in section.parent.select("a.paper-item-title"):
        url = urljoin(page_url, a["href"])
        assert url.startswith(f"http://x{BASE}papers/"), url
        out.append(url[len(f"http://x{BASE}papers/"):].strip("/"))
    return out


# ---------------------------------------------------------------- on the example data

def test_papers_about_grokking_list_each_other(example, site):
    grokking = {p.slug for p in site.papers if "grok" in p.title.lower()}
    assert len(grokking) >= 5  # the example dumps hold a handful
    listed = {slug: shown_related(example, slug) for slug in grokking}
    for slug, others in listed.items():
        assert len(others) == related.RELATED
        assert grokking & set(others), f"{slug} lists no other grokking paper: {others}"
    # most of what they list is about grokking too, though every paper here is about
    # generalization...
    hits = sum(len(grokking & set(others)) for others in listed.values())
    assert hits >= len(grokking) * related.RELATED // 2
    # ...and the two most on topic list each other
    assert "deep-networks-always-grok-and-here-is-why" in listed[
        "grokking-at-the-edge-of-numerical-stability"]
    assert "grokking-at-the-edge-of-numerical-stability" in listed[
        "deep-networks-always-grok-and-here-is-why"]


def test_every_paper_page_lists_five_related_papers_that_exist(example, site):
    slugs = {p.slug for p in site.papers}
    computed = related_papers(site)
    for paper in site.papers:
        shown = shown_related(example, paper.slug)
        assert len(shown) == related.RELATED, paper.slug
        assert paper.slug not in shown and len(set(shown)) == len(shown)
        assert set(shown) <= slugs
        assert shown == list(computed[paper.slug])


def test_the_same_papers_in_any_order_give_the_same_related_papers(site):
    first = related_papers(site)
    shuffled = list(site.papers)
    random.Random(7).shuffle(shuffled)
    assert related_papers(Site(tuple(shuffled), site.tags, site.pages, dumps=site.dumps)) \
        == first


def test_blocked_computation_gives_what_one_block_gives(site, monkeypatch):
    whole = related_papers(site)
    monkeypatch.setattr(related, "BLOCK_CELLS", len(site.papers) * 7 + 3)  # 7 rows a block
    assert related_papers(site) == whole
    monkeypatch.setattr(related, "BLOCK_CELLS", 1)  # one row a block
    assert related_papers(site) == whole


# ---------------------------------------------------------------- ranking rules

def _site(*papers: Paper) -> Site:
    tags: dict[str, list[Paper]] = {}
    for paper in papers:
        for tag in paper.tags:
            tags.setdefault(tag, []).append(paper)
    return Site(tuple(papers), tuple(Tag(t, t, tuple(ps)) for t, ps in sorted(tags.items())),
                ())


FILLER = [Paper(f"filler-{i}", f"Unrelated topic number {w}", f"Words about {w} only.")
          for i, w in enumerate(["cooking", "sailing", "opera", "chess", "gardening"])]


def test_words_in_common_rank_first_then_shared_tags_then_slug():
    text = "Grokking and delayed generalization in transformers trained on modular arithmetic."
    papers = [
        Paper("a", "Grokking in transformers", text, tags=("x", "y")),
        Paper("d-same-text-no-tags", "Grokking in transformers", text),
        Paper("c-same-text-one-tag", "Grokking in transformers", text, tags=("x",)),
        Paper("b-same-text-two-tags", "Grokking in transformers", text, tags=("x", "y")),
        Paper("e-same-text-two-tags", "Grokking in transformers", text, tags=("y", "x")),
        Paper("f-tags-only", "Sailing ships", "Nothing in common at all.", tags=("x", "y")),
        *FILLER,
    ]
    assert related_papers(_site(*papers))["a"] == (
        "b-same-text-two-tags", "e-same-text-two-tags", "c-same-text-one-tag",
        "d-same-text-no-tags", "f-tags-only")


def test_a_paper_with_nothing_in_common_has_no_related_papers():
    papers = [Paper("lonely", "Zymurgy of xylophones", "Quokka quorum."),
              Paper("p1", "Grokking in networks", "Grokking happens late in networks."),
              Paper("p2", "Grokking in transformers", "Grokking happens late in transformers."),
              *FILLER]
    found = related_papers(_site(*papers))
    assert found["lonely"] == ()
    assert found["p1"][0] == "p2" and "lonely" not in found["p1"]


def test_a_word_in_more_papers_than_the_limit_relates_none_of_them(monkeypatch):
    """The limit on a term's papers is absolute beyond 1,000 papers, so that candidate pairs
    grow with the review, not with its square."""
    papers = [Paper(f"p{i}", f"Grokking {word}", f"Grokking again in {word}.")
              for i, word in enumerate(("zebras", "yaks", "voles", "tapirs", "okapis",
                                        "lemurs", "ibexes", "gnus"))]
    assert related.df_limit(1000) == 200
    assert related.df_limit(999) == 199
    assert related.df_limit(5000) == related.df_limit(50_000) == related.MAX_DF_PAPERS == 200
    monkeypatch.setattr(related, "MIN_DF_LIMIT", 0)
    monkeypatch.setattr(related, "MAX_DF", 1.0)
    assert related_papers(_site(*papers, *FILLER))["p0"]  # 'grokking' relates them all
    monkeypatch.setattr(related, "MAX_DF_PAPERS", len(papers) - 1)
    found = related_papers(_site(*papers, *FILLER))
    assert all(found[p.slug] == () for p in papers)


def test_fewer_papers_than_five_and_an_empty_site():
    papers = [Paper("p1", "Grokking", "Grokking late."), Paper("p2", "Grokking", "Grokking."),
              Paper("p3", "Cooking", "Soup.")]
    assert related_papers(_site(*papers)) == {"p1": ("p2",), "p2": ("p1",), "p3": ()}
    assert related_papers(_site()) == {}


def test_terms_are_stemmed_and_latex_read_as_text():
    assert tokens("Grokking: networks grok! The models' d_{data}") == \
        ["grok", "network", "grok", "model", "data"]
    assert tokens(r"Schr\"odinger") == tokens("Schrödinger")


def test_thousands_of_synthetic_papers_each_get_their_related_papers():
    """bench/synth.py's papers (the README gives the time at 10,000); no timing asserted:
    the blocked product over many blocks must be complete."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import synthetic_papers
    finally:
        sys.path.remove(str(REPO / "bench"))
    papers = synthetic_papers(3_000)
    found = related_papers(_site(*papers))
    assert len(found) == 3_000
    assert all(len(v) == related.RELATED for v in found.values())


# ---------------------------------------------------------------- the fast paths are exact

# The tokeniser and ranking as they were before the fast paths: the reference they must match.
_OLD_SPLIT = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                            "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7\u2212\u00a0"})


def old_words(text: str) -> list[str]:
    return text.casefold().translate(_OLD_SPLIT).split()


def old_terms(text: str) -> list[str]:
    return [t for w in old_words(plain(text)) if (t := related.term(w)) is not None]


def reference_words(papers: list[Paper]) -> sparse.csr_matrix:
    """The TF-IDF matrix as it was built before paper_terms() and the memo."""
    n = len(papers)
    terms: dict[str, int] = {}
    rows, cols, weights = [], [], []
    for row, paper in enumerate(papers):
        for text, weight in ((paper.title, related.TITLE_WEIGHT), (paper.abstract, 1)):
            for t in old_terms(text):
                rows.append(row)
                cols.append(terms.setdefault(t, len(terms)))
                weights.append(weight)
    counts = sparse.csr_matrix((np.array(weights, dtype=float), (rows, cols)),
                               shape=(n, max(1, len(terms))))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    limit = min(related.MAX_DF_PAPERS, max(related.MIN_DF_LIMIT, int(related.MAX_DF * n)))
    idf = np.where((df >= 2) & (df <= limit), np.log(n / np.maximum(df, 1)), 0.0)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    counts.eliminate_zeros()
    row = np.repeat(np.arange(n), np.diff(counts.indptr))
    order = np.lexsort((counts.indices, -counts.data, row))
    rank = np.arange(len(order)) - counts.indptr[row[order]]
    chosen = np.sort(order[rank < related.MAX_TERMS])
    counts = sparse.csr_matrix((counts.data[chosen], (row[chosen], counts.indices[chosen])),
                               shape=counts.shape)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)


def reference_related(papers: list[Paper], k: int = related.RELATED) -> dict:
    """Every paper's similarity to every other paper, from one sparse product, ranked in full
    by (rounded similarity, shared tags, -index)."""
    papers = sorted(papers, key=lambda p: p.slug)
    n = len(papers)
    if n < 2 or k < 1:
        return {p.slug: () for p in papers}
    words = reference_words(papers)
    score = np.rint((words @ sparse.csr_matrix(words.T)).toarray() * 1_000_000).astype(int)
    tag_sets = [{slugify(t) for t in p.tags} for p in papers]
    out = {}
    for i, paper in enumerate(papers):
        shared = np.array([min(255, len(tag_sets[i] & s)) for s in tag_sets])
        ranked = np.lexsort((np.arange(n), -shared, -score[i]))
        out[paper.slug] = tuple(papers[j].slug for j in ranked
                                if j != i and (score[i, j] > 0 or shared[j] > 0))[:k]
    return out


TRICKY = [
    "", "   ", "Grokking: networks grok! The models' d_{data}", "$x^2$ and $O(n \\log n)$",
    "Schr\\\"odinger", "Schrödinger", "naïve co-training—self\u2013supervised…", "l’attention",
    "STRASSE Straße ǅungla İstanbul ﬁne-tuning", "10^{-3} 3d x y", "a\u00a0b\u2212c·d",
    "tab\there\nnew\x1cline\x85next\u2028sep\u3000wide", "🙂 emoji 👍🏽 CJK 汉字", "lone \ud800 x",
    "``quoted'' 20\\% \\eg", "snake_case model_2b ^_^", "$5 and $10", "café cafe\u0301",
]


@pytest.mark.parametrize("text", TRICKY)
def test_words_split_as_str_translate_did(text):
    assert related._words(text) == old_words(text)
    assert related._plain(text) == plain(text)


def test_words_split_every_character_as_before():
    text = "".join(f"a{chr(c)}b{chr(c)}{chr(c)} " for c in range(0x110000))
    assert related._words(text) == old_words(text)


def test_only_texts_mathtext_would_leave_alone_skip_it():
    """The shortcut past plain() assumes mathtext changes nothing in a text without these
    marks, as its _HINT says."""
    from sitegen import mathtext
    hint = {chr(c) for c in range(0x110000) if mathtext._HINT.search(chr(c))}
    assert hint == {m for m in related._LATEX_MARKS if len(m) == 1}
    assert mathtext._HINT.search("``") and "``" in related._LATEX_MARKS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $\\_^`{}-'’ \u00a0ßİ\u2013x2")) | st.characters(),
               max_size=40))
def test_fast_tokenising_matches_the_old_one(text):
    assert related._words(text) == old_words(text)
    assert related._plain(text) == plain(text)
    terms, weights = related.paper_terms(text, text[::-1])
    old = old_terms(text) * related.TITLE_WEIGHT + old_terms(text[::-1])
    assert list(terms) == list(dict.fromkeys(old))
    assert list(weights) == [old.count(t) for t in terms]


WORDS = ["grokking", "generalization", "transformers", "transformer", "networks", "network",
         "attention", "the", "of", "a", "model's", "learning", "3d", "x", "naïve", "Straße",
         "STRASSE", "ﬁne-tuning", "co-training", "self\u2013supervised", "$x^2$", "d_{data}",
         "Schr\\\"odinger", "Schrödinger", "10^{-3}", "data", "loss", "landscape", "sharpness",
         "2024", "İstanbul", "🙂", "l’attention", "flat", "minima", "noise", "scaling", "laws",
         # more words than a paper keeps terms of (MAX_TERMS), in more papers than MAX_DF allows
         *(f"{a}{b}word" for a in "bcdfg" for b in "aeiou")]
TAGS = ["a", "b", "c", "Graph NN", "graph-nn", "vision", "rl", "theory"]


def random_papers(seed: int, n: int, rare: int = 0) -> list[Paper]:
    """Few words, so many papers tie exactly; copies of earlier texts; tags that collide;
    `rare` more words, each in few papers."""
    rng = random.Random(seed)
    words = WORDS + [f"rare{i}x" for i in range(rare)]
    papers: list[Paper] = []
    for i in range(n):
        if papers and rng.random() < 0.15:
            like = rng.choice(papers)
            title, abstract = like.title, like.abstract
        else:
            title = " ".join(rng.choices(WORDS, k=rng.randint(0, 6)))
            abstract = " ".join(rng.choices(words[:rng.randint(3, len(words))],
                                            k=rng.choice([0, 3, 10, 40, 120])))
        tags = tuple(rng.sample(TAGS, rng.choice([0, 0, 1, 2, 3])))
        papers.append(Paper(f"p-{rng.randrange(10**6):06d}-{i}", title, abstract, tags=tags))
    return papers


@pytest.mark.parametrize("seed, n, rare", [(1, 2, 0), (2, 3, 0), (3, 7, 0), (4, 40, 0),
                                           (5, 80, 0), (6, 300, 0), (11, 300, 1000)])
@pytest.mark.parametrize("k", [1, 5, 9])
def test_related_papers_are_those_of_the_full_similarity_matrix(seed, n, rare, k, monkeypatch):
    papers = random_papers(seed, n, rare)
    want = reference_related(papers, k)
    assert related_papers(_site(*papers), k) == want
    for rows in (1, 3):  # narrow blocks: many blocks, short chunks, floors raised from columns
        monkeypatch.setattr(related, "BLOCK_CELLS", n * rows)
        assert related_papers(_site(*papers), k) == want


@pytest.mark.parametrize("k, many", [(1, 12), (5, 12), (9, 12), (5, 70)])  # 70: two words
def test_papers_with_few_similar_papers_are_filled_by_shared_tags(k, many, monkeypatch):
    """Many papers share no kept word (a word in too many papers does not count) and have
    many different tag sets, some shared by many papers: the fill by tags then index."""
    rng = random.Random(12)
    tags = [f"t{i}" for i in range(many)]
    papers = [Paper(f"q-{rng.randrange(10**6):06d}-{i}",
                    rng.choice(["Grokking", "Grokking twice", "", f"Zebra{i % 7}x"]),
                    rng.choice(["", "grokking grokking", f"rare{i % 40}y words", f"uniq{i}z"]),
                    tags=tuple(rng.sample(tags, rng.choice([0, 1, 2, 4, many // 3])) if i % 3 else
                               rng.sample(tags[:3], rng.choice([0, 1, 2]))))
              for i in range(400)]
    want = reference_related(papers, k)
    assert sum(len(v) < k for v in want.values()) > 20  # some papers have fewer than k
    assert related_papers(_site(*papers), k) == want
    monkeypatch.setattr(related, "BLOCK_CELLS", 50)  # few papers a block
    assert related_papers(_site(*papers), k) == want


def test_many_shared_tags_are_counted_up_to_255():
    text = "Grokking in transformers", "Grokking and delayed generalization."
    many = tuple(f"tag-{i}" for i in range(300))
    papers = [Paper("a", *text, tags=many), Paper("b", *text, tags=many[:260]),
              Paper("c", *text, tags=many[::-1]), Paper("d", *text, tags=many[:100]),
              *FILLER]
    assert related_papers(_site(*papers))["a"] == reference_related(papers)["a"] == (
        "b", "c", "d")


def test_a_larger_review_with_long_chunks_matches_the_full_matrix(monkeypatch):
    papers = random_papers(7, 700, 2000)
    want = reference_related(papers)
    monkeypatch.setattr(related, "BLOCK_CELLS", 700 * 50)
    assert related_papers(_site(*papers)) == want


def test_memo_holds_plain_terms_by_text_and_changes_nothing(monkeypatch):
    papers = random_papers(8, 60)
    site = _site(*papers)
    memo: dict = {}
    want = related_papers(site)
    assert related_papers(site, memo=memo) == want
    assert memo == {related.memo_key(p.title, p.abstract): related.paper_terms(p.title, p.abstract)
                    for p in papers}
    assert pickle.loads(pickle.dumps(memo)) == memo
    monkeypatch.setattr(related, "paper_terms", None)  # every paper found in the memo
    assert related_papers(site, memo=memo) == want
    assert related.memo_key("ab", "c") != related.memo_key("a", "bc")


@pytest.mark.parametrize("seed, n, rare", [(9, 30, 0), (10, 300, 1000)])
def test_tfidf_is_the_old_matrix_bit_for_bit(seed, n, rare):
    """Same terms, numbered alike, same weights; each row stored from the highest column
    down, the order every similarity adds its terms in."""
    papers = sorted(random_papers(seed, n, rare), key=lambda p: p.slug)
    new, old = related.tfidf(papers), reference_words(papers)
    assert max(np.diff(new.indptr)) == related.MAX_TERMS  # some rows were cut
    for a, b in ((new.indptr, old.indptr), (new.indices, old.indices), (new.data, old.data)):
        assert np.array_equal(a, b)
    assert all((np.diff(new.indices[a:b]) < 0).all()
               for a, b in zip(new.indptr[:-1], new.indptr[1:], strict=True))


def test_each_similarity_adds_its_terms_from_the_highest_column_down():
    """The blocked product gives every pair the float sum of a plain loop, bit for bit, from
    either paper of the pair: the order is what keeps rounding the same."""
    rng = np.random.default_rng(3)
    dense = rng.random((40, 25)) * (rng.random((40, 25)) < 0.4)
    words = related._scaled_descending(sparse.csr_matrix(dense), np.ones(40))
    by_term = sparse.csr_matrix(words.T)
    top = related._similarities(words, by_term, 0, 15).toarray()
    rest = related._similarities(words, by_term, 15, 40).toarray()
    sims = np.concatenate([top, rest])
    for i in range(40):
        for j in range(40):
            want = 0.0
            for t in range(24, -1, -1):
                if dense[i, t] and dense[j, t]:
                    want += dense[i, t] * dense[j, t]
            assert sims[i, j] == want
    assert (sims == sims.T).all()


def test_cells_rounding_level_with_the_kth_are_kept():
    """A cell just under a paper's k-th similarity may round to the same 1e-6 and then win on
    tags: it must be a candidate. One rounding to 0 need not be."""
    a, b, c = 0.5000004, 0.5000001, 0.0000004
    words = sparse.csr_matrix(np.array([
        [1.0, 0, 0, 0], [a, np.sqrt(1 - a * a), 0, 0], [b, 0, np.sqrt(1 - b * b), 0],
        [c, 0, 0, np.sqrt(1 - c * c)]]))
    words = related._scaled_descending(words, np.ones(4))
    paper, other, _ = related._candidates(words, 1)
    assert {1, 2} <= set(other[paper == 0].tolist())
    c = 0.00000055  # rounds to 1e-6
    words = related._scaled_descending(
        sparse.csr_matrix(np.array([[1.0, 0], [c, np.sqrt(1 - c * c)]])), np.ones(2))
    paper, other, _ = related._candidates(words, 1)
    assert sorted(zip(paper.tolist(), other.tolist(), strict=True)) == [(0, 1), (1, 0)]


# ---------------------------------------------------------------- a new dump

def _in_dumps(papers: list[Paper], size: int) -> list[Paper]:
    """The papers as if imported `size` at a time, in slug order, from dumps d00, d01..."""
    from dataclasses import replace

    ordered = sorted(papers, key=lambda p: p.slug)
    return [replace(p, sources=(f"d{i // size:02d}",)) for i, p in enumerate(ordered)]


def test_word_weights_are_counted_in_the_oldest_dumps_up_to_a_power_of_two():
    papers = _in_dumps([Paper(f"p{i:03d}", f"T{i}") for i in range(237)], 30)
    dumps = tuple(sorted({p.first_seen for p in papers}))
    counted = related.reference(papers, dumps)
    assert counted.sum() == 120  # four whole dumps of 30 fit in 128
    assert {p.first_seen for p, c in zip(papers, counted, strict=True) if c} == set(dumps[:4])
    one_dump = _in_dumps(papers, 1000)  # no dump small enough: every paper counts
    assert related.reference(one_dump, ("d00",)).all()
    unknown = [Paper(f"q{i}", "T") for i in range(10)]  # hand-written pages, no dump
    assert related.reference(unknown, ()).all()


def test_a_new_dump_changes_a_related_list_only_where_a_new_paper_comes_in(site):
    """With word weights from the oldest dumps, new papers reorder no old paper's list: old
    papers keep their order, and a list changes only by taking a new paper in, or for the
    few papers that shared a word with no other paper until a new one has it too."""
    from collections import Counter

    papers = _in_dumps(list(site.papers), 30)
    dumps = tuple(sorted({p.first_seen for p in papers}))
    old = [p for p in papers if p.first_seen != dumps[-1]]
    new = [p for p in papers if p.first_seen == dumps[-1]]
    new_slugs = {p.slug for p in new}
    words = {p.slug: set(related.paper_terms(p.title, p.abstract)[0]) for p in papers}
    once = Counter(w for p in old for w in words[p.slug])
    new_words = set().union(*(words[p.slug] for p in new))
    now_shared = {p.slug for p in old if any(once[w] == 1 and w in new_words
                                             for w in words[p.slug])}
    before = related_papers(Site(tuple(old), (), (), dumps=dumps[:-1]))
    after = related_papers(Site(tuple(papers), (), (), dumps=dumps))
    taken_in = unchanged = 0
    for slug, listed in before.items():
        kept = [s for s in after[slug] if s not in new_slugs]
        if kept != list(listed[:len(kept)]):  # reordered or lost an old paper
            assert slug in now_shared or set(listed) & now_shared, slug
        taken_in += len(kept) < len(after[slug])
        unchanged += after[slug] == listed
    assert taken_in > 0 and unchanged > len(before) // 3


def test_words_are_stemmed_as_the_search_index_stems_them():
    """One reading of a word in the site: related papers and search share lunr.js's stemmer
    (lunr.py's Porter stemmer reads 'trying' and 'sky' otherwise)."""
    from sitegen import lunrjs, related

    for word in ("trying", "sky", "generalization", "diffusion", "grokking", "models"):
        assert related.term(word) == lunrjs.stemmer(word)
    assert related.term("trying") == "tri"
