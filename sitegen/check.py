"""`sitegen check`: read a built site as a visitor would and report what is broken.

Works on the files alone (beautifulsoup4 for HTML, ElementTree for the sitemap), so it checks
what will be deployed, whatever built it. Every page's links are resolved the way a browser
resolves them when the site is served under `base_url`: a link that works from the output
folder on disk but not under the GitHub project prefix is reported.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from bs4 import BeautifulSoup, Tag

from sitegen.errors import SitegenError

SITEMAP = "sitemap.xml"
NOT_FOUND = "404.html"  # served at any missing URL: never listed in the sitemap
# Stands in for the host when resolving relative links; `.invalid` can never be a real host.
_HOST = "http://sitegen.invalid"
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# (tag, attribute, kind): where pages point at other files. A link is followed by a person;
# an asset is loaded by the page itself, so a broken one breaks the page as it stands.
_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "a": (("href", "link"),), "area": (("href", "link"),), "form": (("action", "link"),),
    "link": (("href", "asset"),), "img": (("src", "asset"),), "script": (("src", "asset"),),
    "iframe": (("src", "asset"),), "embed": (("src", "asset"),), "object": (("data", "asset"),),
    "source": (("src", "asset"),), "track": (("src", "asset"),), "audio": (("src", "asset"),),
    "video": (("src", "asset"), ("poster", "asset")), "input": (("src", "asset"),),
}
_LINK_RELS = {"alternate", "canonical", "next", "prev", "author", "help", "license"}
_UNLABELLED_INPUTS = {"hidden", "submit", "reset", "button", "image"}


@dataclass(frozen=True)
class Problem:
    """One finding; `file` is relative to the output folder, `line` is 1-based or None."""

    file: str
    line: int | None
    kind: str
    message: str

    def text(self, folder: Path) -> str:
        where = f"{folder / self.file}" + (f":{self.line}" if self.line else "")
        return f"{where}: {self.message}"


@dataclass
class Report:
    pages: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(p.kind for p in self.problems).items()))

    def as_json(self) -> dict:
        return {"ok": not self.problems, "pages": self.pages, "files": self.files,
                "counts": self.counts(), "problems": [asdict(p) for p in self.problems]}


@dataclass
class _Page:
    """What one HTML page offers to links pointing at it, and what it points at."""

    ids: set[str]
    refs: list[tuple[int | None, str, str]]  # (line, kind, url)
    indexable: bool


class Checker:
    """Reads every page first (links need their targets' ids), then follows every address."""

    def __init__(self, folder: Path, base_url: str = "/", site_url: str = ""):
        self.folder = folder
        self.base = base_url
        self.site_url = site_url
        self.report = Report()
        self.files: set[str] = set()
        self.pages: dict[str, _Page] = {}

    def problem(self, file: str, line: int | None, kind: str, message: str) -> None:
        self.report.problems.append(Problem(file, line, kind, message))

    def run(self, progress: Callable[[int, int], None] | None = None) -> Report:
        if not self.folder.is_dir():
            raise SitegenError(f"{self.folder}: no built site here (run sitegen build first, "
                               "or pass --output with the folder to check)")
        files = sorted(p.relative_to(self.folder).as_posix()
                       for p in self.folder.rglob("*") if p.is_file())
        self.files = set(files)
        html = [f for f in files if f.endswith(".html")]
        self.report.files, self.report.pages = len(files), len(html)
        for done, rel in enumerate(html, 1):
            self.pages[rel], problems = read_page(self.folder, rel)
            self.report.problems += problems
            if progress:
                progress(done, len(html))
        for rel, page in self.pages.items():
            for line, kind, url in page.refs:
                self._check_ref(rel, line, kind, url)
        for rel in (f for f in files if f.endswith(".css")):
            text = (self.folder / rel).read_text(encoding="utf-8", errors="replace")
            for match in _CSS_URL.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                self._check_ref(rel, line, "asset", match.group(2).strip())
        self._check_sitemap()
        self.report.problems.sort(key=lambda p: (p.file, p.line or 0, p.kind, p.message))
        return self.report

    # ------------------------------------------------------------ links

    def _check_ref(self, rel: str, line: int | None, kind: str, url: str) -> None:
        target = self._internal_path(rel, line, url)
        if target is None:
            return
        path, fragment = target
        file = self._file_for(path)
        what = "link" if kind == "link" else "asset"
        if file is None:
            self.problem(rel, line, f"broken-{what}",
                         f'broken {what} "{url}": nothing at {self.base}{path} (fix the '
                         "address in the page's source, or add the missing file)")
            return
        page = self.pages.get(file)
        if fragment and page is not None and fragment not in page.ids:
            self.problem(rel, line, "broken-anchor",
                         f'broken link "{url}": {file} has no id "{fragment}" (fix the '
                         "#part, or add the id to the target)")

    def _internal_path(self, rel: str, line: int | None,
                       url: str) -> tuple[str, str] | None:
        """(path from the site root, fragment) for a link into this site, None otherwise.

        Reports links that leave `base_url` (or `site_url`) while staying on this host: they
        work when the site is served at '/', and break under a project prefix.
        """
        if not url or url.startswith(("mailto:", "tel:", "data:", "javascript:")):
            return None
        page_url = _HOST + self.base + _page_path(rel)
        if self.site_url and url.startswith(self.site_url):
            url = _HOST + self.base + url[len(self.site_url):]
        absolute = urljoin(page_url, url)
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != _HOST:
            site = urlsplit(self.site_url)
            if self.site_url and (parts.scheme, parts.netloc) == (site.scheme, site.netloc):
                self.problem(rel, line, "escapes-base",
                             f'"{url}" is on this site\'s host but outside {self.site_url} '
                             "(link inside the site, or build with the right site_url)")
            return None  # external: not checked (no network in a check)
        path = unquote(parts.path)
        if not path.startswith(self.base) and path + "/" != self.base:
            self.problem(rel, line, "escapes-base",
                         f'"{url}" leads to {path}, outside base_url {self.base} (use a '
                         "relative link, or one starting with base_url)")
            return None
        return path[len(self.base):], unquote(parts.fragment)

    def _file_for(self, path: str) -> str | None:
        """The file a server (GitHub Pages) sends for `path`, or None when it sends a 404."""
        if path == "" or path.endswith("/"):
            candidate = path + "index.html"
        elif path in self.files:
            return path
        else:
            candidate = path + "/index.html"  # Pages redirects 'x' to 'x/' when x/ exists
        return candidate if candidate in self.files else None

    # ------------------------------------------------------------ sitemap

    def _check_sitemap(self) -> None:
        listed = set()
        for line, loc in self._sitemap_locs():
            if self.site_url and loc.startswith(self.site_url):
                path = loc[len(self.site_url):]
            elif loc.startswith(self.base):
                path = loc[len(self.base):]
            else:
                where = f"site_url {self.site_url}" if self.site_url else f"base_url {self.base}"
                self.problem(SITEMAP, line, "sitemap-url",
                             f"{loc} is not under {where} (build and check with the same "
                             "base_url and site_url)")
                continue
            file = self._file_for(unquote(path.split("#")[0]))
            if file is None:
                self.problem(SITEMAP, line, "sitemap-url",
                             f"{loc} is listed but no page exists there (rebuild the site)")
            else:
                listed.add(file)
        if SITEMAP not in self.files:
            return
        for rel, page in self.pages.items():
            if rel != NOT_FOUND and page.indexable and rel not in listed:
                self.problem(rel, None, "not-in-sitemap",
                             f"{self.base}{_page_path(rel)} is missing from {SITEMAP} "
                             "(rebuild the site, or mark the page noindex)")

    def _sitemap_locs(self) -> Iterator[tuple[int | None, str]]:
        if SITEMAP not in self.files:
            self.problem(SITEMAP, None, "no-sitemap",
                         f"{SITEMAP} not found (search engines find pages through it; "
                         "rebuild the site with sitegen build)")
            return
        try:
            parser = ElementTree.XMLPullParser(events=("end",))
            parser.feed((self.folder / SITEMAP).read_bytes())
            parser.close()
            for _, element in parser.read_events():
                if element.tag in (f"{_SITEMAP_NS}loc", "loc"):
                    yield None, (element.text or "").strip()
        except ElementTree.ParseError as exc:
            self.problem(SITEMAP, exc.position[0], "sitemap-url",
                         f"not valid XML: {exc} (rebuild the site)")


# ---------------------------------------------------------------- one page

def read_page(folder: Path, rel: str) -> tuple[_Page, list[Problem]]:
    """One page in one pass over its elements: ids, labels, and every address it uses."""
    soup = BeautifulSoup((folder / rel).read_bytes(), "html.parser")
    problems: list[Problem] = []

    def problem(tag: Tag, kind: str, message: str) -> None:
        problems.append(Problem(rel, tag.sourceline, kind, message))

    elements = soup.find_all(True)
    ids: dict[str, int | None] = {}
    for tag in elements:
        if tag.has_attr("id"):
            if tag["id"] in ids:
                problem(tag, "duplicate-id", f'id "{tag["id"]}" is already used on line '
                        f'{ids[tag["id"]]} (ids must be unique in a page: rename one)')
            ids.setdefault(tag["id"], tag.sourceline)
    labelled = {t["for"] for t in elements if t.name == "label" and t.has_attr("for")}
    anchors = set(ids) | {t["name"] for t in elements if t.name == "a" and t.has_attr("name")}
    refs: list[tuple[int | None, str, str]] = []
    indexable = True
    for tag in elements:
        for attr, kind in _REFS.get(tag.name, ()):
            if tag.has_attr(attr):
                if tag.name == "link":
                    kind = "link" if _LINK_RELS & set(tag.get("rel") or ()) else "asset"
                refs.append((tag.sourceline, kind, tag[attr].strip()))
        if tag.has_attr("srcset"):
            refs += [(tag.sourceline, "asset", c.split()[0])
                     for c in tag["srcset"].split(",") if c.strip()]
        if tag.name == "meta" and tag.get("name", "").lower() == "robots":
            indexable = "noindex" not in tag.get("content", "").lower()
        message = _label_problem(tag, labelled, set(ids))
        if message:
            problem(tag, *message)
    return _Page(anchors, refs, indexable), problems


def _label_problem(tag: Tag, labelled: set[str], ids: set[str]) -> tuple[str, str] | None:
    """(kind, message) when `tag` has no text alternative a screen reader could announce."""
    name = tag.name
    if name == "img" and not tag.has_attr("alt"):
        return "missing-alt", (f'<img src="{tag.get("src", "")}"> has no alt text (add '
                               'alt="..." saying what it shows, or alt="" for decoration)')
    kind = tag.get("type", "text").lower() if name == "input" else ""
    if (name == "area" and tag.has_attr("href") or kind == "image") and not tag.get("alt"):
        return "missing-alt", f'<{name}> has no alt text (add alt="..." saying where it leads)'
    if name in ("input", "select", "textarea") and kind not in _UNLABELLED_INPUTS:
        if not (tag.get("id") in labelled or tag.find_parent("label") or _named(tag, ids)):
            return "missing-label", (f"<{name}{_describe(tag)}> has no label (add <label "
                                     'for="ID"> or aria-label="...")')
    if name == "button" or name == "a" and tag.has_attr("href"):
        if not (tag.get_text(strip=True) or _named(tag, ids)
                or any(img.get("alt", "").strip() for img in tag.find_all("img"))):
            return "missing-label", (f"<{name}{_describe(tag)}> has no text (add text or "
                                     'aria-label="..." saying what it does)')
    return None


def check_site(folder: Path, base_url: str = "/", site_url: str = "",
               progress: Callable[[int, int], None] | None = None) -> Report:
    """Check the built site in `folder` as served under `base_url` (and `site_url`)."""
    return Checker(folder, base_url, site_url).run(progress)


# ---------------------------------------------------------------- helpers

def _page_path(rel: str) -> str:
    """The URL path of a file: 'papers/x/index.html' is served as 'papers/x/'."""
    if rel == "index.html":
        return ""
    return rel[: -len("index.html")] if rel.endswith("/index.html") else rel


def _named(element: Tag, ids: set[str]) -> bool:
    if element.get("aria-label", "").strip() or element.get("title", "").strip():
        return True
    return any(i in ids for i in element.get("aria-labelledby", "").split())


def _describe(element: Tag) -> str:
    for attr in ("id", "name", "href", "type"):
        if element.get(attr):
            return f' {attr}="{element[attr]}"'
    return ""

