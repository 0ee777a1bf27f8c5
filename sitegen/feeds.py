"""Machine-readable outputs: papers.json (the open dataset), Atom feeds (the review's and one
per tag), sitemap, robots.txt.

All are deterministic: the feed's `updated` comes from the newest paper date, else from
SOURCE_DATE_EPOCH, never from the clock. Text from dumps goes into XML as text nodes
(ElementTree escapes it), so an abstract holding '<script>' stays text in every reader.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import uuid
from xml.etree.ElementTree import Element, SubElement, tostring

from sitegen import __version__, urls
from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.mathtext import plain
from sitegen.model import Paper, Site, Tag

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Characters XML 1.0 cannot carry at all; dumps copied from web pages sometimes hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------- papers.json

def paper_record(paper: Paper, tag_names: dict[str, str]) -> dict:
    """One paper as the dataset publishes it; `url` is the page's path from the site root."""
    return {
        "slug": paper.slug,
        "title": paper.title,
        "abstract": paper.abstract,
        "date": paper.date.isoformat() if paper.date else None,
        "upvotes": paper.upvotes,
        "authors": list(paper.authors),
        "author_count": paper.author_count,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "venue": paper.venue,
        "paper_url": urls.safe_link(paper.url) if paper.url else None,
        "organization": paper.organization,
        "links": [link for u in paper.links if (link := urls.safe_link(u))],
        "tags": list(dict.fromkeys(tag_names[s] for s in paper.tag_slugs)),
        "sources": list(paper.sources),
        "url": urls.paper_path(paper.slug),
    }


def papers_json(site: Site) -> bytes:
    """Every visible paper, newest first; sorted keys, compact, UTF-8."""
    names = {t.slug: t.name for t in site.tags}
    records = [paper_record(p, names) for p in site.papers]
    return json.dumps(records, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- Atom

def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(day: dt.date | dt.datetime) -> str:
    if not isinstance(day, dt.datetime):
        day = dt.datetime.combine(day, dt.time(), dt.UTC)
    return day.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_time() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as a UTC time, or None when unset."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise SitegenError(f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "
                           f"{value!r} (fix or unset the variable)")
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def feed_updated(papers: tuple[Paper, ...]) -> str:
    newest = max((p.date for p in papers if p.date), default=None)
    if newest is not None:
        return _stamp(newest)
    epoch = build_time()
    return _stamp(epoch or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


def _id(config: Config, path: str) -> str:
    """A permanent IRI: the page's URL when site_url is known, else a name-based UUID."""
    if config.site_url:
        return config.site_url + path
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"sitegen:{config.title}/{path}"))


def _href(config: Config, path: str, feed: str = urls.FEED) -> str:
    # Without site_url, links are relative to the feed (at the site root, or a tag's folder).
    return config.site_url + path if config.site_url else urls.relative_url(
        path, urls.root_for(feed))


def atom_feed(site: Site, config: Config) -> bytes:
    """The newest papers (feed_entries of them), abstracts as plain text."""
    return _feed(site, site.papers, config, urls.FEED, urls.HOME, config.title,
                 config.description)


def tag_feed(site: Site, tag: Tag, config: Config) -> bytes:
    """The newest papers of one tag, at tags/<slug>/feed.xml."""
    return _feed(site, tag.papers, config, urls.tag_feed(tag.slug), urls.tag_path(tag.slug),
                 f"{config.title}: {tag.name}", f"Papers tagged {tag.name}.")


def _feed(site: Site, papers: tuple[Paper, ...], config: Config, path: str, alternate: str,
          title: str, subtitle: str) -> bytes:
    """Titles and abstracts are the plain-text reading of their LaTeX (`$\\alpha$` -> α):
    feed readers show `type="text"` as it is."""
    entries = papers[: config.feed_entries]
    names = {t.slug: t.name for t in site.tags}
    updated = feed_updated(entries)
    feed = Element("feed", {"xmlns": ATOM_NS, "xml:lang": config.language})
    SubElement(feed, "title", type="text").text = _xml_text(title)
    if subtitle:
        SubElement(feed, "subtitle", type="text").text = _xml_text(subtitle)
    SubElement(feed, "id").text = _id(config, path)
    SubElement(feed, "link", rel="self", type="application/atom+xml",
               href=_href(config, path, path))
    SubElement(feed, "link", rel="alternate", type="text/html",
               href=_href(config, alternate, path))
    SubElement(feed, "updated").text = updated
    author = SubElement(feed, "author")
    SubElement(author, "name").text = _xml_text(config.author or config.title)
    SubElement(feed, "generator", version=__version__).text = "sitegen"
    for paper in entries:
        page = urls.paper_path(paper.slug)
        entry = SubElement(feed, "entry")
        SubElement(entry, "title", type="text").text = _xml_text(plain(paper.title))
        SubElement(entry, "link", rel="alternate", type="text/html",
                   href=_href(config, page, path))
        SubElement(entry, "id").text = _id(config, page)
        stamp = _stamp(paper.date) if paper.date else updated
        SubElement(entry, "published").text = stamp
        SubElement(entry, "updated").text = stamp
        for name in paper.authors:
            SubElement(SubElement(entry, "author"), "name").text = _xml_text(name)
        for slug in paper.tag_slugs:
            SubElement(entry, "category", term=slug, label=_xml_text(names[slug]))
        if paper.abstract:
            SubElement(entry, "summary", type="text").text = _xml_text(plain(paper.abstract))
    return tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


# ---------------------------------------------------------------- sitemap, robots

def sitemap(paths: list[str], config: Config) -> bytes:
    """Absolute URLs of every page (from site_url; else absolute paths from base_url)."""
    urlset = Element("urlset", xmlns=SITEMAP_NS)
    for path in paths:
        SubElement(SubElement(urlset, "url"), "loc").text = urls.absolute_url(
            path, config.site_url, config.base_url)
    return tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def robots_txt(config: Config) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if config.site_url:  # the Sitemap line must be an absolute URL
        lines.append(f"Sitemap: {config.site_url}{urls.SITEMAP}")
    return ("\n".join(lines) + "\n").encode("utf-8")
