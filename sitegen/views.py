"""View data for the pages that make a list of papers a review: what is new, what is popular,
every paper in one table, the curator's key papers.

Pure functions of the Site (and config). Papers are handed in as the caller's view objects,
looked up by slug (`papers[slug]`), so one object per paper serves every page and these
functions stay independent of how a paper is shown.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Generic, TypeVar

from sitegen import urls
from sitegen.config import Config
from sitegen.exports import code_links, tag_slug
from sitegen.model import Paper, Site, slugify

P = TypeVar("P")  # how the caller shows a paper
R = TypeVar("R")  # how the caller shows a tag

TOP_OVERALL = 50  # most upvoted papers on /top/
TOP_PER_TAG = 5  # most upvoted papers per tag on /top/
KEY_STATUS = "key"  # status of the papers the home page lists as key papers
# Statuses in reading order; any other status the curator uses follows, by name.
STATUS_ORDER = ("key", "read", "reading", "to-read", "skimmed", "skip")


@functools.lru_cache(maxsize=1024)
def status_key(status: str | None) -> str:
    """'To read', 'to_read' and 'to-read' are one status: 'to-read'."""
    return slugify(status, fallback="") if status else ""


# ---------------------------------------------------------------- new: what each dump added

@dataclass(frozen=True)
class DumpView(Generic[P]):
    name: str  # the dump's file name
    path: str  # 'new/<dump slug>/': the page of what it added
    captured: str  # ISO date from config dumps.<name>.captured, or ''
    papers: tuple[P, ...]  # first seen in this dump, newest first
    latest: bool


@dataclass(frozen=True)
class NewView(Generic[P]):
    latest: DumpView[P] | None  # the last dump imported, when there is one
    dumps: tuple[DumpView[P], ...]  # every dump that added papers, latest first


def dump_slugs(names: tuple[str, ...]) -> dict[str, str]:
    """Dump file name -> URL slug ('000_a1.txt' -> '000-a1'), unique in import order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = slugify(PurePosixPath(name).stem, fallback="dump")
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        out[name] = slug
    return out


def new_view(site: Site, config: Config, papers: Mapping[str, P]) -> NewView[P]:
    """Papers grouped by the dump they were first seen in. Dumps no longer in the dumps
    folder still group the papers they brought, after the present ones."""
    added: dict[str, list[Paper]] = {}
    for paper in site.papers:  # newest first, so each group is too
        if paper.first_seen:
            added.setdefault(paper.first_seen, []).append(paper)
    order = list(site.dumps) + sorted(n for n in added if n not in site.dumps)
    slugs = dump_slugs(tuple(order))
    latest_name = site.dumps[-1] if site.dumps else None

    def view(name: str) -> DumpView[P]:
        captured = config.dump_settings(name).captured
        return DumpView(name, urls.dump_path(slugs[name]),
                        captured.isoformat() if captured else "",
                        tuple(papers[p.slug] for p in added.get(name, ())), name == latest_name)

    present = list(reversed(site.dumps)) + [n for n in order if n not in site.dumps]
    return NewView(view(latest_name) if latest_name else None,
                   tuple(view(n) for n in present if added.get(n)))


# ---------------------------------------------------------------- top: by upvotes

@dataclass(frozen=True)
class TopTag(Generic[P, R]):
    tag: R
    papers: tuple[P, ...]


@dataclass(frozen=True)
class TopView(Generic[P, R]):
    papers: tuple[P, ...]  # the TOP_OVERALL most upvoted
    tags: tuple[TopTag[P, R], ...]  # per tag with upvoted papers, by slug
    counted: int  # papers with an upvote count
    total: int


def by_upvotes(papers: tuple[Paper, ...]) -> list[Paper]:
    """Papers with an upvote count, most first; ties newest first (the site's order)."""
    ranked = [p for p in papers if p.upvotes is not None]
    return sorted(ranked, key=lambda p: -(p.upvotes or 0))  # stable: keeps newest first


def top_view(site: Site, papers: Mapping[str, P], tags: Mapping[str, R],
             overall: int = TOP_OVERALL, per_tag: int = TOP_PER_TAG) -> TopView[P, R]:
    ranked = by_upvotes(site.papers)
    per = []
    for tag in site.tags:
        best = by_upvotes(tag.papers)[:per_tag]
        if best:
            per.append(TopTag(tags[tag.slug], tuple(papers[p.slug] for p in best)))
    return TopView(tuple(papers[p.slug] for p in ranked[:overall]), tuple(per), len(ranked),
                   len(site.papers))


# ---------------------------------------------------------------- every paper, as a table

@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class TableRow(Generic[P]):
    paper: P
    tags: str  # tag slugs, space-separated (data-tags)
    tag_names: str  # 'a, b' as the cell shows them
    year: str  # '' when undated
    code: bool
    status: str  # status_key(), '' when none
    status_label: str  # as the curator wrote it
    rating: str  # '' when none


@dataclass(frozen=True)
class TableView(Generic[P]):
    rows: tuple[TableRow[P], ...]  # newest first, as the site lists papers
    tags: tuple[Option, ...]  # by name
    years: tuple[Option, ...]  # newest first
    statuses: tuple[Option, ...]  # reading order
    ratings: tuple[Option, ...]  # 'at least N' thresholds, highest first
    with_code: int


def table_view(site: Site, papers: Mapping[str, P]) -> TableView[P]:
    names = {t.slug: t.name for t in site.tags}
    rows = []
    for paper in site.papers:
        slugs = tuple(dict.fromkeys(tag_slug(t) for t in paper.tags))
        rows.append(TableRow(
            papers[paper.slug], " ".join(slugs), ", ".join(names[s] for s in slugs),
            str(paper.date.year) if paper.date else "", bool(code_links(paper)),
            status_key(paper.status), paper.status or "",
            str(paper.rating) if paper.rating is not None else ""))
    tag_counts = Counter(s for r in rows for s in r.tags.split())
    tags = tuple(Option(s, names[s], tag_counts[s])
                 for s in sorted(tag_counts, key=lambda s: (names[s].casefold(), s)))
    years = Counter(r.year for r in rows if r.year)
    statuses = Counter(r.status for r in rows if r.status)
    labels = {}
    for row in rows:
        labels.setdefault(row.status, row.status_label)
    known = {s: i for i, s in enumerate(STATUS_ORDER)}
    ratings = sorted({int(r.rating) for r in rows if r.rating}, reverse=True)
    return TableView(
        tuple(rows), tags,
        tuple(Option(y, y, years[y]) for y in sorted(years, reverse=True)),
        tuple(Option(s, labels[s], statuses[s])
              for s in sorted(statuses, key=lambda s: (known.get(s, len(known)), s))),
        tuple(Option(str(r), f"{r} or more", sum(1 for x in rows if x.rating
                                                   and int(x.rating) >= r))
              for r in ratings),
        sum(1 for r in rows if r.code))


def key_papers(site: Site, papers: Mapping[str, P]) -> tuple[P, ...]:
    """The papers the curator marked `status: key`, newest first."""
    return tuple(papers[p.slug] for p in site.papers if status_key(p.status) == KEY_STATUS)
