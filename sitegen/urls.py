"""Where each page lives, and links that work wherever the site is served.

A page is addressed by its *path from the site root*: '' (home), 'papers/<slug>/', 'feed.xml'.
Links between pages are page-relative ('../../tags/x/'), as MkDocs' get_relative_url makes
them, so one build works at '/' and under a GitHub project prefix such as '/my-review/'.
The one exception is the 404 page: Pages serves it at whatever URL was missing, so its links
must be absolute from base_url.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

log = logging.getLogger(__name__)

HOME = ""
PAPERS_JSON = "papers.json"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND = "404.html"
ASSETS = "assets/"
TAGS = "tags/"
TIMELINE = "timeline/"
SEARCH = "search/"
SEARCH_MANIFEST = "search/manifest.json"  # hashed names of the search data files
ALL_PAPERS = "papers/"  # the sortable, filterable table of every paper
NEW = "new/"  # papers first seen in the latest dump, and what each dump added
TOP = "top/"  # most upvoted, overall and per tag
PAPERS_CSV = "papers.csv"
BIBTEX = "papers.bib"
TAG_FEED = "feed.xml"  # inside a tag's folder
TAG_BIBTEX = "papers.bib"

# Top-level names the site itself uses; a content page may not take one of them.
RESERVED = frozenset({"papers", "tags", "timeline", "search", "assets", "404", "index",
                      "feed", "sitemap", "robots", "papers.json", "feed.xml", "sitemap.xml",
                      "robots.txt", "404.html", "new", "top", "papers.csv", "papers.bib",
                      "authors", "organizations"})

_HTTP = re.compile(r"https?://[^/?#@\s]+", re.I)
_CODE_HOSTS = re.compile(r"https?://(www\.)?(github\.com|gitlab\.com)/", re.I)


def paper_path(slug: str) -> str:
    return f"papers/{quote(slug)}/"


def tag_path(slug: str) -> str:
    return f"{TAGS}{quote(slug)}/"


def tag_feed(slug: str) -> str:
    return tag_path(slug) + TAG_FEED


def tag_bibtex(slug: str) -> str:
    return tag_path(slug) + TAG_BIBTEX


def author_path(slug: str) -> str:
    return f"authors/{quote(slug)}/"


def organization_path(slug: str) -> str:
    return f"organizations/{quote(slug)}/"


def dump_path(slug: str) -> str:
    """What one dump added: 'new/<dump slug>/'."""
    return f"{NEW}{quote(slug)}/"


def page_path(slug: str) -> str:
    return f"{quote(slug)}/"


def month_anchor(year: int, month: int) -> str:
    return f"m{year:04d}-{month:02d}"


def output_file(path: str) -> str:
    """The file that serves a path: 'papers/x/' -> 'papers/x/index.html'."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def root_for(path: str) -> str:
    """The relative prefix that leads from the page at `path` back to the site root."""
    return "../" * path.count("/")


def relative_url(target: str, root: str) -> str:
    """Link to `target` (a path from the site root) from a page whose root prefix is `root`.

    `root` is '../..'-style for ordinary pages, or base_url ('/my-review/') for the 404 page.
    """
    return (root + target.lstrip("/")) or "./"


def absolute_url(path: str, site_url: str, base_url: str) -> str:
    """Absolute URL for feeds and the sitemap; without site_url, an absolute path from base_url."""
    return (site_url or base_url) + path


def safe_link(url: str) -> str | None:
    """The URL if it is a plain http(s) link, else None.

    Links come from untrusted dumps: 'javascript:', 'data:' and anything with spaces or
    control characters (which browsers strip inside a scheme) never reach an href.
    """
    url = url.strip()
    if re.search(r"[\x00-\x20\x7f]", url) or not _HTTP.match(url):
        return None
    return url


def code_links(links: tuple[str, ...]) -> tuple[str, ...]:
    """A paper's links to source code: GitHub and GitLab repositories (safe links only)."""
    return tuple(u for link in links if (u := safe_link(link)) and is_code(u))


def is_code(url: str) -> bool:
    """A GitHub or GitLab repository."""
    return _CODE_HOSTS.match(url) is not None


def paper_url(slug: str, site_url: str) -> str:
    """Absolute URL of a paper's page with site_url; else its path from the site root."""
    return site_url + paper_path(slug) if site_url else paper_path(slug)
