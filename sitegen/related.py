"""Related papers: TF-IDF cosine similarity over title and abstract, shared tags breaking ties.

The similarity of every pair is one sparse matrix product, computed a block of rows at a time
so memory stays bounded (about BLOCK_CELLS dense cells per block) and no Python loop runs over
pairs. The order is total and reproducible: similarity rounded to 1e-6 (so the last bits of a
float sum never reorder a list), then more shared tags, then slug. Papers with neither a shared
word nor a shared tag are never listed as related.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from lunr.stemmer import PorterStemmer
from scipy import sparse

from sitegen.mathtext import plain
from sitegen.model import Paper, Site, slugify

RELATED = 5  # papers listed on each paper page
BLOCK_CELLS = 2_000_000  # dense cells per block of rows (16 MB of float64)
TITLE_WEIGHT = 2  # a word in the title counts as much as two in the abstract
MAX_DF = 0.2  # terms in more than this share of the papers are left out...
MIN_DF_LIMIT = 50  # ...unless in at most this many: a small review keeps all its words
MAX_TERMS = 40  # a paper's heaviest terms kept
_SCALE = 1_000_000  # similarity rounded to 1e-6
_TAG_BITS = 8  # shared tags counted up to 255
# Punctuation to a space before splitting: much faster than a regex over every abstract.
_SPLIT = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                        "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7\u2212\u00a0"})
_WORD = re.compile(r"[^\W\d_][\w]*")
STOP_WORDS = frozenset("""
a about above across after again against all almost also although always am among an and
another any are around as at be became because been before being below between both but by
can cannot could did do does doing done down due during each either else even ever every few
for from further had has have having he her here hers herself him himself his how however i
if in into is it its itself just least less like made make makes many may me might more most
much must my myself neither no nor not now of off often on once one only or other others our
ours ourselves out over own per rather same several she should show shows shown since so some
such than that the their theirs them themselves then there these they this those though
through thus to too toward towards under until up upon us use used uses using very via was
we well were what when where whether which while who whom whose why will with within without
would yet you your yours yourself yourselves paper propose proposed approach method methods
results result new based work study studies also however moreover furthermore first second
""".split())


def _words(text: str) -> list[str]:
    return text.casefold().translate(_SPLIT).split()


_STEM = PorterStemmer().stem


def term(word: str) -> str | None:
    """A word's term: Porter-stemmed ('grokking' -> 'grok'); None for stop words, numbers and
    one-letter words."""
    if not word.isalnum():  # punctuation _SPLIT does not know: keep the letters
        word = "".join(_WORD.findall(word))
    if len(word) < 2 or word[0].isdigit() or word in STOP_WORDS:
        return None
    return _STEM(word)


def tokens(text: str) -> list[str]:
    """The terms of a text, in order (for tests and debugging)."""
    return [t for w in _words(plain(text)) if (t := term(w))]


def tfidf(papers: Sequence[Paper], max_terms: int = MAX_TERMS) -> sparse.csr_matrix:
    """Rows: papers; columns: terms in at least two papers and in at most MAX_DF of them.
    Sublinear term frequency, idf = log(n / df), each row's max_terms heaviest terms kept,
    rows scaled to unit length.

    A term in most papers says little about which two are related ('generalization' in a
    review of generalization) but makes the product dense; so do a paper's many light terms.
    Leaving both out is what keeps the similarity of 10,000 papers a few seconds' work."""
    n = len(papers)
    flat: list[str] = []  # every word of every paper, in order
    lengths: list[int] = []  # how many words each (paper, field) added
    for paper in papers:
        for text in (paper.title, paper.abstract):
            words = _words(plain(text))
            flat.extend(words)
            lengths.append(len(words))
    index = {w: i for i, w in enumerate(dict.fromkeys(flat))}  # word -> id, first use first
    terms: dict[str, int] = {}
    term_of = np.array([-1 if (t := term(w)) is None else terms.setdefault(t, len(terms))
                        for w in index] + [-1], dtype=np.int64)
    cols = term_of[np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))]
    sizes = np.asarray(lengths, dtype=np.int64)
    rows = np.repeat(np.repeat(np.arange(n, dtype=np.int64), 2), sizes)
    weights = np.repeat(np.tile(np.array([TITLE_WEIGHT, 1.0]), n), sizes)
    keep = cols >= 0
    counts = sparse.csr_matrix((weights[keep], (rows[keep], cols[keep])),
                               shape=(n, max(1, len(terms))))  # duplicates summed below
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.where((df >= 2) & (df <= max(MIN_DF_LIMIT, int(MAX_DF * n))),
                   np.log(n / np.maximum(df, 1)), 0.0)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    counts.eliminate_zeros()
    counts = _heaviest(counts, max_terms)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)


def _heaviest(matrix: sparse.csr_matrix, limit: int) -> sparse.csr_matrix:
    """Each row's `limit` largest entries (ties: the lower column), the rest dropped."""
    row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((matrix.indices, -matrix.data, row))
    rank = np.arange(len(order)) - matrix.indptr[row[order]]
    chosen = np.sort(order[rank < limit])
    return sparse.csr_matrix((matrix.data[chosen], (row[chosen], matrix.indices[chosen])),
                             shape=matrix.shape)


def _tag_matrix(papers: list[Paper]) -> sparse.csr_matrix:
    slug_of = {name: slugify(name) for name in sorted({t for p in papers for t in p.tags})}
    index = {s: i for i, s in enumerate(sorted(set(slug_of.values())))}
    rows, cols = [], []
    for row, paper in enumerate(papers):
        for col in sorted({index[slug_of[t]] for t in paper.tags}):
            rows.append(row)
            cols.append(col)
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                             shape=(len(papers), max(1, len(index))))


def related_papers(site: Site, k: int = RELATED) -> dict[str, tuple[str, ...]]:
    """slug -> the slugs of its k most related visible papers, most related first."""
    papers = sorted(site.papers, key=lambda p: p.slug)  # index order is the last tie-break
    n = len(papers)
    if n < 2 or k < 1:
        return {p.slug: () for p in papers}
    if n >= 1 << (63 - _TAG_BITS - 21):
        raise ValueError("too many papers for the related-papers key")
    words = tfidf(papers)
    words_t = sparse.csr_matrix(words.T)
    tags = _tag_matrix(papers)
    tags_t = sparse.csr_matrix(tags.T)
    index_bits = max(1, (n - 1).bit_length())
    # Larger key = more related: similarity, then shared tags, then the smaller index.
    rank = (n - 1 - np.arange(n, dtype=np.int64))
    block = max(1, BLOCK_CELLS // n)
    take = min(k, n - 1)
    result: dict[str, tuple[str, ...]] = {}
    for start in range(0, n, block):
        stop = min(n, start + block)
        # In place where possible: these blocks are the bulk of the work at 10,000 papers.
        score = (words[start:stop] @ words_t).toarray()
        np.multiply(score, _SCALE, out=score)
        key = np.rint(score, out=score).astype(np.int64)  # similarity, rounded, >= 0
        shared = (tags[start:stop] @ tags_t).toarray()
        np.minimum(shared, (1 << _TAG_BITS) - 1, out=shared)
        irrelevant = (key == 0) & (shared == 0)
        irrelevant[np.arange(stop - start), np.arange(start, stop)] = True  # not itself
        key <<= _TAG_BITS
        key |= shared
        key <<= index_bits
        key |= rank
        key[irrelevant] = -1
        top = np.argpartition(-key, take - 1, axis=1)[:, :take]
        top_keys = np.take_along_axis(key, top, axis=1)
        order = np.argsort(-top_keys, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_keys = np.take_along_axis(top_keys, order, axis=1)
        for offset in range(stop - start):
            chosen = top[offset][top_keys[offset] >= 0]
            result[papers[start + offset].slug] = tuple(papers[j].slug for j in chosen)
    return result
