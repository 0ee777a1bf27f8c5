"""Site -> HTML pages through a Jinja2 theme.

Templates only display: every value they show is prepared here as plain frozen dataclasses,
once per paper and tag, so a list on the home page and on a tag page shares the same objects
and no page does work proportional to the whole site. One Environment (autoescape on,
StrictUndefined) serves every page, its templates compiled once, from the folders
sitegen.theme resolves.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from html import unescape
from pathlib import Path
from xml.etree.ElementTree import Element

import jinja2
import jinja2.meta
import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from sitegen import charts, exports, mathtext, urls, views
from sitegen.config import Config
from sitegen.errors import SitegenError, SourceError
from sitegen.model import Page, Paper, Site, slugify
from sitegen.output import Output
from sitegen.parallel import Background, Chunks
from sitegen.site import shown
from sitegen.theme import Assets, Theme

log = logging.getLogger(__name__)

HOME_TAGS = 30  # the home page's tag overview shows the most used tags; /tags/ lists all
HOME_CHART_TAGS = 6  # the home page's chart shows the most used tags as small multiples
PARALLEL_PAGES = 200  # pages; fewer are not worth a second process
CHUNK = 16  # pages a process takes at a time: small enough to finish together
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


# ---------------------------------------------------------------- Markdown

class _SafeTree(Treeprocessor):
    """Drop links and images whose URL has a scheme other than http(s)/mailto, and renumber
    headings so the note's top level sits right under the page's own heading (no skips)."""

    top_heading = 2

    def run(self, root: Element) -> None:
        headings = []
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is not None and not _safe_ref(value):
                    del element.attrib[attr]
            if re.fullmatch(r"h[1-6]", element.tag):
                headings.append(element)
        shift = self.top_heading - min((int(h.tag[1]) for h in headings), default=1)
        for heading in headings:
            heading.tag = f"h{max(1, min(6, int(heading.tag[1]) + shift))}"


def _safe_ref(value: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", unescape(value)).lower()
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return not scheme or scheme.group(1) in ("http", "https", "mailto")


class MarkdownRenderer:
    """Curator Markdown -> HTML with raw HTML shown as text, never as markup."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"],
                                    output_format="html")
        # Without these two, '<script>' in a note is text: the serializer escapes it.
        self.md.preprocessors.deregister("html_block")
        self.md.inlinePatterns.deregister("html")
        self.tree = _SafeTree(self.md)
        self.md.treeprocessors.register(self.tree, "sitegen_safe", -10)  # after unescape

    def __call__(self, text: str, top_heading: int = 2) -> Markup:
        if not text.strip():
            return Markup("")
        self.tree.top_heading = top_heading
        html = self.md.reset().convert(text)
        return Markup(html)  # safe: the Markdown above escapes raw HTML and drops bad links


# ---------------------------------------------------------------- view data

@dataclass(frozen=True)
class Link:
    url: str
    label: str


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
    name: str
    captured: str  # ISO date the dump was captured, or ''


@dataclass(frozen=True, repr=False)
class PaperView:
    """A paper as every page shows it. `key` is the hash of everything it is made from
    (see Views): it stands for the view in the keys of the pages that show it."""

    key: str
    slug: str
    title: str  # plain text: LaTeX read as Unicode ('D³QE'), for <title> and attributes
    path: str
    date: str  # ISO, or '' when unknown
    date_label: str
    upvotes: int | None
    authors: str
    organization: str
    tags: tuple[TagLink, ...]
    links: tuple[Link, ...]
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

    def __repr__(self) -> str:
        # What page keys see of a view (see page_key): its inputs' hash, not its thousands
        # of characters of text.
        return f"PaperView({self.key})"

    def __reduce__(self) -> tuple:
        # Views go to the cache by the thousand: as plain strings and tuples they pickle
        # several times faster than as Markup (a str subclass) and dataclasses. Tags and
        # sources are shared between views, so pickled once each.
        values = list(_VIEW_VALUES(self))
        for i, pack, _ in _VIEW_CODEC:
            values[i] = pack(values[i])
        return _unpack_view, (tuple(values),)


def _unpack_view(values: tuple) -> PaperView:
    values = list(values)
    for i, _, unpack in _VIEW_CODEC:
        values[i] = unpack(values[i])
    view = object.__new__(PaperView)  # as __init__ would, without its checks per field
    view.__dict__.update(zip(_VIEW_FIELDS, values, strict=True))
    return view


_VIEW_FIELDS = tuple(f.name for f in fields(PaperView))
_VIEW_VALUES = operator.attrgetter(*_VIEW_FIELDS)
_VIEW_CODEC = tuple((_VIEW_FIELDS.index(name), pack, unpack) for name, pack, unpack in (
    ("links", lambda links: tuple((link.url, link.label) for link in links),
     lambda links: tuple(Link(*link) for link in links)),
    ("title_html", str, Markup),
    ("notes_html", str, Markup),
    ("abstract_html", lambda paragraphs: tuple(map(str, paragraphs)),
     lambda paragraphs: tuple(map(Markup, paragraphs)))))


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
class Counts:
    papers: int
    tags: int
    dumps: int
    first: str  # date label of the oldest dated paper, or ''
    last: str


@dataclass(frozen=True)
class NavItem:
    title: str
    path: str
    current: bool


@dataclass(frozen=True)
class SiteInfo:
    title: str
    description: str
    author: str
    language: str
    base_url: str
    site_url: str


@dataclass(frozen=True)
class PageInfo:
    kind: str
    title: str
    path: str
    description: str
    canonical: str  # absolute URL when site_url is set, else ''
    nav: tuple[NavItem, ...] = field(default=())


def date_label(paper: Paper) -> str:
    d = paper.date
    return f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}" if d else ""


def _authors(paper: Paper) -> str:
    if isinstance(paper.authors, tuple):
        return ", ".join(paper.authors)
    if paper.authors is None:
        return ""
    return plural(paper.authors, "author")


def plural(count: int, word: str) -> str:
    """'1 paper', '2 papers': the `plural` filter of every template."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def _link(url: str) -> Link | None:
    safe = urls.safe_link(url)
    return Link(safe, re.sub(r"^https?://(www\.)?", "", safe).rstrip("/")) if safe else None


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())


def summary(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


class Views:
    """View data for the whole site, built once.

    A paper's view depends only on the paper, its tags' names, its dumps' capture dates and
    site_url (in its citation), so `memo` (view key -> view, kept between builds) spares
    unchanged papers the math and Markdown; the key also stands for the view in page keys
    (see page_key)."""

    def __init__(self, site: Site, config: Config, md: MarkdownRenderer,
                 memo: dict[str, PaperView] | None = None):
        self.tag_refs = {t.slug: TagRef(t.name, urls.tag_path(t.slug), t.count)
                         for t in site.tags}
        names = {slug: ref.name for slug, ref in self.tag_refs.items()}
        self._links = {slug: TagLink(ref.name, ref.path) for slug, ref in self.tag_refs.items()}
        self._sources: dict[str, Source] = {}  # one per dump, shared by its papers' views
        self.memo: dict[str, PaperView] = {}  # the views of this build, to keep for the next
        old = memo or {}
        self.papers = {}
        for paper in site.papers:
            key = self._key(paper, config)
            view = old.get(key) or self._paper(key, paper, config, md, names)
            self.memo[key] = view
            self.papers[paper.slug] = view
        self.tags = tuple(TagView(self.tag_refs[t.slug], md(t.intro),
                                  tuple(self.papers[p.slug] for p in t.papers))
                          for t in site.tags)

    def _key(self, paper: Paper, config: Config) -> str:
        names = [(t, self.tag_refs[slugify(t)].name) for t in paper.tags]
        captured = [str(config.dump_settings(name).captured) for name in paper.sources]
        # repr, not pickle: a pickle differs when equal values share objects differently
        # (a page parsed now or read from the cache), which would re-render unchanged pages.
        return hashlib.blake2b(repr((paper, names, captured, config.site_url))
                               .encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def _paper(self, key: str, paper: Paper, config: Config, md: MarkdownRenderer,
               names: dict[str, str]) -> PaperView:
        tags = tuple(dict.fromkeys(self._links[slugify(t)] for t in paper.tags))
        sources = tuple(self._source(name, config) for name in paper.sources)
        abstract = paragraphs(paper.abstract)
        rating = paper.rating
        rated = rating is not None and 1 <= rating <= 5
        return PaperView(
            key=key, slug=paper.slug, title=mathtext.plain(paper.title),
            path=urls.paper_path(paper.slug),
            date=paper.date.isoformat() if paper.date else "", date_label=date_label(paper),
            upvotes=paper.upvotes, authors=_authors(paper),
            organization=paper.organization or "", tags=tags,
            links=tuple(link for u in paper.links if (link := _link(u))),
            abstract=tuple(mathtext.plain(p) for p in abstract), sources=sources,
            notes_html=md(paper.notes, 3), status=paper.status or "",
            title_html=mathtext.render(paper.title),
            abstract_html=tuple(mathtext.render(p) for p in abstract), rating=rating,
            rating_label=(f"{rating} of 5" if rated else str(rating)) if rating is not None
            else "",
            stars=("★" * rating + "☆" * (5 - rating)) if rated else "",
            has_code=bool(exports.code_links(paper)),
            citation=exports.bibtex_entry(paper, config, names, abstract=False))

    def _source(self, name: str, config: Config) -> Source:
        if name not in self._sources:
            captured = config.dump_settings(name).captured
            self._sources[name] = Source(name, captured.isoformat() if captured else "")
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
                  date_label(dated[-1]) if dated else "", date_label(dated[0]) if dated else "")


# ---------------------------------------------------------------- rendering

@dataclass(frozen=True)
class Job:
    """One HTML page to render: its kind (for the summary), template, path and context."""

    kind: str
    template: str
    path: str
    title: str
    description: str
    context: dict


class Renderer:
    def __init__(self, config: Config, theme: Theme, assets: Assets,
                 nav: tuple[tuple[str, str], ...], compiled: Path | None = None):
        """`compiled`: a folder to keep compiled templates in between builds (Jinja's
        bytecode cache, checked against each template's source)."""
        self.config = config
        self.assets = assets
        if compiled is not None:
            compiled.mkdir(parents=True, exist_ok=True)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(theme.template_dirs),
            autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None)
        self.env.globals.update(asset=self._asset, url=self._url, paper_item=self._paper_item)
        self._items: dict[tuple[str | None, str, str], Markup] = {}
        self._preloaded: set[tuple[str | None, str, str]] = set()
        self._digests: dict[str, str] = {}
        self._by_root: dict[str, dict] = {}
        self.env.filters["plural"] = plural
        self.site = SiteInfo(config.title, config.description, config.author, config.language,
                             config.base_url, config.site_url)
        self.nav = nav  # (title, path) of the main menu's entries

    @staticmethod
    @jinja2.pass_context
    def _url(ctx: jinja2.runtime.Context, path: str) -> str:
        return urls.relative_url(path, ctx["root"])

    @jinja2.pass_context
    def _asset(self, ctx: jinja2.runtime.Context, name: str) -> str:
        return urls.relative_url(self.assets.path(name), ctx["root"])

    @jinja2.pass_context
    def _paper_item(self, ctx: jinja2.runtime.Context, paper: PaperView) -> Markup:
        return self._item(paper, ctx["root"])

    def _item(self, paper: PaperView, root: str) -> Markup:
        """partials/paper_item.html for one paper, rendered once per page depth: a paper is
        listed on many pages (tags, home, timeline), and page-relative links differ only
        by depth. The partial sees `paper`, `site`, `root` and the helpers of that root."""
        key = (paper.key, paper.path, root)
        item = self._items.get(key)
        if item is None:
            template = self.env.get_template("partials/paper_item.html")
            item = self._items[key] = Markup(template.render(paper=paper, site=self.site,
                                                             **self._helpers(root)))
        return item

    def _helpers(self, root: str) -> dict:
        """`url`, `asset` and `paper_item` for pages at `root`, with `root` itself. The
        globals of the same names do the same from the context; these plain functions are
        what pages use, since Jinja gives a function that takes the context a context of
        its own on every call made in a loop or block (most of a page's rendering time)."""
        helpers = self._by_root.get(root)
        if helpers is None:
            relative, path_of, item = urls.relative_url, self.assets.path, self._item
            helpers = self._by_root[root] = {
                "root": root, "url": lambda path: relative(path, root),
                "asset": lambda name: relative(path_of(name), root),
                "paper_item": lambda paper: item(paper, root)}
        return helpers

    def compile_all(self) -> None:
        """Compile every template once, before forking, rather than once per process. A
        template that does not compile is left for render() to report, if a page uses it."""
        for name in sorted(self.env.loader.list_templates()):
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:
                pass

    def items_stamp(self, salt: str) -> str:
        """What every list item shares besides its paper and depth."""
        return salt + self.template_digest("partials/paper_item.html") + repr(self.site)

    def preload_items(self, items: dict[tuple[str, str, str], str]) -> None:
        self._items.update((key, Markup(html)) for key, html in items.items())
        self._preloaded = set(items)

    def rendered_items(self) -> dict[tuple[str, str, str], str]:
        """List items this process rendered, to keep for the next build."""
        return {key: str(html) for key, html in self._items.items()
                if key not in self._preloaded}

    def template_digest(self, name: str) -> str:
        """A hash of a template and every template it extends, includes or imports, so a
        changed template re-renders only the pages that use it. A template naming another
        through a variable depends on the whole theme."""
        if name not in self._digests:
            self._digests[name] = ""  # a cycle resolves to the parts seen so far
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)
                refs = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateError:  # render() reports it, with file and line
                self._digests[name] = self._theme_digest()
                return self._digests[name]
            parts = [source]
            if "paper_item(" in source:  # the paper_item() global renders this partial
                refs.append("partials/paper_item.html")
            for ref in refs:
                parts.append(self._theme_digest() if ref is None else self.template_digest(ref))
            self._digests[name] = hashlib.blake2b("\0".join(parts).encode(),
                                                  digest_size=16).hexdigest()
        return self._digests[name]

    def _theme_digest(self) -> str:
        names = sorted(self.env.loader.list_templates())
        return hashlib.blake2b("\0".join(
            n + self.env.loader.get_source(self.env, n)[0] for n in names).encode(),
            digest_size=16).hexdigest()

    def render(self, job: Job) -> str:
        # The 404 page is served at any missing URL, so only absolute links work there.
        not_found = job.path == urls.NOT_FOUND
        root = self.config.base_url if not_found else urls.root_for(job.path)
        canonical = self.config.site_url + job.path if self.config.site_url and not not_found \
            else ""
        nav = tuple(NavItem(t, p, p == job.path) for t, p in self.nav)
        page = PageInfo(job.kind, job.title, job.path, job.description, canonical, nav)
        try:
            template = self.env.get_template(job.template)
            return template.render(job.context, site=self.site, page=page,
                                   **self._helpers(root))
        except jinja2.TemplateSyntaxError as exc:
            raise SourceError(shown(Path(exc.filename or exc.name or job.template)),
                              f"{exc.message} (fix the template)", exc.lineno) from None
        except Exception as exc:
            path, line = _template_frame(exc) or (job.template, None)
            if isinstance(exc, jinja2.TemplateNotFound):
                message = (f"template {exc.name!r} not found in "
                           f"{', '.join(self.env.loader.searchpath)} (fix the name, or add "
                           "the file to theme_overrides/templates/)")
            elif line is None:
                raise  # not a template's doing: a bug in sitegen, keep the traceback
            elif isinstance(exc, (SitegenError, jinja2.TemplateError)):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            raise SourceError(shown(Path(path)), f"{message} (while rendering /{job.path})",
                              line) from None


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in a traceback: Jinja rewrites the frames of
    compiled templates to point at the template source and marks them in their globals."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def home_chart(site: Site, axis: charts.Axis | None) -> charts.Chart | None:
    """All papers per month, then the most used tags as small multiples."""
    if axis is None:
        return None
    busiest = sorted(site.tags, key=lambda t: (-t.count, t.name.casefold()))[:HOME_CHART_TAGS]
    lines = [("All papers", urls.HOME, site.papers)]
    lines += [(t.name, urls.tag_path(t.slug), t.papers) for t in busiest]
    return charts.chart("Papers", lines, axis, "chart-home")


def page_jobs(site: Site, config: Config, md: MarkdownRenderer,
              related: dict[str, tuple[str, ...]] | None = None,
              view_data: Views | None = None) -> Iterator[Job]:
    """Every HTML page of the site, in a fixed order. `related`: slug -> related slugs
    (sitegen.related); computed here when not given."""
    view_data = view_data or Views(site, config, md)
    papers = view_data.ordered(site)
    if related is None:
        from sitegen.related import related_papers  # scipy: imported only when needed

        related = related_papers(site)
    axis = charts.axis(site.papers)
    home = site.home
    yield Job("home", "home.html", urls.HOME, home.title if home else config.title,
              config.description,
              {"intro_html": md(home.body) if home else Markup(""),
               "counts": counts(site), "newest": papers[: config.newest_on_home],
               "top_tags": tuple(sorted((t.ref for t in view_data.tags),
                                        key=lambda r: (-r.count, r.name.casefold()))[:HOME_TAGS]),
               "key_papers": views.key_papers(site, view_data.papers),
               "chart": home_chart(site, axis)})
    for paper in papers:
        yield Job("paper", "paper.html", paper.path, paper.title,
                  summary(" ".join(paper.abstract)) or config.description,
                  {"paper": paper,
                   "related": tuple(view_data.papers[s] for s in related.get(paper.slug, ())),
                   "citation": paper.citation})
    yield Job("papers", "papers.html", urls.ALL_PAPERS, "All papers",
              f"All {plural(len(papers), 'paper')}, as a table to sort and filter.",
              {"table": views.table_view(site, view_data.papers)})
    new = views.new_view(site, config, view_data.papers)
    yield Job("new", "new.html", urls.NEW, "New papers",
              "Papers first seen in the latest dump, and what each dump added.", {"new": new})
    for dump in new.dumps:
        yield Job("dump", "dump.html", dump.path, f"Added by {dump.name}",
                  f"{plural(len(dump.papers), 'paper')} first seen in {dump.name}.",
                  {"dump": dump})
    yield Job("top", "top.html", urls.TOP, "Most upvoted",
              "The most upvoted papers, overall and per tag.",
              {"top": views.top_view(site, view_data.papers, view_data.tag_refs)})
    yield Job("tags", "tags.html", urls.TAGS, "Tags", f"All {len(view_data.tags)} tags.",
              {"tags": tuple(t.ref for t in view_data.tags)})
    for record, tag in zip(site.tags, view_data.tags, strict=True):
        chart = charts.chart(tag.ref.name, [(tag.ref.name, tag.ref.path, record.papers)],
                             axis, "chart-tag") if axis else None
        yield Job("tag", "tag.html", tag.ref.path, tag.ref.name,
                  f"{plural(tag.ref.count, 'paper')} tagged {tag.ref.name}.",
                  {"tag": tag, "chart": chart, "feed": urls.tag_feed(record.slug),
                   "bibtex": urls.tag_bibtex(record.slug)})
    years, undated = timeline(papers)
    yield Job("timeline", "timeline.html", urls.TIMELINE, "Timeline",
              "Papers by year and month.", {"years": years, "undated": undated})
    for page in site.pages:
        yield _page_job(page, config, md)
    yield Job("search", "search.html", urls.SEARCH, "Search", "Search the papers.", {})
    yield Job("404", "404.html", urls.NOT_FOUND, "Page not found", "", {})


def _page_job(page: Page, config: Config, md: MarkdownRenderer) -> Job:
    description = str(page.meta.get("description") or summary(page.body) or config.description)
    return Job("page", "page.html", urls.page_path(page.slug), page.title, description,
               {"content_html": md(page.body)})


def navigation(site: Site) -> tuple[tuple[str, str], ...]:
    """Main menu: the site's sections, then the hand-written pages in their `order`."""
    return (("Home", urls.HOME), ("Papers", urls.ALL_PAPERS), ("New", urls.NEW),
            ("Top", urls.TOP), ("Tags", urls.TAGS), ("Timeline", urls.TIMELINE),
            *((p.title, urls.page_path(p.slug)) for p in site.pages))


@dataclass(frozen=True)
class Done:
    """A page written: its file, key (see render_site), size, and whether it was taken
    from the last build; `kept` is what `keep` returned for a page rendered now."""

    index: int  # in page_jobs order
    file: str
    key: str
    size: int
    reused: bool
    kept: object = None


def render_site(site: Site, config: Config, theme: Theme, assets: Assets, out: Output,
                view_data: Views, progress: Callable[[int, int], None] | None = None,
                related: dict[str, tuple[str, ...]] | None = None,
                take: Callable[[str, str], int | None] | None = None,
                keep: Callable[[str, str], object] | None = None,
                salt: str = "", parallel: bool = False, items: dict | None = None,
                compiled: Path | None = None) -> tuple[list[tuple[str, str]], list[Done]]:
    """Write every page and asset; returns (kind, path) of each page and what became of it.

    A page's key is a hash of everything it is made from (its template, path and view data,
    plus `salt` for what every page shares: theme, config, asset names). `take(file, key)`
    may link the file rendered from the same key by the last build into the output (its
    size, or None to render it); `keep(file, key)` stores a page rendered now for the next.
    Both only touch files, as they may run in the worker: with `parallel`, a forked worker
    and this process take pages in turn. The caller claims every file. `items` (list items'
    HTML) comes from the last build and is updated in place to this build's. `compiled`:
    where compiled templates are kept (see Renderer).
    """
    renderer = Renderer(config, theme, assets, navigation(site), compiled)
    md = MarkdownRenderer()
    jobs = list(page_jobs(site, config, md, related, view_data))
    stamp = renderer.items_stamp(salt)
    if items is not None:  # list items of unchanged papers, as the last build rendered them
        renderer.preload_items({tuple(key): html for (s, *key), html in items.items()
                                if s == stamp and key[0] in view_data.memo})
    renderer.compile_all()
    work = Work(renderer, jobs, out, salt, take, keep)
    chunks = Chunks(len(jobs), CHUNK)
    with Background(work, chunks, parallel=parallel and len(jobs) >= PARALLEL_PAGES) as worker:
        mine, new_items = work(chunks, progress)
        theirs, their_items = worker.result()
    done = {d.index: d for d in mine + theirs}
    if len(done) < len(jobs):  # the worker failed: render its pages here (and raise here)
        rest, _ = work(iter([[i for i in range(len(jobs)) if i not in done]]))
        done.update((d.index, d) for d in rest)
    if items is not None:
        kept = {key: html for key, html in items.items()
                if key[0] == stamp and key[1] in view_data.memo}
        items.clear()
        items.update(kept)
        items.update({(stamp, *key): html for key, html in {**new_items, **their_items}.items()})
    for name, path in assets.paths.items():
        out.write(path, assets.files[name])
    return [(job.kind, job.path) for job in jobs], [done[i] for i in range(len(jobs))]


class Work:
    """Key each page; take it from the last build or render and write it. Run by this
    process and the worker alike, each on the chunks of pages it gets."""

    def __init__(self, renderer: Renderer, jobs: list[Job], out: Output, salt: str,
                 take: Callable[[str, str], int | None] | None,
                 keep: Callable[[str, str], object] | None):
        self.renderer, self.jobs, self.out, self.salt = renderer, jobs, out, salt
        self.take, self.keep = take, keep

    def __call__(self, chunks: Iterable[Iterable[int]],
                 progress: Callable[[int, int], None] | None = None,
                 ) -> tuple[list[Done], dict[tuple[str, str, str], str]]:
        done = []
        for chunk in chunks:
            for i in chunk:
                job = self.jobs[i]
                file = urls.output_file(job.path)
                key = page_key(job, self.salt + self.renderer.template_digest(job.template))
                size = self.take(file, key) if self.take else None
                if size is not None:
                    done.append(Done(i, file, key, size, True))
                    continue
                size = self.out.write_file(file, self.renderer.render(job))
                kept = self.keep(file, key) if self.keep else None
                done.append(Done(i, file, key, size, False, kept))
            if progress and done:  # pages are taken in order: the last index is how far
                progress(done[-1].index + 1, len(self.jobs))
        return done, self.renderer.rendered_items()


def page_key(job: Job, salt: str) -> str:
    """Same inputs, same page bytes (rendering is deterministic). The inputs are named
    digests: `salt` (the site's settings, asset names and the page's templates with all
    they include), the page's path and text, and its context, where each paper's view
    stands as its own key (PaperView.__repr__) and everything else as its value."""
    return hashlib.blake2b(repr((salt, job.template, job.path, job.title, job.description,
                                 job.context)).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()
