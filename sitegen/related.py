"""Related papers: TF-IDF cosine similarity over title and abstract, shared tags breaking ties.

Word weights (idf) are counted in the papers of the oldest dumps (`reference`), so that a new
dump changes a paper's list only where a new paper comes in, not every list by a shifted weight.

The order is total and reproducible: similarity rounded to 1e-6 (so the last bits of a float sum
never reorder a list), then more shared tags, then slug. Papers with neither a shared word nor a
shared tag are never listed as related.

Fast, and still exact (the same lists as ranking every cell of the full similarity matrix):

- A paper's terms depend on its title and abstract only (`paper_terms`), so a build can keep
  them across builds (`memo`); everything after them is recomputed every time.
- Only pairs sharing a kept term are ever looked at: a block of papers times the transposed
  matrix, kept sparse (no dense row n wide). Each paper keeps the cells near or above a floor
  its k-th most similar paper surely reaches (from maxima of runs of its cells); their exact
  keys are ranked at the end.
- Every similarity is the same float sum, added in the same order (a pair's common terms from
  the highest column down) from either paper of the pair: scipy's product sums each row in
  its stored order.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import MutableMapping, Sequence
from itertools import chain, pairwise

import numpy as np
from scipy import sparse

from sitegen import lunrjs
from sitegen.mathtext import plain
from sitegen.model import Paper, Site

RELATED = 5  # papers listed on each paper page
BLOCK_CELLS = 4_000_000  # products per block of papers (about 50 MB)
TITLE_WEIGHT = 2  # a word in the title counts as much as two in the abstract
MAX_DF = 0.2  # terms in more than this share of the papers are left out...
MIN_DF_LIMIT = 50  # ...unless in at most this many: a small review keeps all its words...
# ...and always when in more than this many: papers sharing a term are candidate pairs, so a
# limit that grew with the review would make the work grow with its square (at 1,000 it did:
# 50,000 papers took 8 s of products alone, at 200 under 1 s). The trade-off: a term in over
# 200 papers no longer relates any two of them, which in a review of thousands says little
# anyway (idf < log 25 at 5,000 papers). Reviews up to 1,000 papers are unaffected.
MAX_DF_PAPERS = 200
MAX_TERMS = 40  # a paper's heaviest terms kept
TERMS_VERSION = 2  # part of every memo key: bump it when paper_terms() changes
_SCALE = 1_000_000  # similarity rounded to 1e-6
# A cell 1e-6 below a paper's k-th similarity can still round to the same value and win on
# tags.
_MARGIN = 2e-6
_TAG_BITS = 8  # shared tags counted up to 255
_PUNCT = ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
          "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7\u2212\u00a0")
_ASCII_PUNCT = "".join(c for c in _PUNCT if c.isascii()).encode()
_SPLIT_ASCII = bytes.maketrans(_ASCII_PUNCT, b" " * len(_ASCII_PUNCT))
_WIDE_PUNCT = [c for c in _PUNCT if not c.isascii()]
# What mathtext reads as LaTeX (its _HINT): a text without any of these is its own plain().
_LATEX_MARKS = ("\\", "$", "_", "^", "``")
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

Terms = tuple[tuple[str, ...], tuple[int, ...]]  # a paper's terms, and the weight of each


# ---------------------------------------------------------------- words and terms

def _words(text: str) -> list[str]:
    """Casefolded words, split at white space and at _PUNCT. bytes.translate for the ASCII
    marks (no UTF-8 sequence holds an ASCII byte) and str.replace for the others are several
    times faster than str.translate."""
    text = text.casefold()
    if not text.isascii():
        for mark in _WIDE_PUNCT:
            if mark in text:
                text = text.replace(mark, " ")
    data = text.encode("utf-8", "surrogatepass").translate(_SPLIT_ASCII)
    return data.decode("utf-8", "surrogatepass").split()


def _plain(text: str) -> str:
    """mathtext.plain(text), skipping its regex scan of the many texts without LaTeX."""
    for mark in _LATEX_MARKS:
        if mark in text:
            return plain(text)
    return text


_STEM = lunrjs.stemmer  # the search index's stemmer: one reading of a word in the site


def term(word: str) -> str | None:
    """A word's term: stemmed as the search index stems it ('grokking' -> 'grok'); None for
    stop words, numbers and one-letter words."""
    if not word.isalnum():  # punctuation _PUNCT does not hold: keep the letters
        word = "".join(_WORD.findall(word))
    if len(word) < 2 or word[0].isdigit() or word in STOP_WORDS:
        return None
    return _STEM(word)


class _TermCache(dict):
    """word -> term(word), filled on first use: words recur, and stemming is slow. Cleared
    now and then so a long `sitegen serve` cannot grow it without bound."""

    def __missing__(self, word: str) -> str | None:
        if len(self) >= 1 << 20:
            self.clear()
        found = self[word] = term(word)
        return found


_TERMS = _TermCache()


def tokens(text: str) -> list[str]:
    """The terms of a text, in order (for tests and debugging)."""
    return [t for w in _words(plain(text)) if (t := term(w))]


def paper_terms(title: str, abstract: str) -> Terms:
    """A paper's terms in order of first use, title first, and their weights: TITLE_WEIGHT per
    use in the title, 1 per use in the abstract. Depends on the two texts only."""
    get = _TERMS.__getitem__
    heading = list(map(get, _words(_plain(title))))
    weights: Counter[str | None] = Counter()
    for _ in range(TITLE_WEIGHT):
        weights.update(heading)
    weights.update(map(get, _words(_plain(abstract))))
    weights.pop(None, None)  # stop words, numbers
    return tuple(weights), tuple(weights.values())


def memo_key(title: str, abstract: str) -> str:
    """A paper's key in related_papers' `memo`: a hash of its title and abstract, and of
    TERMS_VERSION, so terms from another version of paper_terms are never used."""
    data = f"{TERMS_VERSION}\0{len(title)}\0{title}{abstract}"
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _all_terms(papers: Sequence[Paper], memo: MutableMapping[str, Terms] | None
               ) -> list[Terms]:
    if memo is None:
        return [paper_terms(p.title, p.abstract) for p in papers]
    out = []
    for paper in papers:
        key = memo_key(paper.title, paper.abstract)
        found = memo.get(key)
        if found is None:
            found = memo[key] = paper_terms(paper.title, paper.abstract)
        out.append(found)
    return out


# ---------------------------------------------------------------- matrices

def _counts(per_paper: list[Terms]) -> sparse.csr_matrix:
    """Papers x terms, canonical. Terms are numbered in order of first use, paper by paper:
    the numbering breaks ties among a paper's heaviest terms and orders every sum."""
    ids = {t: i for i, t in enumerate(dict.fromkeys(chain.from_iterable(
        terms for terms, _ in per_paper)))}
    indptr = np.zeros(len(per_paper) + 1, dtype=np.int64)
    np.cumsum([len(terms) for terms, _ in per_paper], out=indptr[1:])
    size = int(indptr[-1])
    dtype = np.int32 if max(size, len(ids)) < 2**31 else np.int64  # as scipy would have it
    cols = np.fromiter(map(ids.__getitem__, chain.from_iterable(terms for terms, _ in per_paper)),
                       dtype=dtype, count=size)
    data = np.fromiter(chain.from_iterable(w for _, w in per_paper), dtype=np.float64,
                       count=size)
    counts = sparse.csr_matrix((data, cols, indptr.astype(dtype)),
                               shape=(len(per_paper), max(1, len(ids))))
    counts.sort_indices()
    return counts


def df_limit(n: int) -> int:
    """The most papers a term may be in and still count, for a review of n papers."""
    return min(MAX_DF_PAPERS, max(MIN_DF_LIMIT, int(MAX_DF * n)))


def reference(papers: Sequence[Paper], dumps: Sequence[str]) -> np.ndarray:
    """Which papers word frequencies are counted in: those first seen in the oldest dumps,
    as many whole dumps (in `dumps` order) as hold at most the largest power of two not
    above the paper count; all papers when those hold under a quarter of them (one big
    dump, pages without a dump).

    Counted over every paper, a new dump would change the weight of most words, and with it
    the order of most related lists (21 papers added to the example's 216 reordered 192 of
    their lists), so a dump would make most paper pages render again. Counted over the
    oldest dumps, weights stay as they are until the review doubles, and a paper's list
    changes only when a new paper is among its most related."""
    n = len(papers)
    position = {name: i for i, name in enumerate(dumps)}  # others (no dump, a removed one) last
    first = np.array([position.get(p.first_seen, len(dumps)) for p in papers], dtype=np.int64)
    per_dump = np.bincount(first, minlength=len(dumps) + 1)
    within = np.cumsum(per_dump) <= 1 << max(0, n.bit_length() - 1)
    taken = int(within.sum())  # whole dumps, oldest first, that fit
    mask = first < taken
    return mask if 4 * mask.sum() >= n else np.ones(n, dtype=bool)


def tfidf(papers: Sequence[Paper], max_terms: int = MAX_TERMS,
          memo: MutableMapping[str, Terms] | None = None,
          counted: np.ndarray | None = None) -> sparse.csr_matrix:
    """Rows: papers; columns: terms in at least two papers and in at most df_limit(m) of the
    m papers `counted` (a mask, default all). Sublinear term frequency, idf = log(m / df)
    with df counted in those papers (at least 1), each row's max_terms heaviest terms kept,
    rows scaled to unit length and stored from the highest column down.

    A term in most papers says little about which two are related ('generalization' in a
    review of generalization) but makes the product dense; so do a paper's many light terms.
    Leaving both out keeps the product small. `memo`: as in related_papers."""
    counts = _counts(_all_terms(papers, memo))
    found = np.bincount(counts.indices, minlength=counts.shape[1])  # in all papers
    if counted is None or counted.all():
        n, df = len(papers), found
    else:
        n = int(counted.sum())
        df = np.bincount(counts[counted].indices, minlength=counts.shape[1])
    df = np.maximum(df, 1)
    idf = np.where((found >= 2) & (df <= df_limit(n)), np.log(n / df), 0.0)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    counts.eliminate_zeros()
    counts = _heaviest(counts, max_terms)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return _scaled_descending(counts, 1.0 / norms)


def _heaviest(matrix: sparse.csr_matrix, limit: int) -> sparse.csr_matrix:
    """Each row's `limit` largest entries (ties: the lower column), the rest dropped. A few
    rows at a time, to keep the sort's memory small; `matrix` is canonical, so a stable sort
    keeps tied entries in column order."""
    indptr = matrix.indptr
    chosen = []
    first = 0
    while first < matrix.shape[0]:
        last = max(first + 1, int(np.searchsorted(indptr, indptr[first] + (1 << 20), "right")) - 1)
        lo, hi = indptr[first], indptr[last]
        row = np.repeat(np.arange(last - first, dtype=np.int32), np.diff(indptr[first:last + 1]))
        order = np.lexsort((-matrix.data[lo:hi], row))
        rank = np.arange(hi - lo) - (indptr[first:last] - lo)[row[order]]
        chosen.append(np.sort(order[rank < limit]) + lo)
        first = last
    chosen = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    sizes = np.minimum(np.diff(indptr), limit)
    return sparse.csr_matrix((matrix.data[chosen], matrix.indices[chosen],
                              np.concatenate([[0], np.cumsum(sizes)]).astype(indptr.dtype)),
                             shape=matrix.shape)


def _scaled_descending(matrix: sparse.csr_matrix, scale: np.ndarray) -> sparse.csr_matrix:
    """Each row times its scale, its entries from the highest column down: the order in which
    every similarity adds up its terms."""
    row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    at = matrix.indptr[row] + matrix.indptr[row + 1] - 1 - np.arange(len(row))
    return sparse.csr_matrix((scale[row] * matrix.data[at], matrix.indices[at], matrix.indptr),
                             shape=matrix.shape)


def _tag_matrix(papers: list[Paper]) -> sparse.csr_matrix:
    index = {s: i for i, s in enumerate(sorted({s for p in papers for s in p.tag_slugs}))}
    rows, cols = [], []
    for row, paper in enumerate(papers):
        for col in sorted(index[s] for s in paper.tag_slugs):
            rows.append(row)
            cols.append(col)
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                             shape=(len(papers), max(1, len(index))))


# ---------------------------------------------------------------- similar pairs

def _block_bounds(words: sparse.csr_matrix, by_term: sparse.csr_matrix) -> list[int]:
    """Row blocks of about BLOCK_CELLS products each (a row's products: the papers of its
    terms, at most MAX_TERMS * MAX_DF_PAPERS), at least one row a block."""
    df = np.diff(by_term.indptr).astype(np.int64)
    per_row = np.bincount(np.repeat(np.arange(words.shape[0]), np.diff(words.indptr)),
                          weights=df[words.indices], minlength=words.shape[0])
    total = np.concatenate([[0], np.cumsum(per_row)])
    bounds = [0]
    while bounds[-1] < words.shape[0]:
        at = bounds[-1]
        bounds.append(max(at + 1, int(np.searchsorted(total, total[at] + BLOCK_CELLS,
                                                      "right")) - 1))
    return bounds


def _similarities(words: sparse.csr_matrix, by_term: sparse.csr_matrix, first: int,
                  last: int) -> sparse.csr_matrix:
    """Rows first..last of words @ words.T, sparse: only the pairs sharing a term. scipy adds
    a cell's products in the order of its row's entries, from the highest column down, so
    each similarity is the same float sum from either paper of the pair."""
    return words[first:last] @ by_term


def _candidates(words: sparse.csr_matrix, k: int) -> tuple[np.ndarray, ...]:
    """(paper, other, similarity) of every pair that may be among the paper's k most similar
    by rounded similarity; pairs whose similarity rounds to 0 left out.

    Work grows with the pairs that share a term, not with n squared. A paper's row (itself
    included) is cut into `segments` runs: at least k runs without the paper itself reach the
    (k + 1)-th largest of their maxima, a floor under the paper's k-th similarity, and only
    cells within _MARGIN of it (more than rounding can tie) are kept."""
    by_term = sparse.csr_matrix(words.T)
    segments = max(8 * k, 32)
    found = []
    for first, last in pairwise(_block_bounds(words, by_term)):
        sims = _similarities(words, by_term, first, last)
        indptr, data = sims.indptr, sims.data
        sizes = np.diff(indptr)
        long = np.flatnonzero(sizes > segments)
        if len(long):
            # segment j of a long row: its cells from start + j * size // segments on, the
            # last up to the row's end; a mark at each end, ignored, keeps rows apart
            marks = np.empty((len(long), segments + 1), dtype=np.int64)
            marks[:, :segments] = indptr[long, None] + (
                np.arange(segments) * sizes[long, None]) // segments
            marks[:, segments] = indptr[long + 1]
            maxima = np.maximum.reduceat(np.append(data, 0.0), marks.ravel())
            maxima = maxima.reshape(len(long), segments + 1)[:, :segments]
            floor = np.full(last - first, -np.inf)
            floor[long] = np.partition(maxima, segments - k - 1, axis=1)[:, segments - k - 1]
            at = np.flatnonzero(data >= np.repeat(floor - _MARGIN, sizes))
        else:
            at = np.arange(len(data))
        row = np.searchsorted(indptr, at, "right") - 1 + first
        other = sims.indices[at].astype(np.int64)
        value = data[at]
        keep = (np.rint(value * _SCALE) > 0) & (other != row)
        found.append((row[keep], other[keep], value[keep]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))


def _tag_bits(tags: sparse.csr_matrix) -> np.ndarray:
    """Each paper's tags as a bit set, 64 tags a word."""
    n, m = tags.shape
    rows = np.repeat(np.arange(n), np.diff(tags.indptr))
    bits = np.zeros((n, (m + 63) // 64), dtype=np.uint64)
    np.bitwise_or.at(bits, (rows, tags.indices // 64),
                     np.left_shift(np.uint64(1), (tags.indices % 64).astype(np.uint64)))
    return bits


def _shared_tags(tags: sparse.csr_matrix, papers: np.ndarray, others: np.ndarray
                 ) -> np.ndarray:
    """How many tags each pair shares, up to 255: popcounts of tag bit sets."""
    bits = _tag_bits(tags)
    out = np.empty(len(papers), dtype=np.int64)
    step = max(1, BLOCK_CELLS // bits.shape[1])
    for at in range(0, len(papers), step):
        both = bits[papers[at:at + step]] & bits[others[at:at + step]]
        out[at:at + step] = np.bitwise_count(both).sum(axis=1, dtype=np.int64)
    return np.minimum(out, (1 << _TAG_BITS) - 1)


# ---------------------------------------------------------------- ranking

def related_papers(site: Site, k: int = RELATED,
                   memo: MutableMapping[str, Terms] | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """slug -> the slugs of its k most related visible papers, most related first.

    `memo` maps memo_key(title, abstract) to paper_terms(title, abstract) (two tuples: plain
    picklable data); found entries are used, missing ones added. Keep it from one build to
    the next to skip reading unchanged papers again: the result is the same either way."""
    papers = sorted(site.papers, key=lambda p: p.slug)  # index order is the last tie-break
    n = len(papers)
    if n < 2 or k < 1:
        return {p.slug: () for p in papers}
    if n >= 1 << (63 - _TAG_BITS - 21):
        raise ValueError("too many papers for the related-papers key")
    take = min(k, n - 1)
    counted = reference(papers, site.dumps)
    paper, other, sim = _candidates(tfidf(papers, memo=memo, counted=counted), take)
    score = np.rint(sim * _SCALE).astype(np.int64)  # similarity, rounded
    keep = score > 0
    paper, other, score = paper[keep], other[keep], score[keep]
    tags = _tag_matrix(papers)
    index_bits = max(1, (n - 1).bit_length())
    # Larger key = more related: similarity, then shared tags, then the smaller index.
    key = ((score << _TAG_BITS | _shared_tags(tags, paper, other)) << index_bits) \
        | (n - 1 - other)
    order = np.lexsort((-key, paper))
    other, key = other[order], key[order]
    first = np.searchsorted(paper[order], np.arange(n + 1))
    slugs = [p.slug for p in papers]
    result = {}
    short = []  # fewer than `take` similar papers: shared tags fill the list
    for i, (a, b) in enumerate(pairwise(first.tolist())):
        if b - a < take:
            short.append(i)
        result[slugs[i]] = tuple(slugs[j] for j in other[a:min(b, a + take)].tolist())
    if short:
        _fill(result, slugs, tags, np.asarray(short), take, index_bits, (first, other, key))
    return result


def _fill(result: dict[str, tuple[str, ...]], slugs: list[str], tags: sparse.csr_matrix,
          short: np.ndarray, take: int, index_bits: int,
          similar: tuple[np.ndarray, ...]) -> None:
    """The lists of papers with fewer than `take` similar papers: their similar papers first,
    then papers by shared tags and index; papers sharing no tag left out.

    Papers with the same tags rank among themselves by index, so only each tag set's first
    take + 1 papers can be needed (a paper and its fewer than `take` similar papers are left
    out), and only the take + 1 tag sets whose first paper ranks highest: each of those
    first papers outranks every paper of a lower tag set."""
    first, other, key = similar
    n = len(slugs)
    bits = _tag_bits(tags)
    sets, group = np.unique(bits, axis=0, return_inverse=True)
    group = group.ravel()
    members = np.argsort(group, kind="stable")  # by tag set, then index
    begin = np.searchsorted(group[members], np.arange(len(sets)))
    size = np.bincount(group, minlength=len(sets))
    heads = np.full((len(sets), take + 1), -1, dtype=np.int64)
    for j in range(take + 1):
        has = size > j
        heads[has, j] = members[begin[has] + j]
    rank = n - 1 - np.arange(n, dtype=np.int64)
    width = min(take + 1, len(sets))
    block = max(1, BLOCK_CELLS // (8 * len(sets) * sets.shape[1]))  # 4 MB of keys
    for at in range(0, len(short), block):
        rows = short[at:at + block]
        if sets.shape[1] == 1:  # up to 64 tags: one word a paper
            shared = np.bitwise_count(bits[rows] & sets[:, 0]).astype(np.int64)
        else:
            shared = np.bitwise_count(bits[rows][:, None, :] & sets[None, :, :]).sum(
                axis=2, dtype=np.int64)
            np.minimum(shared, (1 << _TAG_BITS) - 1, out=shared)
        set_key = (shared << index_bits) | rank[heads[:, 0]]
        set_key[shared == 0] = -1
        best = np.argpartition(-set_key, width - 1, axis=1)[:, :width]
        cands = heads[best]  # (rows, width, take + 1)
        cand_keys = (np.take_along_axis(shared, best, axis=1)[:, :, None] << index_bits) \
            | rank[cands]
        cand_keys[(cands < 0) | (np.take_along_axis(set_key, best, axis=1) < 0)[:, :, None]] = -1
        for line, i in enumerate(rows.tolist()):
            listed = other[first[i]:first[i + 1]]
            found = cands[line].ravel()
            keys = cand_keys[line].ravel()
            ok = (keys >= 0) & (found != i) & ~np.isin(found, listed)
            found, keys = found[ok], keys[ok]
            order = np.argsort(-keys, kind="stable")[:take - len(listed)]
            result[slugs[i]] = tuple(slugs[j] for j in chain(
                listed.tolist(), found[order].tolist()))
