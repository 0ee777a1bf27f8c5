"""The site's pages: every HTML page as a Job (kind, template, path, title, context), in a
fixed order, and the main menu. What each page shows is made in sitegen.views."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup

from sitegen import charts, urls, views
from sitegen.config import Config
from sitegen.markup import MarkdownRenderer
from sitegen.model import Page, Site
from sitegen.text import plural
from sitegen.views import ListPage, PaperView, ViewData, counts, paginate, summary, timeline

HOME_TAGS = 30  # the home page's tag overview shows the most used tags; /tags/ lists all
HOME_CHART_TAGS = 6  # the home page's chart shows the most used tags as small multiples


@dataclass(frozen=True)
class Job:
    """One HTML page to render: its kind (for the summary), template, path and context."""

    kind: str
    template: str
    path: str
    title: str
    description: str
    context: dict


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
              view_data: ViewData | None = None) -> Iterator[Job]:
    """Every HTML page of the site, in a fixed order. `related`: slug -> related slugs
    (sitegen.related); computed here when not given."""
    view_data = view_data or ViewData(site, config, md)
    papers = view_data.ordered(site)
    if related is None:
        from sitegen.related import related_papers  # scipy: imported only when needed

        related = related_papers(site)
    axis = charts.axis(site.papers)
    home = site.home
    # The site's title, unless content/index.md gives one (`title:` or a first '# ' line).
    yield Job("home", "home.html", urls.HOME, home and home.meta.get("title") or config.title,
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
    yield from _table_jobs(site, view_data, len(papers))
    new = views.new_view(site, config, view_data.papers)
    latest = new.latest.papers if new.latest else ()
    yield Job("new", "new.html", urls.NEW, "New papers",
              "Papers first seen in the latest dump, and what each dump added.",
              {"new": new, "papers": latest[:views.PAGE_SIZE],
               "more": new.latest.path if len(latest) > views.PAGE_SIZE else ""})
    for dump in new.dumps:
        label, count = dump.source.label, len(dump.papers)
        for page in paginate(dump.papers, dump.path):
            if page.path == dump.path:
                yield Job("dump", "dump.html", dump.path, f"Added by {label}",
                          f"{plural(count, 'paper')} first seen in {label}.",
                          {"dump": dump.source, "latest": dump.latest, "count": count,
                           "papers": page.items, "pager": page.pager})
            else:
                yield _older_job("dump", page, f"Added by {label}", dump.path,
                                 f"first seen in {label}")
    yield Job("top", "top.html", urls.TOP, "Most upvoted",
              "The most upvoted papers, overall and per tag.",
              {"top": views.top_view(site, view_data.papers, view_data.tag_refs)})
    yield Job("tags", "tags.html", urls.TAGS, "Tags", f"All {len(view_data.tags)} tags.",
              {"tags": tuple(t.ref for t in view_data.tags)})
    for record, tag in zip(site.tags, view_data.tags, strict=True):
        ref = tag.ref
        for page in paginate(tag.papers, ref.path):
            if page.path != ref.path:
                yield _older_job("tag", page, ref.name, ref.path, f"tagged {ref.name}")
                continue
            chart = charts.chart(ref.name, [(ref.name, ref.path, record.papers)],
                                 axis, "chart-tag") if axis else None
            yield Job("tag", "tag.html", ref.path, ref.name,
                      f"{plural(ref.count, 'paper')} tagged {ref.name}.",
                      {"tag": tag, "papers": page.items, "pager": page.pager, "chart": chart,
                       "feed": urls.tag_feed(record.slug), "bibtex": urls.tag_bibtex(record.slug)})
    for kind, groups, path in (("author", site.authors, urls.author_path),
                               ("organization", site.organizations, urls.organization_path)):
        for group in groups:
            listed = tuple(view_data.papers[p.slug] for p in group.papers)
            base = path(group.slug)
            for page in paginate(listed, base):
                if page.path != base:
                    yield _older_job(kind, page, group.name, base, f"by {group.name}")
                    continue
                yield Job(kind, "group.html", base, group.name,
                          f"{plural(len(listed), 'paper')} by {group.name} in this review.",
                          {"group": group.name, "kind": kind, "count": len(listed),
                           "papers": page.items, "pager": page.pager})
    yield from _timeline_jobs(papers)
    for page in site.pages:
        yield _page_job(page, config, md)
    yield Job("search", "search.html", urls.SEARCH, "Search", "Search the papers.", {})
    yield Job("404", "404.html", urls.NOT_FOUND, "Page not found", "", {})


def _older_job(kind: str, page: ListPage, name: str, first: str, what: str) -> Job:
    """An older page of a long list. Its context holds nothing about the rest of the list
    (no count, no intro, no chart), so it stays byte-identical while newer papers arrive."""
    span = views.date_span(page.items)
    assert page.pager is not None
    return Job(kind, "older.html", page.path, f"{name}, page {page.pager.number}",
               f"Papers {what}{', ' + span if span else ''}.",
               {"name": name, "first": first, "span": span, "papers": page.items,
                "years": (), "undated": (), "pager": page.pager})


def _timeline_jobs(papers: tuple[PaperView, ...]) -> Iterator[Job]:
    """The timeline in pages, each grouped by year and month; the first page's year links
    lead to the page where each year starts."""
    pages = paginate(papers, urls.TIMELINE)
    all_years, all_undated = timeline(papers)
    starts: dict[str, str] = {}
    for page in reversed(pages):  # oldest page first: the last page a year is on wins
        for p in page.items:
            starts[p.date[:4] or "undated"] = page.path
    jump = tuple(views.YearLink(str(y.year), starts[str(y.year)], y.anchor, y.count)
                 for y in all_years)
    if all_undated:
        jump += (views.YearLink("Undated", starts["undated"], "undated", len(all_undated)),)
    for page in pages:
        years, undated = timeline(page.items)
        if page.path == urls.TIMELINE:
            yield Job("timeline", "timeline.html", urls.TIMELINE, "Timeline",
                      "Papers by year and month.",
                      {"years": years, "undated": undated, "pager": page.pager,
                       "jump": jump})
        else:
            job = _older_job("timeline", page, "Timeline", urls.TIMELINE, "by date")
            yield dataclasses.replace(job, context={**job.context, "years": years,
                                                    "undated": undated})


def _table_jobs(site: Site, view_data: ViewData, count: int) -> Iterator[Job]:
    """The all-papers table: its first page has the filters, and table.js adds the rows of
    the older pages (listed in `more`) so that sorting and filtering see every paper."""
    table = views.table_view(site, view_data.papers)
    columns = {"status_column": bool(table.statuses), "rating_column": bool(table.ratings)}
    pages = paginate(table.rows, urls.ALL_PAPERS, views.TABLE_PAGE_SIZE)
    for page in pages:
        if page.path == urls.ALL_PAPERS:
            yield Job("papers", "papers.html", urls.ALL_PAPERS, "All papers",
                      f"All {plural(count, 'paper')}, as a table to sort and filter.",
                      {"table": table, "rows": page.items, "pager": page.pager, **columns,
                       "more": tuple(p.path for p in pages[1:])})
        else:
            assert page.pager is not None
            span = views.date_span(tuple(row.paper for row in page.items))
            yield Job("papers", "papers.html", page.path,
                      f"All papers, page {page.pager.number}",
                      f"Papers{' from ' + span if span else ''}, as a table.",
                      {"table": None, "rows": page.items, "pager": page.pager, **columns,
                       "more": (), "span": span})


def _page_job(page: Page, config: Config, md: MarkdownRenderer) -> Job:
    description = str(page.meta.get("description") or summary(page.body) or config.description)
    return Job("page", "page.html", urls.page_path(page.slug), page.title, description,
               {"content_html": md(page.body)})


def navigation(site: Site) -> tuple[tuple[str, str], ...]:
    """Main menu: the site's sections, then the hand-written pages in their `order`."""
    return (("Home", urls.HOME), ("Papers", urls.ALL_PAPERS), ("New", urls.NEW),
            ("Top", urls.TOP), ("Tags", urls.TAGS), ("Timeline", urls.TIMELINE),
            *((p.title, urls.page_path(p.slug)) for p in site.pages))
