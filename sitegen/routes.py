"""The site's pages: every HTML page as a Job (kind, template, path, title, context), in a
fixed order, and the main menu. What each page shows is made in sitegen.views."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup

from sitegen import charts, urls, views
from sitegen.config import Config
from sitegen.markup import MarkdownRenderer
from sitegen.model import Page, Site
from sitegen.text import plural
from sitegen.views import ViewData, counts, summary, timeline

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
    yield Job("papers", "papers.html", urls.ALL_PAPERS, "All papers",
              f"All {plural(len(papers), 'paper')}, as a table to sort and filter.",
              {"table": views.table_view(site, view_data.papers)})
    new = views.new_view(site, config, view_data.papers)
    yield Job("new", "new.html", urls.NEW, "New papers",
              "Papers first seen in the latest dump, and what each dump added.", {"new": new})
    for dump in new.dumps:
        yield Job("dump", "dump.html", dump.path, f"Added by {dump.source.label}",
                  f"{plural(len(dump.papers), 'paper')} first seen in {dump.source.label}.",
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
    for kind, groups, path in (("author", site.authors, urls.author_path),
                               ("organization", site.organizations, urls.organization_path)):
        for group in groups:
            listed = tuple(view_data.papers[p.slug] for p in group.papers)
            yield Job(kind, "group.html", path(group.slug), group.name,
                      f"{plural(len(listed), 'paper')} by {group.name} in this review.",
                      {"group": group.name, "kind": kind, "papers": listed})
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
