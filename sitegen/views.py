"""View data: every value a template shows, prepared as plain frozen dataclasses.

Each paper and tag gets one view per build (ViewData), so a list on the home page and on a
tag page shares the same objects and no page does work proportional to the whole site.
Then the pages that make a list of papers a review: what is new, what is popular, every
paper in one table, the curator's key papers; pure functions of the Site (and config),
handed the papers' views to look up by slug (`papers[slug]`).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Generic, TypeVar

from markupsafe import Markup

from sitegen import bibtex, links, mathtext, urls
from sitegen.cache import Memo
from sitegen.config import Config
from sitegen.markup import MarkdownRenderer
from sitegen.model import Paper, Site, slugify
from sitegen.tagging import Tagger
from sitegen.text import MONTHS, date_label, plural

# ---------------------------------------------------------------- papers and tags

Link = links.Link  # kind, label, url: where a paper can be read (see sitegen.links)

LIST_TAGS = 3  # a paper in a list shows its strongest few tags; its page shows all
LIST_AUTHORS = 2  # names a paper in a list shows before "et al."


@dataclass(frozen=True)
class TagRef:
    name: str
    path: str
    count: int


@dataclass(frozen=True)
class TagLink:
    """A tag as a paper shows it. No count: a paper's page must not change (and be rendered
    again) just because another paper got the same tag."""

    name: str
    path: str


@dataclass(frozen=True)
class Source:
    label: str  # what readers see for a dump (see dump_label), never its file name
    captured: str  # ISO date the dump was captured, or ''
    captured_label: str  # '3 Nov 2025', or ''


def dump_label(name: str, dumps: tuple[str, ...], config: Config) -> str:
    """The curator's label for a dump, else its place in import order: a file name such as
    '000_58fe2e8e9ad99316.txt' means nothing to a reader."""
    if label := config.dump_settings(name).label:
        return label
    return f"Import {dumps.index(name) + 1}" if name in dumps else "An earlier import"


def _source(name: str, dumps: tuple[str, ...], config: Config) -> Source:
    captured = config.dump_settings(name).captured
    return Source(dump_label(name, dumps, config), captured.isoformat() if captured else "",
                  date_label(captured))


@dataclass(frozen=True, repr=False)
class PaperView:
    """A paper as every page shows it. `key` is the hash of everything it is made from
    (see ViewData): it stands for the view in the keys of the pages that show it."""

    key: str
    slug: str
    title: str  # plain text: LaTeX read as Unicode ('D³QE'), for <title> and attributes
    path: str
    date: str  # ISO, or '' when unknown
    date_label: str
    upvotes: int | None
    authors: str  # every name, or 'N authors'
    authors_short: str  # for lists: 'Ada Lovelace, Alan Turing et al.', or 'N authors'
    author_links: tuple[TagLink, ...]  # each name, with its page's path or '' (one paper)
    organization: str
    organization_path: str  # its page, or '' when it has only this paper
    tags: tuple[TagLink, ...]  # the curator's first, then the strongest (Tagger.rank)
    links: tuple[Link, ...]  # arXiv, PDF, Hugging Face, DOI, code...; else title searches
    abstract: tuple[str, ...]  # paragraphs, plain text
    sources: tuple[Source, ...]  # first one: where it was first seen
    notes_html: Markup
    status: str
    title_html: Markup = Markup("")  # the title with its math as MathML
    abstract_html: tuple[Markup, ...] = ()  # paragraphs with their math as MathML
    rating: int | None = None
    rating_label: str = ""  # '4 of 5' for ratings 1-5, else the number
    stars: str = ""  # '★★★★☆' for ratings 1-5, else ''
    has_code: bool = False  # a GitHub or GitLab link in the abstract
    citation: str = ""  # its BibTeX entry without the abstract, for its page
    meta: tuple[tuple[str, str], ...] = ()  # Highwire citation_* tags for Zotero and Scholar

    @property
    def list_tags(self) -> tuple[TagLink, ...]:
        return self.tags[:LIST_TAGS]

    def __repr__(self) -> str:
        # What page keys see of a view (see page_key): its inputs' hash, not its thousands
        # of characters of text.
        return f"PaperView({self.key})"


@dataclass(frozen=True)
class TagView:
    ref: TagRef
    intro_html: Markup
    papers: tuple[PaperView, ...]


@dataclass(frozen=True)
class MonthView:
    label: str
    anchor: str
    papers: tuple[PaperView, ...]


@dataclass(frozen=True)
class YearView:
    year: int
    anchor: str
    months: tuple[MonthView, ...]
    count: int


@dataclass(frozen=True)
class YearLink:
    """The timeline's jump to a year: the page where it starts, and its heading there."""

    label: str
    path: str
    anchor: str
    count: int  # its papers in the whole timeline


@dataclass(frozen=True)
class Counts:
    papers: int
    tags: int
    dumps: int
    first: str  # date label of the oldest dated paper, or ''
    last: str


def _authors(paper: Paper, most: int | None = None) -> str:
    if paper.authors:
        names = paper.authors if most is None else paper.authors[:most]
        return ", ".join(names) + (" et al." if len(names) < len(paper.authors) else "")
    return plural(paper.author_count, "author") if paper.author_count else ""


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())


def summary(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


class ViewData:
    """View data for the whole site, built once.

    A paper's view depends only on the paper, its tags' names, its dumps' capture dates and
    site_url (in its citation), so `memo` (view key -> view, kept between builds) spares
    unchanged papers the math and Markdown; the key also stands for the view in page keys
    (see page_key)."""

    def __init__(self, site: Site, config: Config, md: MarkdownRenderer,
                 memo: Memo | None = None):
        self.tag_refs = {t.slug: TagRef(t.name, urls.tag_path(t.slug), t.count)
                         for t in site.tags}
        names = {slug: ref.name for slug, ref in self.tag_refs.items()}
        self._links = {slug: TagLink(ref.name, ref.path) for slug, ref in self.tag_refs.items()}
        self.dumps = site.dumps
        self._people = {a.slug: urls.author_path(a.slug) for a in site.authors}
        self._orgs = {o.slug: urls.organization_path(o.slug) for o in site.organizations}
        self._sources: dict[str, Source] = {}  # one per dump, shared by its papers' views
        self.memo = Memo() if memo is None else memo  # this build's views by key
        self.tagger = Tagger(config.taxonomy)
        # What every view depends on: in its citation, and the taxonomy its tags are ranked by.
        self._settings = hashlib.blake2b(repr((config.site_url, config.taxonomy)).encode(),
                                         digest_size=16).hexdigest()
        self.papers = {}
        for paper in site.papers:
            key = self._key(paper, config)
            self.papers[paper.slug] = self.memo.make(key, self._paper, key, paper, config, md,
                                                     names)
        self.tags = tuple(TagView(self.tag_refs[t.slug], md(t.intro),
                                  tuple(self.papers[p.slug] for p in t.papers))
                          for t in site.tags)

    def _key(self, paper: Paper, config: Config) -> str:
        names = [self.tag_refs[s].name for s in paper.tag_slugs]
        captured = [(str(config.dump_settings(name).captured),
                     dump_label(name, self.dumps, config)) for name in paper.sources]
        pages = [self._people.get(slugify(name, fallback=""), "") for name in paper.authors]
        pages.append(self._orgs.get(slugify(paper.organization or "", fallback=""), ""))
        # repr, not pickle: a pickle differs when equal values share objects differently
        # (a page parsed now or read from the cache), which would re-render unchanged pages.
        return hashlib.blake2b(repr((paper, names, captured, pages, self._settings))
                               .encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def _paper(self, key: str, paper: Paper, config: Config, md: MarkdownRenderer,
               names: dict[str, str]) -> PaperView:
        ranked = self.tagger.rank(paper.title, paper.abstract, paper.tag_slugs)
        tags = tuple(self._links[s] for s in ranked)
        sources = tuple(self._source(name, config) for name in paper.sources)
        abstract = paragraphs(paper.abstract)
        rating = paper.rating
        rated = rating is not None and 1 <= rating <= 5
        return PaperView(
            key=key, slug=paper.slug, title=mathtext.plain(paper.title),
            path=urls.paper_path(paper.slug),
            date=paper.date.isoformat() if paper.date else "", date_label=date_label(paper.date),
            upvotes=paper.upvotes, authors=_authors(paper),
            authors_short=_authors(paper, LIST_AUTHORS),
            author_links=tuple(TagLink(name, self._people.get(slugify(name, fallback=""), ""))
                               for name in paper.authors),
            organization=paper.organization or "",
            organization_path=self._orgs.get(slugify(paper.organization or "", fallback=""), ""),
            tags=tags, links=links.outbound(paper),
            abstract=tuple(mathtext.plain(p) for p in abstract), sources=sources,
            notes_html=md(paper.notes, 3), status=paper.status or "",
            title_html=mathtext.render(paper.title),
            abstract_html=tuple(mathtext.render(p) for p in abstract), rating=rating,
            rating_label=(f"{rating} of 5" if rated else str(rating)) if rating is not None
            else "",
            stars=("★" * rating + "☆" * (5 - rating)) if rated else "",
            has_code=bool(urls.code_links(paper.links)),
            citation=bibtex.entry(paper, config, names, abstract=False),
            meta=links.citation_meta(paper))

    def _source(self, name: str, config: Config) -> Source:
        if name not in self._sources:
            self._sources[name] = _source(name, self.dumps, config)
        return self._sources[name]

    def ordered(self, site: Site) -> tuple[PaperView, ...]:
        return tuple(self.papers[p.slug] for p in site.papers)


def timeline(papers: tuple[PaperView, ...]) -> tuple[tuple[YearView, ...], tuple[PaperView, ...]]:
    """Dated papers by year and month, newest first; undated ones apart."""
    dated = [p for p in papers if p.date]
    years = []
    for year, in_year in itertools.groupby(dated, key=lambda p: int(p.date[:4])):
        in_year = list(in_year)
        months = tuple(
            MonthView(f"{MONTHS[month - 1]} {year}", urls.month_anchor(year, month), tuple(ps))
            for month, ps in itertools.groupby(in_year, key=lambda p: int(p.date[5:7])))
        years.append(YearView(year, f"y{year}", months, len(in_year)))
    return tuple(years), tuple(p for p in papers if not p.date)


def counts(site: Site) -> Counts:
    dated = [p for p in site.papers if p.date]
    return Counts(len(site.papers), len(site.tags), len(site.dumps),
                  date_label(dated[-1].date) if dated else "",
                  date_label(dated[0].date) if dated else "")


# ---------------------------------------------------------------- long lists, in pages

P = TypeVar("P")  # how the caller shows a paper
R = TypeVar("R")  # how the caller shows a tag

PAGE_SIZE = 100  # papers on each older page of a list; its first page holds up to twice that
TABLE_PAGE_SIZE = 500  # rows on each older page of the all-papers table (a row is small)
PAGE_WINDOW = 2  # numbered links either side of the current page


@dataclass(frozen=True)
class PageLink:
    label: str
    path: str  # '' for an ellipsis
    current: bool


@dataclass(frozen=True)
class Pager:
    """Where a page stands among its list's pages: `number` 0 is the list's first page (its
    newest papers, at the list's own URL), 1 its oldest page. Nothing here depends on how
    many pages the list has beyond the two above the current one, so an older page stays
    byte-identical while papers are added at the newest end."""

    number: int
    newer: str  # path of the page of newer papers, or ''
    older: str  # path of the page of older papers, or ''
    links: tuple[PageLink, ...]


@dataclass(frozen=True)
class ListPage(Generic[P]):
    path: str
    items: tuple[P, ...]
    pager: Pager | None  # None when the list fits one page


def older_page_path(base: str, number: int) -> str:
    return f"{base}page/{number}/"


def paginate(items: tuple[P, ...], base: str, size: int | None = None
             ) -> tuple[ListPage[P], ...]:
    """A list (newest first) cut into pages, the first at `base`, the others at
    'base/page/<k>/' numbered from the OLDEST end: page 1 holds the oldest `size` items,
    page 2 the next, and the first page whatever is newer (`size` to 2*`size`-1 items). So
    papers added at the top change the first page only, until it overflows and gives its
    oldest `size` items to a new page; the pages already there keep their URL and bytes."""
    size = size or PAGE_SIZE
    older = max(0, len(items) // size - 1)
    if not older:
        return (ListPage(base, items, None),)
    head = len(items) - older * size
    pages = [ListPage(base, items[:head], _pager(0, older, base))]
    for k in range(older, 0, -1):
        start = head + (older - k) * size
        pages.append(ListPage(older_page_path(base, k), items[start:start + size],
                              _pager(k, older, base)))
    return tuple(pages)


def _pager(number: int, older: int, base: str) -> Pager:
    """Numbered links, newest first: the first page, page 1, the current page and its
    neighbours, with ellipses for the pages left out. An older page names no number above
    its own + PAGE_WINDOW, so only the few pages next to a new one change with it."""
    def path(k: int) -> str:
        return base if k == 0 or k > older else older_page_path(base, k)

    at = number or older + 1  # the first page stands above the newest older page
    top = min(older, at + PAGE_WINDOW)
    shown = sorted({k for k in range(1, top + 1) if k == 1 or abs(k - at) <= PAGE_WINDOW},
                   reverse=True)
    links, above = [PageLink("Newest", base, number == 0)], older + 1
    for k in shown:
        if k < above - 1:
            links.append(PageLink("…", "", False))
        links.append(PageLink(str(k), path(k), k == number))
        above = k
    return Pager(number, path(number + 1) if number else "",
                 path(at - 1) if at > 1 else "", tuple(links))


def date_span(papers: tuple[PaperView, ...]) -> str:
    """'3 Jan 2024 to 5 Mar 2024' for a page of papers (newest first), or ''."""
    dated = [p for p in papers if p.date]
    if not dated:
        return ""
    return dated[-1].date_label if len(dated) == 1 or dated[0].date == dated[-1].date \
        else f"{dated[-1].date_label} to {dated[0].date_label}"


# ---------------------------------------------------------------- review pages

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
    source: Source  # its label and capture date
    path: str  # 'new/<dump slug>/': the page of what it added
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
        return DumpView(_source(name, site.dumps, config), urls.dump_path(slugs[name]),
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
    tags: tuple[TopTag[P, R], ...]  # per tag with upvoted papers, by slug; none when
    # the overall list already holds every paper with a count
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
    # Per tag only when the overall list cannot show every counted paper: otherwise each
    # would only repeat papers already listed above it.
    for tag in site.tags if len(ranked) > overall else ():
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
        slugs = paper.tag_slugs
        rows.append(TableRow(
            papers[paper.slug], " ".join(slugs), ", ".join(names[s] for s in slugs),
            str(paper.date.year) if paper.date else "", bool(urls.code_links(paper.links)),
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
