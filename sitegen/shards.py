"""The search index cut into files the browser fetches as a query needs them.

lunr.js scores a document by the dot product of its field vectors with the query vector,
divided by the query vector's length only. Each entry of a field vector belongs to one
posting (a term in a document's field) and already holds the term's idf and the field's length
norm, so the postings of the query's terms alone give lunr's scores exactly; the worker
(search-index.js) runs lunr's query algorithm on them, step for step.

Files, all under one folder named by a hash of their contents (every file changes with any
new paper anyway: the idf of every term depends on the number of papers):

- `t<n>.json` term shards: contiguous runs of terms in lunr's sort order, cut at about
  SHARD_GZIP bytes gzipped; the manifest lists the shortest start of each shard's first
  term that sorts after the previous shard's last. A term is
  `[term, lunr's term number, [field postings]...]`, a field's postings a flat list of
  document-number gaps and Math.round(score * 1000): what lunr's serialised index says in a
  third of the bytes.
- `w<n>.json` the terms n UTF-16 units long (the last file: n and longer), for fuzzy and
  leading-wildcard queries, which cannot be routed by prefix.
- `r<n>.json` result records, RECORDS_PER_FILE papers a file, fetched for the results shown.
- `filters.json` each paper's year and tags, for filters and their counts: papers share few
  (year, tags) profiles, so each paper is a profile number.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sitegen import lunrjs, urls

SHARD_GZIP = 4_000  # bytes: a query fetched a median 20.6 KB at 5k with these, 28.7 KB with
# 8 KB shards, for 2.7 KB more manifest fetched once a visit
RECORDS_PER_FILE = 4  # records of neighbouring papers share a file (and its gzip header)
LONGEST_WORDS = 24  # words this long or longer share one word list
_SAMPLE = 1 << 17  # bytes of shard text compressed to learn how well it compresses


@dataclass(frozen=True)
class Shards:
    """The data files (name -> bytes, within `folder`) and what the manifest says of them."""
    folder: str  # 'assets/search-<hash>/', from the site root
    files: dict[str, bytes]
    firsts: list[str]  # what routes a term to each shard: a start of its first term
    words: int  # word lists w1 ... w<words>
    papers: int

    def paths(self) -> dict[str, bytes]:
        return {self.folder + name: data for name, data in self.files.items()}


def build(refs: list[str], index: lunrjs.Postings, n_fields: int, records: list[list[Any]],
          profiles: list[tuple[str, tuple[str, ...]]]) -> Shards:
    """The files for these documents (refs must be their positions, "0", "1", ...),
    their result records and (year, tag slugs) each."""
    if refs != [str(i) for i in range(len(refs))]:
        raise ValueError("search shards need each document's ref to be its position")
    terms, entries = _entries(index, n_fields)
    files: dict[str, bytes] = {}
    firsts = []
    for n, (start, end) in enumerate(_cuts(entries)):
        firsts.append(_separator(terms[start - 1], terms[start]) if start else terms[start])
        files[f"t{n}.json"] = b"[" + b",".join(entries[start:end]) + b"]"
    lists = _word_lists(terms)
    for n, words in enumerate(lists, 1):
        files[f"w{n}.json"] = _json(words)
    for n in range(0, len(records), RECORDS_PER_FILE):
        files[f"r{n // RECORDS_PER_FILE}.json"] = _json(records[n:n + RECORDS_PER_FILE])
    files["filters.json"] = _table(profiles)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    folder = f"{urls.ASSETS}search-{digest.hexdigest()[:10]}/"
    return Shards(folder, files, firsts, len(lists), len(refs))


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _separator(previous: str, first: str) -> str:
    """The shortest start of `first` that sorts after `previous` in lunr.js's order: all the
    manifest needs to route a term to its shard. A shard that starts with a long pair term
    ("memoriqgeneralizq") is routed by a few letters, which keeps the manifest, fetched
    once a visit, small (64 KB gzip at 50,000 papers with whole first terms)."""
    key = lunrjs.js_sort_key(previous)
    for end in range(1, len(first)):
        if lunrjs.js_sort_key(first[:end]) > key:
            return first[:end]
    return first


def _entries(index: lunrjs.Postings, n_fields: int) -> tuple[list[str], list[bytes]]:
    """The terms in lunr's sort order, and each one's entry (see the module's doc), made on
    arrays as lunrjs makes the index: one text per (term, field), joined from a table."""
    n_terms = len(index.terms)
    if not n_terms:
        return [], []
    order = lunrjs._js_sorted(index.terms)
    rank = np.empty(n_terms, dtype=np.intp)
    rank[order] = np.arange(n_terms)
    n_docs = len(index.sizes) // n_fields
    doc = index.segment // n_fields
    scores = index.scores.astype(np.int64)
    values, which = lunrjs._distinct(scores)
    group, doc, which = lunrjs._sort_rows(
        (rank[index.ids] * n_fields + index.segment - doc * n_fields, doc, which),
        (n_terms * n_fields, n_docs, len(values)))
    sizes = np.bincount(group, minlength=n_terms * n_fields)
    starts = np.cumsum(sizes) - sizes
    first = np.zeros(len(doc), dtype=bool)
    first[starts[sizes > 0]] = True
    gaps = doc.copy()
    gaps[1:] -= doc[:-1]
    gaps[first] = doc[first]  # a field's first posting: the document number itself
    top = int(gaps.max(initial=0)) + 1
    numbers = [str(i).encode() for i in range(top)]
    table = [b"," + n for n in numbers] + numbers + [
        b"," + str(int(v)).encode() for v in values]
    pieces = np.empty(2 * len(doc), dtype=np.intp)
    pieces[0::2] = gaps + first * top
    pieces[1::2] = which + 2 * top
    texts = lunrjs._texts(table, pieces, 2 * np.cumsum(sizes))
    names = lunrjs._contents([index.terms[t] for t in order])
    entries = [b"".join((b'["', name, b'",', str(number).encode(), b",[",
                         b"],[".join(texts[t * n_fields:(t + 1) * n_fields]), b"]]"))
               for t, (name, number) in enumerate(zip(names, order, strict=True))]
    return [index.terms[t] for t in order], entries


def _cuts(entries: list[bytes]) -> list[tuple[int, int]]:
    """(start, end) of each shard: consecutive entries up to SHARD_GZIP gzipped, estimated
    from how well a sample of them compresses; an entry larger than that is a shard alone."""
    sample = b",".join(entries)[:_SAMPLE]
    ratio = len(gzip.compress(sample, 6, mtime=0)) / max(len(sample), 1)
    budget = SHARD_GZIP / max(ratio, 0.05)
    cuts = []
    start, size = 0, 0
    for n, entry in enumerate(entries):
        if size and size + len(entry) > budget:
            cuts.append((start, n))
            start, size = n, 0
        size += len(entry) + 1
    if start < len(entries):
        cuts.append((start, len(entries)))
    return cuts


def _word_lists(terms: Sequence[str]) -> list[list[str]]:
    """The terms by length in UTF-16 units (as lunr.js counts characters), in their order."""
    lists: list[list[str]] = []
    for term in terms:
        n = min(len(term.encode("utf-16-le", "surrogatepass")) // 2, LONGEST_WORDS)
        while len(lists) < n:
            lists.append([])
        lists[n - 1].append(term)
    return lists


def _table(profiles: list[tuple[str, tuple[str, ...]]]) -> bytes:
    """{"profiles": [[year, [tag, ...]], ...], "papers": [profile of each paper]}."""
    number: dict[tuple[str, tuple[str, ...]], int] = {}
    papers = [number.setdefault(p, len(number)) for p in profiles]
    return _json({"profiles": [[year, list(tags)] for year, tags in number], "papers": papers})


def manifest(shards: Shards, fields: Sequence[str], pipeline: Sequence[str],
             tags: dict[str, str], engine: str) -> bytes:
    """search/manifest.json: all the worker needs to route a query (`engine`: the path of
    the script that reads the files)."""
    return _json({
        "engine": engine, "folder": shards.folder, "fields": list(fields),
        "pipeline": list(pipeline), "papers": shards.papers, "shards": shards.firsts,
        "words": shards.words, "records": RECORDS_PER_FILE, "tags": tags})
